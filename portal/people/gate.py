"""THE gate: what one user may see of a person (or a list of people) now, for one purpose, as a redacted view.

Every view and export of a person goes through `gate`; other areas import it, `PersonView`, `visible_person_ids`
and `consents_visible_to` from here.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import audit
from portal.db import db
from portal.people.identity import age_on, kommuner, today
from portal.people.models import (
    Consent,
    ConsentParty,
    ContactDetails,
    Disclosure,
    Guardian,
    Person,
    PersonLink,
    PersonNote,
)
from portal.people.vocabulary import BASES, DEFAULT_PURPOSE, PURPOSES


@dataclass
class PersonView:
    """What one user may see of one person right now, for one purpose. Templates get only this."""

    person_id: int
    pseudonym: str
    #: The identity (name, number) may be shown; False means refused: show pseudonym and reason only.
    allowed: bool
    reason: str = ""
    #: The user's organisation works with the person (registered them).
    is_own: bool = False
    is_protected: bool = False
    first_name: str = ""
    last_name: str = ""
    id_kind: str = ""
    number: str = ""
    birth_date: date | None = None
    age: int | None = None
    home_kommun: str = ""
    home_kommun_name: str = ""
    #: Categories other organisations' records are visible in, by recording organisation id.
    shared_categories: dict[int, set[str]] = field(default_factory=dict)
    #: Why the user sees more than their own records (consent numbers, disclosures).
    bases: list[str] = field(default_factory=list)
    contacts: list[ContactDetails] = field(default_factory=list)
    guardians: list[Guardian] = field(default_factory=list)
    notes: list[PersonNote] = field(default_factory=list)

    @property
    def label(self) -> str:
        """The name where allowed, otherwise the pseudonym: the one thing a list shows."""
        if self.allowed:
            return f"{self.first_name} {self.last_name}"
        return _("Deltagare %(p)s", p=self.pseudonym)

    @property
    def pseudonym_label(self) -> str:
        return _("Deltagare %(p)s", p=self.pseudonym)

    @property
    def holder_names(self) -> dict[int, str]:
        """Names of the organisations whose records are shown, by id: the person page says who holds each."""
        return {row.organisation_id: row.organisation.name for row in self.contacts + self.guardians + self.notes}


def _consents_by_person(person_ids: list[int]) -> dict[int, list[Consent]]:
    rows = db.session.scalars(
        select(Consent).options(selectinload(Consent.parties)).where(Consent.person_id.in_(person_ids))
        .order_by(Consent.created_dt.desc(), Consent.id.desc())
    ).all()
    grouped: dict[int, list[Consent]] = defaultdict(list)
    for consent in rows:
        grouped[consent.person_id].append(consent)
    return grouped


def _refusal_reason(org_name: str, mine: list[Consent], person: Person, purpose: str, on: date) -> str:
    """Why the user's organisation is refused, naming only consents that named that organisation."""
    for consent in mine:  # newest first
        state = consent.state(person.birth_date, on)
        if state == "withdrawn":
            return _("Samtycket för %(org)s har återkallats.", org=org_name)
        if state == "expired":
            return _("Samtycket för %(org)s gick ut %(d)s.", org=org_name, d=consent.valid_until.isoformat())
        if state == "lapsed":
            return _("Samtycket lämnades av vårdnadshavare och gäller inte sedan personen fyllt 18 år.")
        if state == "not_yet":
            return _("Samtycket för %(org)s gäller först från %(d)s.", org=org_name,
                     d=consent.valid_from.isoformat())
        if state == "valid" and purpose not in consent.purposes:
            return _("Samtycket för %(org)s omfattar inte syftet %(purpose)s.", org=org_name,
                     purpose=str(PURPOSES.get(purpose, purpose)))
    return _("Samtycke saknas för %(org)s.", org=org_name)


def gate(user, people, purpose: str = DEFAULT_PURPOSE, *, record: bool = True, on: date | None = None):
    """THE gate: what `user` may see now of each person, for `purpose`, as redacted PersonViews.

    `people` is one Person (or id) → one PersonView, or a list → a list in the same order. A constant number
    of queries whatever the length. The user's organisation sees the records it made; any other organisation's
    records need a valid, unwithdrawn consent naming both organisations exactly, covering the purpose and the
    category, or a disclosure to it today. Protected identity hides contact details from all but their
    recording organisation, whatever a consent says. Each read and each refusal is audited once per request.
    """
    single = not isinstance(people, list | tuple)
    items = [people] if single else list(people)
    on = on or today()
    ids = [p if isinstance(p, int) else p.id for p in items]
    if not ids:
        return []
    loaded = {p.id: p for p in items if isinstance(p, Person)}
    missing = [i for i in ids if i not in loaded]
    if missing:
        loaded.update({p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(missing)))})
    org_id = user.organisation_id
    org_name = user.organisation.name
    unique_ids = list(dict.fromkeys(ids))
    linked = set(db.session.scalars(select(PersonLink.person_id).where(
        PersonLink.organisation_id == org_id, PersonLink.person_id.in_(unique_ids))))
    consents = _consents_by_person(unique_ids)
    disclosures = defaultdict(list)
    for row in db.session.scalars(select(Disclosure).where(
            Disclosure.person_id.in_(unique_ids), Disclosure.to_org_id == org_id, Disclosure.disclosed_on == on)):
        disclosures[row.person_id].append(row)

    views: dict[int, PersonView] = {}
    for pid in unique_ids:
        person = loaded[pid]
        view = PersonView(person_id=pid, pseudonym=person.pseudonym, allowed=False, is_own=pid in linked,
                          is_protected=person.is_protected)
        mine = [c for c in consents.get(pid, []) if org_id in c.organisation_ids]
        covering = [c for c in mine if c.state(person.birth_date, on) == "valid" and purpose in c.purposes]
        shared: dict[int, set[str]] = defaultdict(set)
        for consent in covering:
            for party in consent.organisation_ids - {org_id}:
                shared[party] |= set(consent.categories)
            view.bases.append(_("Samtycke nr %(n)s, gäller t.o.m. %(d)s", n=consent.id,
                                d=consent.lapse_date(person.birth_date).isoformat()))
        for row in disclosures.get(pid, []):
            shared[row.from_org_id] |= set(row.categories)
            view.bases.append(_("Utlämnande utan samtycke (%(basis)s) %(d)s",
                                basis=str(BASES[row.basis]), d=row.disclosed_on.isoformat()))
        if pid in linked or covering or disclosures.get(pid):
            view.allowed = True
            view.shared_categories = dict(shared)
            view.first_name, view.last_name = person.first_name, person.last_name
            view.id_kind, view.number = person.id_kind, person.number_display
            view.birth_date, view.age = person.birth_date, age_on(person.birth_date, on)
            if person.home_kommun and (pid in linked or not person.is_protected):
                view.home_kommun = person.home_kommun
                found = kommuner().get(person.home_kommun)
                view.home_kommun_name = found.name if found else person.home_kommun
        else:
            view.reason = _refusal_reason(org_name, mine, person, purpose, on)
        views[pid] = view

    allowed_ids = [pid for pid, v in views.items() if v.allowed]
    if allowed_ids:
        _attach_records(views, allowed_ids, org_id)
    if record:
        audit.record_reads("person.read", allowed_ids, by=user, details={"purpose": purpose})
        audit.record_reads("person.refused", [pid for pid, v in views.items() if not v.allowed], by=user,
                           details={"purpose": purpose})
    result = [views[pid] for pid in ids]
    return result[0] if single else result


def _visible(view: PersonView, row, org_id: int, category: str) -> bool:
    if row.organisation_id == org_id:
        return True
    if category == "kontakt" and view.is_protected:
        return False  # skyddade personuppgifter: never beyond the recording organisation
    return category in view.shared_categories.get(row.organisation_id, set())


def _attach_records(views: dict[int, PersonView], person_ids: list[int], org_id: int) -> None:
    """Load the held records of the allowed people in three queries and keep only what the gate lets through."""
    for model, target in ((ContactDetails, "contacts"), (Guardian, "guardians"), (PersonNote, "notes")):
        stmt = select(model).where(model.person_id.in_(person_ids))
        stmt = stmt.order_by(model.created_dt.desc() if model is PersonNote else model.id)
        for row in db.session.scalars(stmt):
            view = views[row.person_id]
            if model is Guardian and view.age is not None and view.age >= 18:
                continue  # guardianship ends at 18; the record stays (archive law) but is no longer shown
            category = row.category if model is PersonNote else "kontakt"
            if _visible(view, row, org_id, category):
                getattr(view, target).append(row)


def visible_person_ids(user, purpose: str = DEFAULT_PURPOSE, on: date | None = None) -> set[int]:
    """Everyone whose identity the user's organisation may see now: linked, covered by consent, or disclosed to."""
    on = on or today()
    org_id = user.organisation_id
    ids = set(db.session.scalars(select(PersonLink.person_id).where(PersonLink.organisation_id == org_id)))
    rows = db.session.execute(
        select(Consent, Person.birth_date).join(ConsentParty, ConsentParty.consent_id == Consent.id)
        .join(Person, Person.id == Consent.person_id)
        .where(ConsentParty.organisation_id == org_id, Consent.withdrawn_dt.is_(None),
               Consent.superseded_dt.is_(None), Consent.valid_from <= on, Consent.valid_until >= on)
    ).all()
    ids |= {c.person_id for c, birth in rows if c.state(birth, on) == "valid" and purpose in c.purposes}
    ids |= set(db.session.scalars(select(Disclosure.person_id).where(
        Disclosure.to_org_id == org_id, Disclosure.disclosed_on == on)))
    return ids


def consents_visible_to(user, person: Person) -> list[Consent]:
    """The consent history the user's organisation may see: those it took or that name it (newest first)."""
    rows = _consents_by_person([person.id]).get(person.id, [])
    return [c for c in rows if c.recorded_by_org_id == user.organisation_id or user.organisation_id in
            c.organisation_ids]
