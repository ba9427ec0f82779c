"""THE gate: what one user may see of a person (or a list of people) now, for one purpose, as a redacted view.

Every view and export of a person goes through `gate`; other areas import it, `PersonView`, `visible_person_ids`
and `consents_visible_to` from here.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask import g, has_request_context
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.event import listens_for
from sqlalchemy.orm import selectinload

from portal import audit
from portal.clock import today
from portal.db import db
from portal.people.access import LEGAL_BASES, access_rows, visible_ids_query
from portal.people.identity import age_on, kommuner
from portal.people.models import (
    Consent,
    ContactDetails,
    Disclosure,
    Guardian,
    Person,
    PersonAccess,
    PersonLink,
    PersonNote,
)
from portal.people.vocabulary import BASES, DEFAULT_PURPOSE, PURPOSES


@dataclass
class PersonView:
    """What one user may see of one person right now, for one purpose. Templates get only this."""

    person_id: int
    pseudonym: str
    #: The opaque id in the person's URLs.
    ref: str
    #: The identity (name, number) may be shown; False means refused: show pseudonym and reason only.
    allowed: bool
    reason: str = ""
    #: The user's organisation holds the person (registered them).
    is_own: bool = False
    #: The user's organisation registered the person first: its changes change the shared identity.
    is_keeper: bool = False
    #: Where the identity shown comes from: "shared" (the keeper's), "own" (as the user's organisation typed it)
    #: or "holder" (as the organisation that opened its records typed it); "" when refused.
    identity_source: str = ""
    #: Skyddade personuppgifter as far as the user may know of it (their own marking, or the shared one).
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
    #: Consents naming the user's organisation that still wait for another organisation to stand behind them.
    pending: list[str] = field(default_factory=list)
    contacts: list[ContactDetails] = field(default_factory=list)
    guardians: list[Guardian] = field(default_factory=list)
    notes: list[PersonNote] = field(default_factory=list)
    #: The true protection marking, which filters contact details whatever the user may know of it.
    contacts_protected: bool = False
    #: Made for a list (gate(records=False)): the identity only; no records, bases, categories or pending notes.
    summary: bool = False

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


_CONSENTS = "_gate_consents"  # key in flask.g: each person's consents, loaded once per request
_VIEWS = "_gate_views"  # key in flask.g: the views made in this request, by (organisation, person, purpose, day)


def _consents_by_person(person_ids: list[int]) -> dict[int, list[Consent]]:
    """Every consent of each person, newest first. A request loads them once: the person page asks the gate and
    then for the consent history; what each user may see of them is decided here in the gate all the same."""
    loaded: dict[int, list[Consent]] = g.setdefault(_CONSENTS, {}) if has_request_context() else {}
    missing = [pid for pid in person_ids if pid not in loaded]
    if missing:
        for pid in missing:
            loaded[pid] = []
        for consent in db.session.scalars(
                select(Consent).options(selectinload(Consent.parties)).where(Consent.person_id.in_(missing))
                .order_by(Consent.created_dt.desc(), Consent.id.desc())):
            loaded[consent.person_id].append(consent)
    return {pid: loaded[pid] for pid in person_ids}


@listens_for(db.session, "after_flush")
@listens_for(db.session, "after_soft_rollback")
def _forget_consents(*_args) -> None:
    """A write (or its undoing) may change what the gate answers: the next question asks the database again."""
    if has_request_context():
        g.pop(_CONSENTS, None)
        g.pop(_VIEWS, None)


def _links_by_person(person_ids: list[int]) -> dict[int, dict[int, PersonLink]]:
    """Every holder's link of each person, by organisation id: who holds them and as what name."""
    grouped: dict[int, dict[int, PersonLink]] = defaultdict(dict)
    for row in db.session.scalars(select(PersonLink).where(PersonLink.person_id.in_(person_ids))):
        grouped[row.person_id][row.organisation_id] = row
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
        if state == "valid":
            return _("Samtycket för %(org)s väntar på att organisationen som har uppgifterna bekräftar det.",
                     org=org_name)
    return _("Samtycke saknas för %(org)s.", org=org_name)


def gate(user, people, purpose: str = DEFAULT_PURPOSE, *, record: bool = True, on: date | None = None,
         records: bool = True):
    """THE gate: what `user` may see now of each person, for `purpose`, as redacted PersonViews.

    `people` is one Person (or id) → one PersonView, or a list → a list in the same order. A constant number
    of queries whatever the length. The user's organisation sees the records it made. Another organisation Y's
    records need a valid, unwithdrawn consent naming both organisations exactly, covering the purpose and the
    category, that Y registered or confirmed — or a disclosure from Y today. The shared identity (the keeper's)
    is seen by the keeper and by whom the keeper opened its records to; a holder otherwise sees the identity as
    it typed it, and an organisation that holds nothing sees it as the holder that opened to it typed it.
    Protected identity hides contact details from all but their recording organisation, whatever a consent
    says. Each read and each refusal is audited once per request.

    `records=False` is for lists: the identity only, decided from the organisation's access rows (the same rules,
    kept as rows by people.access) instead of from every consent; whoever they refuse is asked of the full rules.
    """
    single = not isinstance(people, list | tuple)
    items = [people] if single else list(people)
    on = on or today()
    ids = [p if isinstance(p, int) else p.id for p in items]
    if not ids:
        return []
    # A page may ask twice for the same person (its rule, then its body): the views are made once per request.
    made: dict = g.setdefault(_VIEWS, {}) if has_request_context() else {}
    org_id = user.organisation_id
    unique_ids = list(dict.fromkeys(ids))
    full = (org_id, purpose, on, True)
    this = (org_id, purpose, on, records)
    missing = [pid for pid in unique_ids if (pid, *full) not in made and (pid, *this) not in made]
    if missing:
        given = {p.id: p for p in items if isinstance(p, Person)}
        made.update({(pid, *this): view for pid, view in _views(
            given, missing, user, purpose, on, records).items()})
    views = {pid: made.get((pid, *full)) or made[(pid, *this)] for pid in unique_ids}
    if record:
        audit.record_reads("person.read", [pid for pid, v in views.items() if v.allowed], by=user,
                           details={"purpose": purpose})
        audit.record_reads("person.refused", [pid for pid, v in views.items() if not v.allowed], by=user,
                           details={"purpose": purpose})
    result = [views[pid] for pid in ids]
    return result[0] if single else result


def _views(given: dict[int, Person], ids: list[int], user, purpose: str, on: date,
           records: bool) -> dict[int, PersonView]:
    """The views of these people (ids unique) for one organisation, in a constant number of queries."""
    org_id, org_name = user.organisation_id, user.organisation.name
    loaded = {pid: given[pid] for pid in ids if pid in given}
    missing = [i for i in ids if i not in loaded]
    if missing:
        loaded.update({p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(missing)))})
    links = _links_by_person(ids)
    if not records:
        views = _list_views(loaded, ids, user, purpose, on, links)
        refused = [pid for pid in ids if pid not in views]  # the full rules say why
        if refused:
            views.update(_full_views(loaded, refused, org_id, org_name, purpose, on, links))
        return views
    views = _full_views(loaded, ids, org_id, org_name, purpose, on, links)
    allowed_ids = [pid for pid, v in views.items() if v.allowed]
    if allowed_ids:
        _attach_records(views, allowed_ids, org_id)
    return views


def _full_views(loaded, ids, org_id, org_name, purpose, on, links) -> dict[int, PersonView]:
    """Views decided from every consent and today's disclosures: what a person page needs, reasons included."""
    consents = _consents_by_person(ids)
    disclosures = defaultdict(list)
    for row in db.session.scalars(select(Disclosure).where(
            Disclosure.person_id.in_(ids), Disclosure.to_org_id == org_id, Disclosure.disclosed_on == on)):
        disclosures[row.person_id].append(row)
    in_law = _in_law(ids, org_id, on)
    return {pid: _view(loaded[pid], org_id, org_name, purpose, on, links.get(pid, {}), consents.get(pid, []),
                       disclosures.get(pid, []), in_law.get(pid, [])) for pid in ids}


def _in_law(ids: list[int], org_id: int, on: date) -> dict[int, list[tuple[int, str]]]:
    """(holder, basis key) by person: the legal bases areas added (access.register_legal_basis) that let the
    organisation see each person on `on`; read from the rows people.access keeps, so each basis is written once."""
    if not LEGAL_BASES:
        return {}
    found = defaultdict(list)
    for pid, via, key in db.session.execute(select(PersonAccess.person_id, PersonAccess.via, PersonAccess.basis).where(
            PersonAccess.organisation_id == org_id, PersonAccess.person_id.in_(ids),
            PersonAccess.basis.in_(list(LEGAL_BASES)), PersonAccess.valid_from <= on, PersonAccess.valid_until >= on)):
        found[pid].append((via, key))
    return found


def _list_views(loaded, ids, user, purpose, on, links) -> dict[int, PersonView]:
    """Views of the people the organisation's access rows let through (one statement), identity only."""
    access = access_rows(user, purpose, on)
    opened: dict[int, set[int]] = defaultdict(set)
    holds = set()
    for pid, via in db.session.execute(select(access.c.person_id, access.c.via).where(access.c.person_id.in_(ids))):
        if via is None:
            holds.add(pid)
        else:
            opened[pid].add(via)
    views = {}
    for pid in ids:
        if pid in holds or opened.get(pid):
            person, own = loaded[pid], links.get(pid, {}).get(user.organisation_id)
            view = PersonView(person_id=pid, pseudonym=person.pseudonym, ref=person.ref, allowed=False,
                              is_own=own is not None, is_keeper=person.keeper_org_id == user.organisation_id,
                              contacts_protected=person.is_protected, summary=True)
            _show_identity(view, person, own, links.get(pid, {}), opened.get(pid, set()), on)
            views[pid] = view
    return views


def _view(person: Person, org_id: int, org_name: str, purpose: str, on: date, links: dict[int, PersonLink],
          consents: list[Consent], disclosures: list[Disclosure], in_law: list[tuple[int, str]] = ()) -> PersonView:
    """One person's view for one organisation, from the rows the gate loaded for the whole list."""
    own = links.get(org_id)
    view = PersonView(person_id=person.id, pseudonym=person.pseudonym, ref=person.ref, allowed=False,
                      is_own=own is not None, is_keeper=person.keeper_org_id == org_id,
                      contacts_protected=person.is_protected)
    mine = [c for c in consents if org_id in c.organisation_ids]
    shared: dict[int, set[str]] = defaultdict(set)
    for consent in mine:
        if consent.state(person.birth_date, on) != "valid" or purpose not in consent.purposes:
            continue
        # Only the holders that stand behind the consent open their records (OSL 10 kap. 1 §).
        opening = (consent.confirmed_ids - {org_id}) & set(links)
        for party in opening:
            shared[party] |= set(consent.categories)
        if opening:
            view.bases.append(_("Samtycke nr %(n)s, gäller t.o.m. %(d)s", n=consent.id,
                                d=consent.lapse_date(person.birth_date).isoformat()))
        waiting = sorted(p.organisation.name for p in consent.parties
                         if p.status == "pending" and p.organisation_id != org_id)
        if waiting:
            view.pending.append(_("Samtycke nr %(n)s väntar på bekräftelse från %(orgs)s", n=consent.id,
                                  orgs=", ".join(waiting)))
    for via, key in in_law:
        shared[via] |= set()  # the identity, and what the area's own records carry: none of the holder's records
        view.bases.append(str(LEGAL_BASES[key].label))
    for row in disclosures:
        shared[row.from_org_id] |= set(row.categories)
        view.bases.append(_("Utlämnande utan samtycke (%(basis)s) %(d)s",
                            basis=str(BASES[row.basis]), d=row.disclosed_on.isoformat()))
    if own is None and not (set(shared) & set(links)):
        view.reason = _refusal_reason(org_name, mine, person, purpose, on)
        return view
    view.shared_categories = dict(shared)
    _show_identity(view, person, own, links, set(shared), on)
    return view


def _show_identity(view: PersonView, person: Person, own: PersonLink | None, links: dict[int, PersonLink],
                   opened: set[int], on: date) -> None:
    """Let the view through with the identity the organisation sees: the shared one when it is the keeper or the
    keeper opened to it; else as it typed it; else as the lowest-numbered holder that opened to it typed it."""
    view.allowed = True
    view.id_kind, view.number = person.id_kind, person.number_display
    birth = person.birth_date
    if view.is_keeper or person.keeper_org_id in opened:
        view.identity_source = "shared"
        first, last, kommun, view.is_protected = (person.first_name, person.last_name, person.home_kommun,
                                                  person.is_protected)
    else:
        # A holder sees the identity as it typed it; whoever holds nothing sees it as the opening holder typed it.
        source = own if own is not None else links[min(opened & set(links))]
        view.identity_source = "own" if own is not None else "holder"
        first, last, kommun = source.first_name, source.last_name, source.home_kommun
        birth = source.birth_date or birth  # as typed with a reserve number
        view.is_protected = own.is_protected if own is not None else person.is_protected
    view.birth_date, view.age = birth, age_on(birth, on)
    view.first_name, view.last_name = first, last
    if kommun and (own is not None or not person.is_protected):
        view.home_kommun = kommun
        found = kommuner().get(kommun)
        view.home_kommun_name = found.name if found else kommun


def _visible(view: PersonView, row, org_id: int, category: str) -> bool:
    if row.organisation_id == org_id:
        return True
    if category == "kontakt" and view.contacts_protected:
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
    """Everyone whose identity the user's organisation may see now: held, or opened to it by a holder. For a
    list page, use `access.visible_ids_query` inside its own SELECT instead: this loads the whole set."""
    return set(db.session.scalars(visible_ids_query(user, purpose, on)))


def consents_visible_to(user, person: Person) -> list[Consent]:
    """The consent history the user's organisation may see: those it took or that name it (newest first)."""
    rows = _consents_by_person([person.id]).get(person.id, [])
    return [c for c in rows if c.recorded_by_org_id == user.organisation_id or user.organisation_id in
            c.organisation_ids]
