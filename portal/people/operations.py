"""Person operations (guardians, notes, search, the register extract) and the queries the pages need.

Every change takes the actor as `by`, checks the record rule itself and writes its audit event.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select

from portal import audit
from portal.audit import AuditEvent, AuditEventPerson
from portal.auth.models import User
from portal.clock import today
from portal.db import db
from portal.orgs import Organisation
from portal.people import extract, rules
from portal.people.access import visible_people
from portal.people.consent import default_valid_until, expiring
from portal.people.gate import PersonView, consents_visible_to, gate
from portal.people.holders import by_number, clean_name
from portal.people.identity import PersonError, normal_reserve_number, parse_id_number
from portal.people.minors import minors_policy
from portal.people.models import Consent, ContactDetails, Disclosure, Guardian, Person, PersonNote
from portal.people.vocabulary import CATEGORIES
from portal.permissions import check, has


def add_guardian(person: Person, *, by, name: str, relation: str = "", phone: str = "",
                 email: str = "") -> Guardian:
    """Record a vårdnadshavare of a person under 18, as the user's organisation knows them."""
    rules.check_can_change(by, person)
    if person.age() >= 18:
        raise PersonError(_l("Personen är myndig och har inga vårdnadshavare."), field="name")
    name = clean_name(name, "name", _l("Ange vårdnadshavarens namn."))
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


def _search_query(user, query: str = ""):
    """SELECT of the ids of the people the user's organisation may see that match `query`, ordered by the name
    the gate shows it: all in SQL, from the organisation's access rows, so a list filters, counts, sorts and pages
    in the database whatever the caseload (a person is read only to match a number or a protected name).

    A name matches the name the organisation sees (or typed itself); a protected person is found by name only by
    an organisation holding them; a number matches anyone it may see.
    """
    query = " ".join((query or "").split())
    digits = "".join(c for c in query if c.isdigit())
    # A typed % or _ is a character to find, not a wildcard.
    words = [f"%{_literal(word.lower())}%" for word in query.split() if not any(c.isdigit() for c in word)]
    visible = visible_people(user, names=words)
    stmt = select(visible.c.person_id.label("id"))
    if words or digits:
        stmt = stmt.join(Person, Person.id == visible.c.person_id)
    for pattern in words:
        held = visible.c.typed.is_not(None)
        stmt = stmt.where(or_(visible.c.typed.like(pattern, escape="\\"), and_(
            visible.c.shown.like(pattern, escape="\\"), or_(held, Person.is_protected.is_(False)))))
    if digits:
        stmt = stmt.where(or_(Person.id_number.like(f"%{digits}%"), Person.id_number == query.upper()))
    return stmt, (visible.c.shown, visible.c.person_id)


def _literal(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_ids(user, query: str = "") -> list[int]:
    """Ids of every person the user's organisation may see that match `query`, by the name it sees."""
    stmt, order = _search_query(user, query)
    return list(db.session.scalars(stmt.order_by(*order)))


# --- What the pages need ---------------------------------------------------------------------------------


@dataclass
class SearchPage:
    """One page of search hits, as gate views, and how many there are in all."""

    views: list[PersonView]
    total: int
    #: The page shown: the one asked for, or the last when asked for one past it.
    page: int
    pages: int


def search(user, query: str = "", page: int = 1, *, page_size: int = 25) -> SearchPage:
    """The people the user's organisation may see that match, one page of them through the gate: counted and
    paged by the database in one statement (a window count beside the page), plus the gate's, whatever the
    caseload. A page past the last shows the last."""
    stmt, order = _search_query(user, query)

    def one_page(number: int):
        return db.session.execute(stmt.add_columns(func.count().over().label("total")).order_by(*order)
                                  .limit(page_size).offset((number - 1) * page_size)).all()

    rows = one_page(page)
    if not rows and page > 1:  # the window saw no row to count: count, then show the last page
        total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
        page = max((total + page_size - 1) // page_size, 1)
        rows = one_page(page) if total else []
    total = rows[0].total if rows else 0
    page_ids = [row.id for row in rows]
    return SearchPage(views=gate(user, page_ids, records=False) if page_ids else [], total=total, page=page,
                      pages=max((total + page_size - 1) // page_size, 1))


def consent_history(user, person: Person, *, on: date | None = None) -> list[tuple[Consent, str]]:
    """The consents the user's organisation may see for the person (newest first), each with its state today:
    whether consent holds is the first thing a caseworker needs to know."""
    on = on or today()
    return [(c, c.state(person.birth_date, on)) for c in consents_visible_to(user, person)]


@dataclass
class ConsentGlance:
    """One organisation named in the consents the user may see: whether it may see the person's shared records
    now, for what and until when, and the consents that rests on."""

    organisation_id: int
    organisation_name: str
    #: "yes" (a valid consent names it and another party stands behind it), "waiting" (valid, but nobody else
    #: has confirmed yet) or "no".
    sees: str = "no"
    until: date | None = None
    purposes: list[str] = field(default_factory=list)
    purpose_other: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    #: The consents the row rests on (those that open records to it, else those that hold, else the latest one),
    #: each with its state.
    consents: list[tuple[int, str]] = field(default_factory=list)
    #: Valid consents the organisation has not confirmed yet, or has declined: its own records stay closed.
    unconfirmed: list[int] = field(default_factory=list)
    declined: list[int] = field(default_factory=list)


def consent_overview(user, person: Person, *, on: date | None = None) -> list[ConsentGlance]:
    """Consent at a glance: one row per organisation in the consents the gate lets the user see, the user's own
    first, then by name. It restates the gate's rule (a valid consent naming the organisation, opened by another
    party that stands behind it) from the same consents; it never widens what the gate decides."""
    on = on or today()
    named: dict[int, list[tuple[Consent, str, bool]]] = {}
    names: dict[int, str] = {}
    for consent, state in consent_history(user, person, on=on):  # newest first
        for party in consent.parties:
            opened = state == "valid" and bool(consent.confirmed_ids - {party.organisation_id})
            named.setdefault(party.organisation_id, []).append((consent, state, opened))
            names[party.organisation_id] = party.organisation.name
    rows = []
    for org_id, found in named.items():
        row = ConsentGlance(org_id, names[org_id])
        opening = [item for item in found if item[2]]
        holding = [item for item in found if item[1] == "valid"]
        row.sees = "yes" if opening else "waiting" if holding else "no"
        for consent, state, _opened in opening or holding:
            row.consents.append((consent.id, state))
            lapse = consent.lapse_date(person.birth_date)
            row.until = max(row.until, lapse) if row.until else lapse
            row.purposes += [p for p in consent.purposes if p not in row.purposes]
            if consent.purpose_other and consent.purpose_other not in row.purpose_other:
                row.purpose_other.append(consent.purpose_other)
            row.categories += [c for c in consent.categories if c not in row.categories]
        if not holding:
            row.consents.append((found[0][0].id, found[0][1]))
        for consent, _state, _opened in holding:
            status = consent.party(org_id).status
            (row.unconfirmed if status == "pending" else row.declined if status == "declined" else []).append(
                consent.id)
        rows.append(row)
    return sorted(rows, key=lambda r: (r.organisation_id != user.organisation_id, r.organisation_name.casefold()))


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
    views = gate(user, [c.person for c, _last in rows], records=False) if rows else []
    return list(zip(rows, views, strict=True))


def withdrawn_for(user) -> list[tuple[Consent, PersonView]]:
    """Consents naming the user's organisation withdrawn in the last 30 days, with whom each concerned as the gate
    shows them now (the pseudonym when the withdrawal closed the person to the organisation)."""
    from portal.people.worklist import withdrawn

    rows = withdrawn(user)
    views = gate(user, [c.person_id for c in rows]) if rows else []
    return list(zip(rows, views, strict=True))


def disclosures_for_review(user, *, limit: int = 500) -> list[tuple[Disclosure, PersonView]]:
    """The organisation's disclosures without consent, newest first, with whom each concerns."""
    rows = db.session.scalars(select(Disclosure).where(Disclosure.from_org_id == user.organisation_id)
                              .order_by(Disclosure.disclosed_on.desc(), Disclosure.id.desc()).limit(limit)).all()
    views = gate(user, [r.person_id for r in rows], records=False) if rows else []
    return list(zip(rows, views, strict=True))


def register_extract(number: str, *, by, fmt: str = "page") -> extract.RegisterExtract:
    """A register/log extract (GDPR art. 15): the data the user's organisation holds on the person
    (people.extract) and what it did with it, every audit event naming them. Producing it is audited with the
    same details whether or not anyone holds the number, so the audit trail does not tell the organisation
    either."""
    check(has(by, "person.extract"), "permission:person.extract")
    try:
        parsed = parse_id_number(number)
        person = by_number(parsed.kind, parsed.normal)
    except PersonError:
        person = by_number("reservnummer", normal_reserve_number(number))
        if person is None:
            raise PersonError(_l("Ogiltigt personnummer eller samordningsnummer."), field="number") from None
    rows = _extract_rows(person, by) if person is not None else []
    parts = extract.held_data(person, by.organisation_id) if person is not None else []
    # The person is named only when this organisation's own events or records already name them.
    audit.record("person.extract", person_id=person.id if rows or parts else None, by=by,
                 details={"rows": len(rows), "format": fmt})
    return extract.RegisterExtract(rows, parts)


def _extract_rows(person: Person, by) -> list[dict]:
    events = db.session.execute(
        select(AuditEvent, User.name).outerjoin(User, User.id == AuditEvent.user_id)
        .join(AuditEventPerson, AuditEventPerson.event_seq == AuditEvent.seq)
        .where(AuditEventPerson.person_id == person.id, AuditEvent.organisation_id == by.organisation_id)
        .order_by(AuditEvent.seq)
    ).all()
    org = by.organisation.name
    return [{"when": e.occurred_dt, "user": name or "", "organisation": org, "action": e.action,
             "object": f"{e.object_type or ''} {e.object_id or ''}".strip(),
             "details": e.details if e.details != "{}" else ""} for e, name in events]
