"""The inbox query: an organisation's incoming and outgoing referrals, counted, filtered, searched, sorted, paged."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from portal.clock import today
from portal.db import MAX_PAGE, db
from portal.people.access import visible_people
from portal.people.gate import PersonView, gate
from portal.people.models import Person
from portal.workdays import add_working_days
from referrals import workflow
from referrals.basis import PURPOSE
from referrals.models import Referral, id_of_reference

PAGE_SIZE = 25
#: The boxes: incoming (sent to the organisation), outgoing (sent by it, drafts included), mine.
BOXES = ("inkommande", "utgaende", "mina")
SORTS = {
    "nyast": lambda: (Referral.created_dt.desc(), Referral.id.desc()),
    "aldst": lambda: (Referral.created_dt.asc(), Referral.id.asc()),
    "svarsdag": lambda: (Referral.due_on.is_(None), Referral.due_on.asc(), Referral.id.asc()),
    "status": lambda: (Referral.state.asc(), Referral.created_dt.desc(), Referral.id.desc()),
}
#: Due filters: overdue (still awaiting an answer after its last day) or due within two working days.
DUES = ("forsenad", "snart")


@dataclass
class Filters:
    """What the inbox is narrowed to; every value already checked against its allowed values."""

    box: str = "inkommande"
    state: str = ""
    type: str = ""  # noqa: A003 - the referral's type, as in the model
    #: A user id, or "ingen" for unassigned.
    assignee: str = ""
    due: str = ""
    urgency: str = ""
    query: str = ""
    sort: str = "nyast"
    page: int = 1

    @classmethod
    def read(cls, source) -> Filters:
        """Filters from a request's args or form: anything unknown is dropped, never an error."""
        def pick(name: str, allowed, default: str = "") -> str:
            value = (source.get(name) or "").strip()
            return value if value in allowed else default

        assignee = (source.get("handlaggare") or "").strip()
        if assignee != "ingen" and not (assignee.isascii() and assignee.isdigit() and 0 < int(assignee) < 2**31):
            assignee = ""
        page = (source.get("sida") or "1").strip()
        page_number = int(page) if page.isascii() and page.isdigit() and len(page) < 7 else 1
        return cls(box=pick("lada", BOXES, "inkommande"), state=pick("status", workflow.STATE_LABELS),
                   type=pick("typ", workflow.TYPES), assignee=assignee, due=pick("svar", DUES),
                   urgency=pick("bradska", workflow.URGENCY_LABELS),
                   query=" ".join((source.get("q") or "").split())[:100],
                   sort=pick("sortera", SORTS, "nyast"), page=min(max(page_number, 1), MAX_PAGE))

    def args(self, **changes) -> dict:
        """The filters as query arguments (without the search words, which travel in a POST body)."""
        values = {"lada": self.box, "status": self.state, "typ": self.type, "handlaggare": self.assignee,
                  "svar": self.due, "bradska": self.urgency, "sortera": self.sort, "sida": self.page}
        values.update(changes)
        return {k: v for k, v in values.items() if v not in ("", None) and not (k == "sida" and v == 1)}


@dataclass
class InboxRow:
    referral: Referral
    #: The person through the gate (None for a consultation).
    person: PersonView | None
    overdue: bool


@dataclass
class InboxPage:
    rows: list[InboxRow]
    total: int
    page: int
    pages: int
    #: Referrals of the box per state (before the other filters), for the counts beside the state filter.
    counts: dict[str, int] = field(default_factory=dict)


def _box(user, box: str):
    org = user.organisation_id
    if box == "utgaende":
        return Referral.from_org_id == org
    if box == "mina":
        return or_(and_(Referral.to_org_id == org, Referral.state != "draft", Referral.assignee_id == user.id),
                   and_(Referral.from_org_id == org, Referral.created_by_id == user.id))
    return and_(Referral.to_org_id == org, Referral.state != "draft")


def is_overdue(referral: Referral, on: date | None = None) -> bool:
    """Still waiting for the receiver's answer after its last day."""
    return (referral.state in workflow.AWAITING and referral.due_on is not None
            and referral.due_on < (on or today()))


def overdue_clause(on: date):
    return and_(Referral.state.in_(workflow.AWAITING), Referral.due_on < on)


def _search(user, query: str):
    """A reference ("R-000123", "123") or a person's name, the name only among the people the gate lets the
    organisation see for referrals (`visible_people` as a subquery: nobody else is ever matched by name)."""
    found = id_of_reference(query)
    if found is not None:
        return Referral.id == found
    words = [w for w in query.split() if not any(c.isdigit() for c in w)]
    if not words:
        return Referral.id.is_(None)  # digits that name no referral: nothing (a number is never searched)
    patterns = [f"%{_literal(w.lower())}%" for w in words]
    visible = visible_people(user, PURPOSE, names=patterns)
    matching = select(visible.c.person_id).join(Person, Person.id == visible.c.person_id)
    for pattern in patterns:
        # A protected person is found by name only by an organisation holding them (as the people search).
        matching = matching.where(or_(visible.c.typed.like(pattern, escape="\\"), and_(
            visible.c.shown.like(pattern, escape="\\"), or_(visible.c.typed.is_not(None),
                                                            Person.is_protected.is_(False)))))
    return Referral.person_id.in_(matching)


def _literal(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def inbox(user, filters: Filters, *, page_size: int = PAGE_SIZE) -> InboxPage:
    """One page of the box: a GROUP BY for the counts (which give the total of an unfiltered box), a COUNT for a
    filtered one, one statement for the page (it stops after the page's rows: an index in the sort's order serves
    it), the assignees in one more, and the gate's statements for the page's people — whatever the caseload."""
    on = today()
    box = _box(user, filters.box)
    counts = dict(db.session.execute(select(Referral.state, func.count()).where(box)
                                     .group_by(Referral.state)).all())
    stmt = filtered(user, filters, on)
    order = SORTS[filters.sort]()
    if filters.type or filters.assignee or filters.due or filters.urgency or filters.query:
        total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    else:  # the box or one state of it: the counts above already say how many (a window count would read them all)
        total = counts.get(filters.state, 0) if filters.state else sum(counts.values())
    pages = max((total + page_size - 1) // page_size, 1)
    page = min(filters.page, pages)  # past the end: the last page
    referrals = list(db.session.scalars(stmt.order_by(*order).options(selectinload(Referral.assignee))
                                        .limit(page_size).offset((page - 1) * page_size))) if total else []
    person_ids = [r.person_id for r in referrals if r.person_id is not None]
    views = dict(zip(person_ids, gate(user, person_ids, PURPOSE, records=False), strict=True)) if person_ids else {}
    return InboxPage(rows=[InboxRow(r, views.get(r.person_id), is_overdue(r, on)) for r in referrals],
                     total=total, page=page, pages=pages, counts=counts)


def filtered(user, filters: Filters, on: date | None = None):
    """SELECT of the box's referrals narrowed by the filters (unordered): the inbox pages it, the API (referrals/api.py)
    pages it by cursor."""
    on = on or today()
    stmt = select(Referral).where(_box(user, filters.box))
    if filters.state:
        stmt = stmt.where(Referral.state == filters.state)
    if filters.type:
        stmt = stmt.where(Referral.type == filters.type)
    if filters.assignee == "ingen":
        stmt = stmt.where(Referral.assignee_id.is_(None))
    elif filters.assignee:
        stmt = stmt.where(Referral.assignee_id == int(filters.assignee))
    if filters.due == "forsenad":
        stmt = stmt.where(overdue_clause(on))
    elif filters.due == "snart":
        stmt = stmt.where(Referral.state.in_(workflow.AWAITING), Referral.due_on >= on,
                          Referral.due_on <= add_working_days(on, 2))
    if filters.urgency:
        stmt = stmt.where(Referral.urgency == filters.urgency)
    if filters.query:
        stmt = stmt.where(_search(user, filters.query))
    return stmt
