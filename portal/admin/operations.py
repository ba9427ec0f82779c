"""What the admin pages read and do: organisation and user lists in bounded queries, and the audit-trail search."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from portal import audit, audit_check, audit_words
from portal.audit import AuditEvent, AuditEventPerson
from portal.auth.models import User
from portal.db import db, paginate
from portal.forms import to_int
from portal.orgs import Organisation
from portal.people.models import Person
from portal.permissions import audit_scope_org_id, can_manage_user, check, has, is_system_admin

USERS_PER_PAGE = 25
EVENTS_PER_PAGE = 50


# --- Organisations -----------------------------------------------------------------------------------------


def organisation_rows() -> list[tuple[Organisation, str | None, int]]:
    """Every organisation with its parent's name and its number of staff accounts, in one query."""
    parent = aliased(Organisation)
    user_counts = (select(User.organisation_id, func.count(User.id).label("users"))
                   .group_by(User.organisation_id).subquery())
    return list(db.session.execute(
        select(Organisation, parent.name, func.coalesce(user_counts.c.users, 0))
        .outerjoin(parent, Organisation.parent_id == parent.id)
        .outerjoin(user_counts, user_counts.c.organisation_id == Organisation.id)
        .order_by(Organisation.name, Organisation.id)
    ).all())


def organisation_names(*, active_only: bool = False, exclude: Organisation | None = None) -> list[tuple[int, str]]:
    """(id, name) of the organisations, by name: for the parent and organisation choices."""
    stmt = select(Organisation.id, Organisation.name).order_by(Organisation.name)
    if active_only:
        stmt = stmt.where(Organisation.is_active.is_(True))
    return [(oid, name) for oid, name in db.session.execute(stmt) if exclude is None or oid != exclude.id]


def organisation_by_choice(value: str | None) -> Organisation | None:
    """The organisation a select posted (its id as text), or None for nothing or nonsense."""
    number = to_int(value, minimum=1)
    return db.session.get(Organisation, number) if number is not None else None


# --- Staff accounts ----------------------------------------------------------------------------------------


def users_page(actor, *, query: str = "", organisation_id: int | None = None):
    """The accounts the actor administers, filtered by name/e-mail and (system admin) organisation; one page."""
    check(has(actor, "user.manage"), "permission:user.manage")
    stmt = select(User).order_by(User.name, User.id)
    if is_system_admin(actor):
        if organisation_id is not None:
            stmt = stmt.where(User.organisation_id == organisation_id)
    else:
        stmt = stmt.where(User.organisation_id == actor.organisation_id)
    query = (query or "").strip()
    if query:
        stmt = stmt.where(or_(User.name.icontains(query, autoescape=True),
                              User.email.icontains(query, autoescape=True)))
    page = paginate(stmt, per_page=USERS_PER_PAGE)
    manageable = {u.id for u in page.items if can_manage_user(actor, u)}
    return page, manageable


# --- The audit trail ---------------------------------------------------------------------------------------


@dataclass
class AuditFilters:
    """What the audit search asks for; empty fields do not filter."""

    action: str = ""
    email: str = ""
    date_from: date | None = None
    date_to: date | None = None
    #: The person's pseudonym (D-4821): person URLs and pages never show the row id, so neither does the search.
    person: str = ""
    object_type: str = ""
    object_id: str = ""


@dataclass
class AuditPage:
    page: object
    #: user id → e-mail and organisation id → name, for the rows shown only.
    users: dict[int, str]
    orgs: dict[int, str]
    #: event seq → the pseudonyms of the people it names (never their row ids, which tell when they were added).
    people: dict[int, list[str]]
    #: event seq → its object in words ("Samtycke för D-9648") and its details as readable text.
    objects: dict[int, str] = field(default_factory=dict)
    details: dict[int, str] = field(default_factory=dict)


def _local_midnight_utc(day: date) -> datetime:
    """The start of a Swedish calendar day, in UTC (the audit trail stores UTC)."""
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Europe/Stockholm"))
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


def _event_query(actor, filters: AuditFilters):
    stmt = select(AuditEvent).order_by(AuditEvent.seq.desc())
    scope = audit_scope_org_id(actor)
    if scope is not None:
        stmt = stmt.where(AuditEvent.organisation_id == scope)
    action = filters.action.strip()
    if action:
        stmt = stmt.where(or_(AuditEvent.action == action,
                              AuditEvent.action.startswith(action.rstrip(".") + ".", autoescape=True)))
    email = filters.email.strip()
    if email:
        stmt = stmt.where(AuditEvent.user_id.in_(select(User.id).where(User.email.icontains(email, autoescape=True))))
    if filters.date_from:
        stmt = stmt.where(AuditEvent.occurred_dt >= _local_midnight_utc(filters.date_from))
    if filters.date_to:
        stmt = stmt.where(AuditEvent.occurred_dt < _local_midnight_utc(filters.date_to + timedelta(days=1)))
    if filters.person.strip():
        stmt = stmt.where(AuditEvent.seq.in_(
            select(AuditEventPerson.event_seq).join(Person, Person.id == AuditEventPerson.person_id)
            .where(Person.pseudonym == filters.person.strip().upper())))
    if filters.object_type.strip():
        stmt = stmt.where(AuditEvent.object_type == filters.object_type.strip())
    if filters.object_id.strip():
        stmt = stmt.where(AuditEvent.object_id == filters.object_id.strip())
    return stmt


def search_audit(actor, filters: AuditFilters, *, shown_filters: dict) -> AuditPage:
    """One page of the events the actor may search (system admin: all; org admin: their organisation's).

    The search itself is recorded after it ran, so it does not list itself.
    """
    check(has(actor, "audit.search"), "permission:audit.search")
    page = paginate(_event_query(actor, filters), per_page=EVENTS_PER_PAGE)
    # Who and where, for the shown page only: two bounded queries instead of one per row.
    user_ids = {e.user_id for e in page.items if e.user_id}
    org_ids = {e.organisation_id for e in page.items if e.organisation_id}
    # Organisations an event is about are named from the same query (a response time changed, an account moved).
    org_ids |= {int(e.object_id) for e in page.items if e.object_type == "Organisation" and e.object_id
                and e.object_id.isdigit() and int(e.object_id) < 2**31}
    users = dict(db.session.execute(select(User.id, User.email).where(User.id.in_(user_ids))).all()) \
        if user_ids else {}
    orgs = dict(db.session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(org_ids)))
                .all()) if org_ids else {}
    named = {e.seq: audit.people_of(e) for e in page.items}
    person_ids = {pid for ids in named.values() for pid in ids}
    pseudonyms = dict(db.session.execute(select(Person.id, Person.pseudonym).where(Person.id.in_(person_ids)))
                      .all()) if person_ids else {}
    people = {seq: [pseudonyms.get(pid, "?") for pid in ids] for seq, ids in named.items() if ids}
    objects = audit_words.object_names(page.items, pseudonyms, orgs)
    details = {e.seq: audit_words.details_text(e.details) for e in page.items}
    audit.record("audit.search", by=actor, details={"filters": shown_filters, "page": page.page, "hits": page.total})
    return AuditPage(page, users, orgs, people, objects, details)


def verify_audit(actor, *, head: str | None = None) -> audit_check.VerifyResult:
    """Walk the whole portal's hash chain (whoever asks: a break anywhere concerns everybody), optionally against
    a head kept elsewhere; the check is itself recorded with its outcome."""
    check(has(actor, "audit.search"), "permission:audit.search")
    anchor = audit_check.parse_anchor(head)
    result = audit_check.verify(anchor=anchor)
    audit.record("audit.verify", by=actor, details={"ok": result.ok, "checked": result.checked,
                                                     "broken_seq": result.broken_seq,
                                                     "anchor": str(anchor) if anchor else None})
    return result
