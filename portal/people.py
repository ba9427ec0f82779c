"""Deltagare: one identity per person, the records each organisation holds about them, and their operations."""
from __future__ import annotations

import csv
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint, or_, select
from sqlalchemy.orm import Mapped, mapped_column, relationship
from stdnum import luhn
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.se import personnummer as se_pnr

from portal import audit
from portal.db import UTCDateTime, db, utcnow
from portal.orgs import Organisation

STOCKHOLM = ZoneInfo("Europe/Stockholm")
DATA = Path(__file__).resolve().parent / "data"

#: Kinds of identity number a person can have.
ID_KINDS: dict[str, object] = {
    "personnummer": _l("Personnummer"),
    "samordningsnummer": _l("Samordningsnummer"),
    "reservnummer": _l("Reservnummer"),
}


class PersonError(ValueError):
    """A rule for people was broken; `field` names the form field the message belongs beside."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.field = field


def today() -> date:
    """Today's date in Sweden: ages, validity and expiry are all counted in Swedish days."""
    return datetime.now(STOCKHOLM).date()


def age_on(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def add_years(day: date, years: int) -> date:
    """The same calendar day `years` later; 29 February becomes 1 March in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


# --- Personnummer / samordningsnummer --------------------------------------------------------------


@dataclass(frozen=True)
class IdNumber:
    kind: str
    #: 12 digits, YYYYMMDDNNNN.
    normal: str
    birth_date: date


def parse_id_number(value: str, *, on: date | None = None) -> IdNumber:
    """Validate a personnummer or samordningsnummer (10 or 12 digits, with or without - or +).

    python-stdnum checks the format, date and Luhn digit of a personnummer, but rejects a samordningsnummer
    (birth day + 60), so for those we check the real date through stdnum and the Luhn digit of the number as
    written. A 10-digit number with `+` belongs to someone aged 100 or more.
    """
    on = on or today()
    message = _l("Ogiltigt personnummer eller samordningsnummer. Ange 10 eller 12 siffror, t.ex. 20080314-2385.")
    try:
        compact = se_pnr.compact((value or "").strip())
    except Exception:  # noqa: BLE001 - stdnum raises on odd input; all mean "not a number"
        raise PersonError(message, field="number") from None
    if len(compact) not in (11, 13) or compact[-5] not in "-+" or not (compact[:-5] + compact[-4:]).isdigit():
        raise PersonError(message, field="number")
    day_pos = -7  # the day's two digits sit just before the separator and the four last digits
    day = int(compact[day_pos:day_pos + 2])
    kind = "personnummer"
    dated = compact
    if day > 60:
        kind = "samordningsnummer"
        dated = compact[:day_pos] + f"{day - 60:02d}" + compact[day_pos + 2:]
    try:
        birth = se_pnr.get_birth_date(dated)
        digits = compact[:-5] + compact[-4:]
        luhn.validate(digits[-10:])
    except StdnumError:
        raise PersonError(
            _l("Personnumret stämmer inte: kontrollera datumet och den sista siffran (kontrollsiffran)."),
            field="number",
        ) from None
    if len(compact) == 11 and birth > on:
        # stdnum guesses the century from the year alone; someone born later this year is a century older.
        birth = add_years(birth, -100)
    if birth > on:
        raise PersonError(_l("Födelsedatumet i numret ligger i framtiden."), field="number")
    # Month and day as written (a samordningsnummer keeps its day + 60), with the full year.
    normal = f"{birth.year:04d}{compact[-9:-5]}{compact[-4:]}"
    return IdNumber(kind=kind, normal=normal, birth_date=birth)


def format_id_number(kind: str, normal: str) -> str:
    """Show a stored number the way people write it: YYYYMMDD-NNNN (reserve numbers as entered)."""
    if kind in ("personnummer", "samordningsnummer") and len(normal) == 12:
        return f"{normal[:8]}-{normal[8:]}"
    return normal


# --- Kommuner ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kommun:
    code: str
    name: str
    county_code: str
    county: str


@lru_cache(maxsize=1)
def kommuner() -> dict[str, Kommun]:
    """Sweden's 290 municipalities by kommunkod (SCB's list), shipped in portal/data/kommuner.csv."""
    with open(DATA / "kommuner.csv", encoding="utf-8", newline="") as handle:
        return {row["kommunkod"]: Kommun(row["kommunkod"], row["kommun"], row["lanskod"], row["lan"])
                for row in csv.DictReader(handle)}


def kommun_choices() -> list[tuple[str, str]]:
    return [("", str(_l("– Välj kommun –")))] + sorted(
        ((k.code, k.name) for k in kommuner().values()), key=lambda item: item[1]
    )


# --- Models -------------------------------------------------------------------------------------------


class Person(db.Model):
    """A deltagare (ungdom): the one identity record. Everything else is held by an organisation."""

    __tablename__ = "people"
    __table_args__ = (
        UniqueConstraint("id_kind", "id_number", name="uq_people_id_kind_number"),
        CheckConstraint("id_kind IN ('personnummer','samordningsnummer','reservnummer')", name="id_kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(100), nullable=False)
    last_name: Mapped[str] = mapped_column(String(100), nullable=False)
    #: One of ID_KINDS.
    id_kind: Mapped[str] = mapped_column(String(20), nullable=False)
    #: 12 digits (YYYYMMDDNNNN) for personnummer/samordningsnummer; the reserve number as given otherwise.
    id_number: Mapped[str] = mapped_column(String(40), nullable=False)
    #: Derived from the number, or entered with a reserve number.
    birth_date: Mapped[date] = mapped_column(Date, nullable=False)
    #: Kommunkod (4 digits) of the home municipality, from portal/data/kommuner.csv.
    home_kommun: Mapped[str | None] = mapped_column(String(4), nullable=True)
    #: Skyddade personuppgifter: contact details reach only the recording organisation's own staff.
    is_protected: Mapped[bool] = mapped_column(nullable=False, default=False)
    #: Shown instead of the person wherever the gate refuses, e.g. "D-4821"; stable for the person.
    pseudonym: Mapped[str] = mapped_column(String(12), nullable=False, unique=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def number_display(self) -> str:
        return format_id_number(self.id_kind, self.id_number)

    def age(self, on: date | None = None) -> int:
        return age_on(self.birth_date, on or today())


class PersonLink(db.Model):
    """Organisation X works with person P: it registered them (or registered the same number later)."""

    __tablename__ = "person_links"
    __table_args__ = (UniqueConstraint("person_id", "organisation_id", name="uq_person_links_person_org"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), nullable=False, index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False, index=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    organisation: Mapped[Organisation] = relationship()


class ContactDetails(db.Model):
    """Address, phone and e-mail as one organisation recorded them (category "kontakt")."""

    __tablename__ = "person_contacts"
    __table_args__ = (UniqueConstraint("person_id", "organisation_id", name="uq_person_contacts_person_org"),)

    category = "kontakt"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), nullable=False, index=True)
    #: The recording organisation: the only one that sees this row without consent.
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False)
    address: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    postal_code: Mapped[str] = mapped_column(String(10), nullable=False, default="")
    city: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    phone: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    email: Mapped[str] = mapped_column(String(254), nullable=False, default="")
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    organisation: Mapped[Organisation] = relationship(lazy="joined")


class Guardian(db.Model):
    """A vårdnadshavare as one organisation recorded them (category "kontakt")."""

    __tablename__ = "person_guardians"

    category = "kontakt"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), nullable=False, index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    #: e.g. "mamma", "pappa", "särskilt förordnad vårdnadshavare".
    relation: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    phone: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    email: Mapped[str] = mapped_column(String(254), nullable=False, default="")
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    organisation: Mapped[Organisation] = relationship(lazy="joined")


class PersonNote(db.Model):
    """A note ("anteckning") one organisation wrote about a person, in one information category."""

    __tablename__ = "person_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), nullable=False, index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False)
    #: One of portal.consent.CATEGORIES.
    category: Mapped[str] = mapped_column(String(20), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    organisation: Mapped[Organisation] = relationship(lazy="joined")


# --- Operations ----------------------------------------------------------------------------------------


def _new_pseudonym() -> str:
    """A random D-NNNN not used before; longer once four digits get crowded."""
    for digits in (4, 4, 4, 5, 5, 6, 6, 8):
        candidate = f"D-{secrets.randbelow(9 * 10 ** (digits - 1)) + 10 ** (digits - 1)}"
        if db.session.scalar(select(Person.id).where(Person.pseudonym == candidate)) is None:
            return candidate
    raise RuntimeError("could not find a free pseudonym")


def _clean_name(value: str, field: str, message) -> str:
    value = " ".join((value or "").split())
    if not value:
        raise PersonError(message, field=field)
    return value


def _check_kommun(code: str | None) -> str | None:
    code = (code or "").strip()
    if not code:
        return None
    if code not in kommuner():
        raise PersonError(_l("Välj en kommun ur listan."), field="home_kommun")
    return code


def by_number(kind: str, normal: str) -> Person | None:
    return db.session.scalar(select(Person).where(Person.id_kind == kind, Person.id_number == normal))


def is_linked(organisation_id: int, person_id: int) -> bool:
    return db.session.scalar(select(PersonLink.id).where(
        PersonLink.person_id == person_id, PersonLink.organisation_id == organisation_id)) is not None


def link(person: Person, organisation_id: int, *, by=None) -> bool:
    """Record that the organisation works with the person; True if the link is new."""
    if is_linked(organisation_id, person.id):
        return False
    db.session.add(PersonLink(person_id=person.id, organisation_id=organisation_id))
    db.session.flush()
    audit.record("person.link", obj=person, person_id=person.id, by=by)
    return True


def register_person(*, by, first_name: str, last_name: str, number: str = "", reserve_number: str = "",
                    birth_date: date | None = None, home_kommun: str | None = None, is_protected: bool = False,
                    address: str = "", postal_code: str = "", city: str = "", phone: str = "", email: str = "",
                    ) -> tuple[Person, bool]:
    """Register a person for the user's organisation; an existing number links silently.

    Returns (person, created). When the number is already held, nothing about the existing record or
    who else holds it is disclosed: the organisation is linked and what it typed becomes its own records.
    """
    first = _clean_name(first_name, "first_name", _l("Ange förnamn."))
    last = _clean_name(last_name, "last_name", _l("Ange efternamn."))
    kommun = _check_kommun(home_kommun)
    number = (number or "").strip()
    reserve = " ".join((reserve_number or "").split()).upper()
    if number and reserve:
        raise PersonError(_l("Ange antingen personnummer/samordningsnummer eller reservnummer, inte båda."),
                          field="reserve_number")
    if number:
        parsed = parse_id_number(number)
        kind, normal, birth = parsed.kind, parsed.normal, parsed.birth_date
    elif reserve:
        if birth_date is None:
            raise PersonError(_l("Ange födelsedatum när personen bara har ett reservnummer."), field="birth_date")
        if birth_date > today():
            raise PersonError(_l("Födelsedatumet ligger i framtiden."), field="birth_date")
        kind, normal, birth = "reservnummer", reserve[:40], birth_date
    else:
        raise PersonError(_l("Ange personnummer, samordningsnummer eller reservnummer."), field="number")

    person = by_number(kind, normal)
    created = person is None
    if created:
        person = Person(first_name=first, last_name=last, id_kind=kind, id_number=normal, birth_date=birth,
                        home_kommun=kommun, is_protected=bool(is_protected), pseudonym=_new_pseudonym())
        db.session.add(person)
        db.session.flush()
        audit.record("person.create", obj=person, person_id=person.id, by=by, details={"kind": kind})
    elif is_protected and not person.is_protected:
        # A protection marking may be added by anyone who learns of it; never silently removed.
        person.is_protected = True
        audit.record("person.protect", obj=person, person_id=person.id, by=by)
    link(person, by.organisation_id, by=by)
    if any((address, postal_code, city, phone, email)):
        set_contact(person, by=by, address=address, postal_code=postal_code, city=city, phone=phone, email=email)
    return person, created


def update_identity(person: Person, *, by, first_name: str, last_name: str, home_kommun: str | None,
                    is_protected: bool) -> Person:
    """Correct the name or home municipality, or set/lift the protection marking (linked organisations only)."""
    first = _clean_name(first_name, "first_name", _l("Ange förnamn."))
    last = _clean_name(last_name, "last_name", _l("Ange efternamn."))
    kommun = _check_kommun(home_kommun)
    changed = [name for name, old, new in (("first_name", person.first_name, first),
                                           ("last_name", person.last_name, last),
                                           ("home_kommun", person.home_kommun, kommun),
                                           ("is_protected", person.is_protected, bool(is_protected)))
               if old != new]
    person.first_name, person.last_name, person.home_kommun = first, last, kommun
    person.is_protected = bool(is_protected)
    db.session.flush()
    audit.record("person.update", obj=person, person_id=person.id, by=by, details={"fields": changed})
    return person


def set_contact(person: Person, *, by, address: str = "", postal_code: str = "", city: str = "",
                phone: str = "", email: str = "") -> ContactDetails:
    """Create or change the contact details the user's organisation holds for the person."""
    email = (email or "").strip()
    if email and ("@" not in email or " " in email):
        raise PersonError(_l("Ange en giltig e-postadress, t.ex. namn@exempel.se."), field="email")
    row = db.session.scalar(select(ContactDetails).where(
        ContactDetails.person_id == person.id, ContactDetails.organisation_id == by.organisation_id))
    if row is None:
        row = ContactDetails(person_id=person.id, organisation_id=by.organisation_id)
        db.session.add(row)
    row.address, row.postal_code, row.city = address.strip(), postal_code.strip(), city.strip()
    row.phone, row.email, row.updated_dt = phone.strip(), email, utcnow()
    db.session.flush()
    audit.record("person.contact", obj=row, person_id=person.id, by=by)
    return row


def add_guardian(person: Person, *, by, name: str, relation: str = "", phone: str = "",
                 email: str = "") -> Guardian:
    if person.age() >= 18:
        raise PersonError(_l("Personen är myndig och har inga vårdnadshavare."), field="name")
    name = _clean_name(name, "name", _l("Ange vårdnadshavarens namn."))
    if not (phone or "").strip() and not (email or "").strip():
        raise PersonError(_l("Ange telefon eller e-post så att vårdnadshavaren kan nås."), field="phone")
    row = Guardian(person_id=person.id, organisation_id=by.organisation_id, name=name, relation=relation.strip(),
                   phone=phone.strip(), email=email.strip())
    db.session.add(row)
    db.session.flush()
    audit.record("person.guardian", obj=row, person_id=person.id, by=by)
    return row


def add_note(person: Person, *, by, category: str, text: str) -> PersonNote:
    from portal.consent import CATEGORIES

    if category not in CATEGORIES:
        raise PersonError(_l("Välj en informationskategori."), field="category")
    text = (text or "").strip()
    if not text:
        raise PersonError(_l("Skriv anteckningen."), field="text")
    row = PersonNote(person_id=person.id, organisation_id=by.organisation_id, category=category, text=text,
                     created_by_id=by.id)
    db.session.add(row)
    db.session.flush()
    audit.record("person.note", obj=row, person_id=person.id, by=by, details={"category": category})
    return row


def search_ids(user, query: str = "") -> list[int]:
    """Ids of people whose identity the user's organisation may see, matching name or number, by name."""
    from portal.consent import visible_person_ids

    ids = visible_person_ids(user)
    if not ids:
        return []
    stmt = select(Person.id).where(Person.id.in_(ids))
    query = " ".join((query or "").split())
    if query:
        digits = "".join(c for c in query if c.isdigit())
        conditions = []
        for word in query.split():
            if not any(c.isdigit() for c in word):
                pattern = f"%{word.lower()}%"
                conditions.append(or_(db.func.lower(Person.first_name).like(pattern),
                                      db.func.lower(Person.last_name).like(pattern)))
        if digits:
            conditions.append(or_(Person.id_number.like(f"%{digits}%"), Person.id_number == query.upper()))
        for condition in conditions:
            stmt = stmt.where(condition)
    return list(db.session.scalars(stmt.order_by(Person.last_name, Person.first_name, Person.id)))
