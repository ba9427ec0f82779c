"""Person operations (register, identity, contact details, guardians, notes) and the queries the pages need.

Every change takes the actor as `by`, checks the record rule itself and writes its audit event.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from portal import audit
from portal.audit import AuditEvent
from portal.auth.models import User
from portal.db import db, utcnow
from portal.errors import check_version, fingerprint
from portal.orgs import Organisation
from portal.people import rules
from portal.people.consent import default_valid_until, expiring, minors_policy
from portal.people.gate import PersonView, consents_visible_to, gate, visible_person_ids
from portal.people.identity import (
    PersonError,
    kommuner,
    normal_reserve_number,
    parse_id_number,
    today,
)
from portal.people.models import Consent, ContactDetails, Disclosure, Guardian, Person, PersonLink, PersonNote
from portal.people.vocabulary import CATEGORIES
from portal.permissions import check, has


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


def link(person: Person, organisation_id: int, *, by) -> bool:
    """Record that the organisation works with the person; True if the link is new."""
    if rules.is_linked(organisation_id, person.id):
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
    check(has(by, "person.register"), "permission:person.register")
    first = _clean_name(first_name, "first_name", _l("Ange förnamn."))
    last = _clean_name(last_name, "last_name", _l("Ange efternamn."))
    kommun = _check_kommun(home_kommun)
    number = (number or "").strip()
    reserve = normal_reserve_number(reserve_number)
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


def identity_version(person: Person) -> str:
    """The version of the identity an edit form is built from: it is shared by every organisation that works
    with the person, so a change saved meanwhile must be noticed."""
    return fingerprint(person.first_name, person.last_name, person.home_kommun, person.is_protected)


def update_identity(person: Person, *, by, first_name: str, last_name: str, home_kommun: str | None,
                    is_protected: bool, expected_version: str | None = None) -> Person:
    """Correct the name or home municipality, or set/lift the protection marking (linked organisations only).

    `expected_version` is the identity_version the form was built from; StaleEdit if it has changed since.
    """
    rules.check_can_change(by, person)
    check_version(expected_version, identity_version(person), record=person)
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
    rules.check_can_change(by, person)
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
    """Record a vårdnadshavare of a person under 18, as the user's organisation knows them."""
    rules.check_can_change(by, person)
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
    """A note the user's organisation writes; its category decides which consents let others read it."""
    rules.check_can_change(by, person)
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


# --- What the pages need ---------------------------------------------------------------------------------


@dataclass
class SearchPage:
    """One page of search hits, as gate views, and how many there are in all."""

    views: list[PersonView]
    total: int
    pages: int


def search(user, query: str = "", page: int = 1, *, page_size: int = 25) -> SearchPage:
    """The people the user's organisation may see that match, one page of them through the gate."""
    ids = search_ids(user, query)
    page_ids = ids[(page - 1) * page_size: page * page_size]
    return SearchPage(views=gate(user, page_ids) if page_ids else [], total=len(ids),
                      pages=max((len(ids) + page_size - 1) // page_size, 1))


def consent_history(user, person: Person, *, on: date | None = None) -> list[tuple[Consent, str]]:
    """The consents the user's organisation may see for the person (newest first), each with its state today:
    whether consent holds is the first thing a caseworker needs to know."""
    on = on or today()
    return [(c, c.state(person.birth_date, on)) for c in consents_visible_to(user, person)]


def own_contact(person: Person, *, by) -> ContactDetails | None:
    """The contact details the user's organisation holds for the person, to fill its edit form."""
    return db.session.scalar(select(ContactDetails).where(
        ContactDetails.person_id == person.id, ContactDetails.organisation_id == by.organisation_id))


def other_organisations(by, *, active_only: bool = False) -> list[tuple[int, str]]:
    """(id, name) of every organisation but the user's own, by name: the parties a consent or disclosure names."""
    stmt = select(Organisation.id, Organisation.name).where(Organisation.id != by.organisation_id)
    if active_only:
        stmt = stmt.where(Organisation.is_active.is_(True))
    return [(oid, name) for oid, name in db.session.execute(stmt.order_by(Organisation.name))]


def own_guardian_names(person: Person, *, by) -> list[str]:
    """The guardians the user's organisation has recorded; it never sees other organisations' ones here."""
    return list(db.session.scalars(select(Guardian.name).where(
        Guardian.person_id == person.id, Guardian.organisation_id == by.organisation_id).order_by(Guardian.id)))


def new_consent_defaults(person: Person, *, by, supersedes: Consent | None = None) -> dict:
    """What the consent form opens with: a period that can be saved, who gives it by the person's age, and for a
    new version the content of the consent it replaces."""
    policy = minors_policy()
    start = today()
    age = person.age(start)
    data = {
        "valid_from": start,
        "valid_until": default_valid_until(person, start),
        # Someone already 20 or older can only give a consent that runs past their 20th birthday.
        "is_past_twenty_stated": age >= 20,
        "given_by_person": age >= policy.guardian_required_under,
    }
    if age < policy.adult_age:
        names = own_guardian_names(person, by=by) + ["", ""]
        data["guardian_1"], data["guardian_2"] = names[0], names[1]
    if supersedes is not None:
        names = list(supersedes.guardian_names) + ["", ""]
        data.update(organisations=sorted(supersedes.organisation_ids - {by.organisation_id}),
                    purposes=list(supersedes.purposes), purpose_other=supersedes.purpose_other,
                    categories=list(supersedes.categories), given_by_person=supersedes.is_given_by_person,
                    guardian_1=names[0], guardian_2=names[1])
    return data


def expiring_for(user) -> list[tuple[tuple[Consent, date], PersonView]]:
    """The user's organisation's consents that stop covering within 30 days, with whom each concerns."""
    rows = expiring(user.organisation_id)
    views = gate(user, [c.person for c, _last in rows]) if rows else []
    return list(zip(rows, views, strict=True))


def disclosures_for_review(user, *, limit: int = 500) -> list[tuple[Disclosure, PersonView]]:
    """The organisation's disclosures without consent, newest first, with whom each concerns."""
    rows = db.session.scalars(select(Disclosure).where(Disclosure.from_org_id == user.organisation_id)
                              .order_by(Disclosure.disclosed_on.desc(), Disclosure.id.desc()).limit(limit)).all()
    views = gate(user, [r.person_id for r in rows]) if rows else []
    return list(zip(rows, views, strict=True))


def register_extract(number: str, *, by, fmt: str = "page") -> list[dict]:
    """A register/log extract (GDPR art. 15): what the user's organisation did with the person's data, every
    audit event naming them. Producing it is audited; a number no one holds gives an empty extract."""
    check(has(by, "person.extract"), "permission:person.extract")
    try:
        parsed = parse_id_number(number)
        person = by_number(parsed.kind, parsed.normal)
    except PersonError:
        person = by_number("reservnummer", normal_reserve_number(number))
        if person is None:
            raise PersonError(_l("Ogiltigt personnummer eller samordningsnummer."), field="number") from None
    rows = _extract_rows(person, by) if person is not None else []
    audit.record("person.extract", person_id=person.id if person else None, by=by,
                 details={"rows": len(rows), "format": fmt})
    return rows


def _extract_rows(person: Person, by) -> list[dict]:
    events = db.session.execute(
        select(AuditEvent, User.name).outerjoin(User, User.id == AuditEvent.user_id)
        .where(AuditEvent.person_id == person.id, AuditEvent.organisation_id == by.organisation_id)
        .order_by(AuditEvent.seq)
    ).all()
    org = by.organisation.name
    return [{"when": e.occurred_dt, "user": name or "", "organisation": org, "action": e.action,
             "object": f"{e.object_type or ''} {e.object_id or ''}".strip(),
             "details": e.details if e.details != "{}" else ""} for e, name in events]
