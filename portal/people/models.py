"""The people area's tables: the person, the records each organisation holds, consents and disclosures."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.clock import today
from portal.db import UTCDateTime, db, utcnow
from portal.orgs import Organisation
from portal.people.identity import add_years, age_on, format_id_number


class Person(db.Model):
    """A deltagare (ungdom): the one identity record. Everything else is held by an organisation."""

    __tablename__ = "people"
    __table_args__ = (
        UniqueConstraint("id_kind", "id_number", name="uq_people_id_kind_number"),
        CheckConstraint("id_kind IN ('personnummer','samordningsnummer','reservnummer')", name="id_kind_known"),
        # Who turns 18 within a window (a guardians' consent lapses then).
        Index("ix_people_birth_date", "birth_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(100), nullable=False)
    last_name: Mapped[str] = mapped_column(String(100), nullable=False)
    #: One of vocabulary.ID_KINDS.
    id_kind: Mapped[str] = mapped_column(String(20), nullable=False)
    #: 12 digits (YYYYMMDDNNNN) for personnummer/samordningsnummer; the reserve number as given otherwise.
    id_number: Mapped[str] = mapped_column(String(40), nullable=False)
    #: Derived from the number, or entered with a reserve number.
    birth_date: Mapped[date] = mapped_column(Date, nullable=False)
    #: Kommunkod (4 digits) of the home municipality, from portal/data/kommuner.csv.
    home_kommun: Mapped[str | None] = mapped_column(String(4), nullable=True)
    #: Skyddade personuppgifter: contact details reach only the recording organisation's own staff. True while
    #: any holder's link carries the marking (PersonLink.is_protected); kept here so the gate reads one column.
    is_protected: Mapped[bool] = mapped_column(nullable=False, default=False)
    #: Shown instead of the person wherever the gate refuses, e.g. "D-4821"; stable for the person.
    pseudonym: Mapped[str] = mapped_column(String(12), nullable=False, unique=True)
    #: The opaque id in the person's URLs: random, so a URL neither counts people nor can be guessed.
    ref: Mapped[str] = mapped_column(String(16), nullable=False, unique=True)
    #: The identity's keeper: the organisation that registered the person first, the only one that changes the
    #: shared name, number and home kommun. Others hold their own link and may ask the keeper for a correction.
    keeper_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), nullable=True)
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
    """Organisation X holds person P: it registered them (first, as keeper, or the same number later).

    The link keeps the identity as this organisation typed it: an organisation that did not register the person
    first sees this, not the shared identity, unless the keeper opens it through a consent or a disclosure.
    """

    __tablename__ = "person_links"
    __table_args__ = (UniqueConstraint("person_id", "organisation_id", name="uq_person_links_person_org"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), nullable=False, index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False, index=True)
    first_name: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    last_name: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    home_kommun: Mapped[str | None] = mapped_column(String(4), nullable=True)
    #: The birth date as this organisation gave it with a reserve number (a personnummer carries its own).
    birth_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: This organisation marked skyddade personuppgifter; only it lifts its own marking (with a reason).
    is_protected: Mapped[bool] = mapped_column(nullable=False, default=False)
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
    #: One of vocabulary.CATEGORIES.
    category: Mapped[str] = mapped_column(String(20), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    organisation: Mapped[Organisation] = relationship(lazy="joined")


class Consent(db.Model):
    """A samtycke: which organisations may exchange which information about a person, for what, until when.

    Never edited in place: a change is a new consent that supersedes this one; withdrawal hides, never deletes.
    """

    __tablename__ = "consents"
    __table_args__ = (
        CheckConstraint("valid_until >= valid_from", name="period_ordered"),
        CheckConstraint("method IN ('blankett','digital','muntlig')", name="method_known"),
        # The start page's cards: an organisation's consents ending soon, and those withdrawn lately.
        Index("ix_consents_org_valid_until", "recorded_by_org_id", "valid_until"),
        Index("ix_consents_withdrawn_dt", "withdrawn_dt"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), nullable=False, index=True)
    #: The organisation that took the consent; it gets the notices about it.
    recorded_by_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False, index=True)
    recorded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    #: Keys of vocabulary.PURPOSES.
    purposes: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    #: Further purpose in the person's own words, if any.
    purpose_other: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    #: Keys of vocabulary.CATEGORIES.
    categories: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    valid_from: Mapped[date] = mapped_column(Date, nullable=False)
    valid_until: Mapped[date] = mapped_column(Date, nullable=False)
    #: The period was knowingly set past the person's 20th birthday.
    is_past_twenty_stated: Mapped[bool] = mapped_column(nullable=False, default=False)
    #: One of vocabulary.METHODS.
    method: Mapped[str] = mapped_column(String(20), nullable=False)
    #: Mandatory for a verbal consent: what was said, where, who was present.
    method_note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    #: The person gave the consent themselves.
    is_given_by_person: Mapped[bool] = mapped_column(nullable=False, default=True)
    #: Names of the guardians (0, 1 or 2) who gave it.
    guardian_names: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    #: The young person's own view, recorded when a guardian consents for a child under the policy's age.
    person_view: Mapped[str] = mapped_column(Text, nullable=False, default="")
    #: The caseworker's maturity assessment when a 15–17-year-old consents alone.
    maturity_assessment: Mapped[str] = mapped_column(Text, nullable=False, default="")
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("consents.id"), nullable=True)
    superseded_dt: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    withdrawn_dt: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    withdrawal_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    person: Mapped[Person] = relationship()
    recorded_by_org: Mapped[Organisation] = relationship(foreign_keys=[recorded_by_org_id])
    recorded_by_user: Mapped[User | None] = relationship(foreign_keys=[recorded_by_user_id])
    withdrawn_by: Mapped[User | None] = relationship(foreign_keys=[withdrawn_by_id])
    parties: Mapped[list[ConsentParty]] = relationship(back_populates="consent", cascade="all, delete-orphan")
    scan: Mapped[ConsentScan | None] = relationship(back_populates="consent", uselist=False,
                                                    cascade="all, delete-orphan")

    @property
    def organisation_ids(self) -> set[int]:
        return {p.organisation_id for p in self.parties}

    @property
    def confirmed_ids(self) -> set[int]:
        """The parties that stand behind the consent: their records are open to the other parties."""
        return {p.organisation_id for p in self.parties if p.status == "confirmed"}

    def party(self, organisation_id: int) -> ConsentParty | None:
        return next((p for p in self.parties if p.organisation_id == organisation_id), None)

    @property
    def is_guardian_only(self) -> bool:
        return not self.is_given_by_person and bool(self.guardian_names)

    def lapse_date(self, birth: date) -> date:
        """The last day the consent covers: its end, or the day before 18 if only guardians gave it."""
        if self.is_guardian_only:
            return min(self.valid_until, add_years(birth, 18) - timedelta(days=1))
        return self.valid_until

    def state(self, birth: date, on: date | None = None) -> str:
        """valid, withdrawn, superseded, not_yet, expired or lapsed (guardian-only and the person is 18)."""
        on = on or today()
        if self.withdrawn_dt is not None:
            return "withdrawn"
        if self.superseded_dt is not None:
            return "superseded"
        if on < self.valid_from:
            return "not_yet"
        if on > self.valid_until:
            return "expired"
        if self.is_guardian_only and age_on(birth, on) >= 18:
            return "lapsed"
        return "valid"


class ConsentParty(db.Model):
    """One organisation named in a consent; exact: a kommun does not cover its units, nor a unit its siblings.

    A consent opens an organisation's records to the other parties only once that organisation stands behind it
    (OSL 10 kap. 1 §: the holder decides on disclosure): the recording organisation's party is confirmed when
    the consent is registered; every other party is pending until one of its users confirms or declines.
    """

    __tablename__ = "consent_parties"
    __table_args__ = (
        UniqueConstraint("consent_id", "organisation_id", name="uq_consent_parties_consent_org"),
        CheckConstraint("status IN ('pending','confirmed','declined')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consent_id: Mapped[int] = mapped_column(ForeignKey("consents.id", ondelete="CASCADE"), nullable=False,
                                            index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False, index=True)
    #: pending, confirmed or declined.
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="pending")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    decided_dt: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decline_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")

    consent: Mapped[Consent] = relationship(back_populates="parties")
    organisation: Mapped[Organisation] = relationship(lazy="joined")

    @property
    def is_confirmed(self) -> bool:
        return self.status == "confirmed"


class ConsentScan(db.Model):
    """The scanned, signed consent form (PDF, JPEG or PNG, at most 10 MB), kept in the database."""

    __tablename__ = "consent_scans"

    id: Mapped[int] = mapped_column(primary_key=True)
    consent_id: Mapped[int] = mapped_column(ForeignKey("consents.id", ondelete="CASCADE"), nullable=False,
                                            unique=True)
    filename: Mapped[str] = mapped_column(String(200), nullable=False)
    content_type: Mapped[str] = mapped_column(String(40), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)

    consent: Mapped[Consent] = relationship(back_populates="scan")


class Disclosure(db.Model):
    """An utlämnande without consent on another legal basis: one person, one receiving org, one occasion."""

    __tablename__ = "disclosures"
    __table_args__ = (
        CheckConstraint("basis IN ('uppgiftsskyldighet','orosanmalan','osl_10_kap','annan')", name="basis_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), nullable=False, index=True)
    from_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False, index=True)
    to_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False, index=True)
    #: One of vocabulary.BASES.
    basis: Mapped[str] = mapped_column(String(30), nullable=False)
    #: The provision relied on, e.g. "SoL 14 kap. 1 §" (required for "annan").
    basis_detail: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    justification: Mapped[str] = mapped_column(Text, nullable=False)
    categories: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    #: The occasion; the receiving organisation sees the disclosed categories on this day only.
    disclosed_on: Mapped[date] = mapped_column(Date, nullable=False)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    person: Mapped[Person] = relationship()
    from_org: Mapped[Organisation] = relationship(foreign_keys=[from_org_id], lazy="joined")
    to_org: Mapped[Organisation] = relationship(foreign_keys=[to_org_id], lazy="joined")


class PersonAccess(db.Model):
    """One way an organisation sees a person: the gate's rules kept as rows, so that a list page filters, counts
    and pages with one indexed scan. Written only by `portal.people.access.refresh` (from the links, consents,
    confirmations and disclosures it derives from), never by hand; read through `access.access_rows`."""

    __tablename__ = "person_access"
    # Covering: a list reads its organisation's rows from the index alone.
    __table_args__ = (Index("ix_person_access_org", "organisation_id", "purpose", "person_id", "valid_from",
                            "valid_until", "born", "via", "sort_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), nullable=False, index=True)
    #: "own" (its link), "consent", "disclosure" or the key of a legal basis ("referral.studieavbrott").
    basis: Mapped[str] = mapped_column(String(40), nullable=False)
    #: The holder that opened its records to the organisation; NULL for its own link.
    via: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: A purpose key of vocabulary.PURPOSES, or "*" for every purpose.
    purpose: Mapped[str] = mapped_column(String(40), nullable=False)
    valid_from: Mapped[date] = mapped_column(Date, nullable=False)
    valid_until: Mapped[date] = mapped_column(Date, nullable=False)
    #: The person's birth date when only guardians consented: the row lapses the day the person turns 18.
    born: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: The identity this row shows, as "<12-digit rank> <last name> <first name>" in lower case: the lowest key
    #: among an organisation's valid rows for a person is the identity the gate shows it (see access.sort_key).
    sort_key: Mapped[str] = mapped_column(String(300), nullable=False)


class IdentityCorrection(db.Model):
    """A holder's request that the keeper correct the shared identity; the keeper marks it handled."""

    __tablename__ = "identity_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), nullable=False, index=True)
    from_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    message: Mapped[str] = mapped_column(Text, nullable=False)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    handled_dt: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    from_org: Mapped[Organisation] = relationship(lazy="joined")
