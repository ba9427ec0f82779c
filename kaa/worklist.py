"""The register's lists: "att kontakta" (due and overdue, by due date, with counts), the register, the start card."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import case, func, select
from sqlalchemy.orm import contains_eager

from kaa import rules
from kaa.models import KaaEnrolment
from portal.clock import today
from portal.db import db
from portal.people.models import Person

PAGE_SIZE = 50


def due_clause(kommunkod: str, on: date):
    """THE condition of "att kontakta": the kommun's open enrolments due on or before `on` (the card and the list
    share it, so they never disagree)."""
    return (KaaEnrolment.kommunkod == kommunkod, KaaEnrolment.deregistered_on.is_(None),
            KaaEnrolment.next_contact_on <= on)


def count_due(user) -> int:
    """One COUNT. The kommun's KAA staff see every enrolment of their register by law (kaa.basis), so this counts
    nobody the gate would hide from them."""
    code = rules.kaa_kommunkod(user)
    if code is None:
        return 0
    return db.session.scalar(select(func.count(KaaEnrolment.id)).where(*due_clause(code, today()))) or 0


def due_text(count: int) -> str:
    return ngettext("%(num)s ung person i KAA-registret ska kontaktas nu.",
                    "%(num)s unga personer i KAA-registret ska kontaktas nu.", count)


@dataclass
class DueList:
    enrolments: list
    total: int
    overdue: int
    today: int


def due(user, on: date | None = None, *, limit: int = 500) -> DueList:
    """Who is due or overdue, earliest due date first, with the counts (two statements whatever the size)."""
    on = on or today()
    code = rules.kaa_kommunkod(user)
    clause = due_clause(code, on)
    total, overdue, due_today = db.session.execute(
        select(func.count(KaaEnrolment.id),
               func.coalesce(func.sum(case((KaaEnrolment.next_contact_on < on, 1), else_=0)), 0),
               func.coalesce(func.sum(case((KaaEnrolment.next_contact_on == on, 1), else_=0)), 0))
        .where(*clause)).one()
    enrolments = list(db.session.scalars(
        select(KaaEnrolment).join(Person, Person.id == KaaEnrolment.person_id).where(*clause)
        .options(contains_eager(KaaEnrolment.person))
        .order_by(KaaEnrolment.next_contact_on, KaaEnrolment.id).limit(limit)))
    return DueList(enrolments, total, overdue, due_today)


STATES = {"open": _l("Inskrivna"), "closed": _l("Avregistrerade"), "all": _l("Alla")}


def in_register(stmt, user, state: str = "open"):
    """`stmt` narrowed to the user's kommun's enrolments, open, closed or all (the page and the API page it)."""
    stmt = stmt.where(KaaEnrolment.kommunkod == rules.kaa_kommunkod(user))
    if state == "open":
        return stmt.where(KaaEnrolment.deregistered_on.is_(None))
    if state == "closed":
        return stmt.where(KaaEnrolment.deregistered_on.is_not(None))
    return stmt


def register_page(user, state: str = "open", page: int = 1) -> tuple[list, int]:
    """The kommun's enrolments (open, closed or all), newest registration first, a page at a time, and the total."""
    stmt = in_register(select(KaaEnrolment, func.count().over().label("total")), user, state) \
        .join(Person, Person.id == KaaEnrolment.person_id).options(contains_eager(KaaEnrolment.person))
    rows = db.session.execute(stmt.order_by(KaaEnrolment.registered_on.desc(), KaaEnrolment.id.desc())
                              .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return [r[0] for r in rows], (rows[0][1] if rows else 0)


def enrolments_of(person_id: int) -> list[KaaEnrolment]:
    """Every enrolment of a person, newest first (the enrolment page lists the earlier ones)."""
    return list(db.session.scalars(select(KaaEnrolment).where(KaaEnrolment.person_id == person_id)
                                   .order_by(KaaEnrolment.registered_on.desc(), KaaEnrolment.id.desc())))


def register_cards() -> None:
    from portal.templating import StartCard, add_start_card

    add_start_card(StartCard(key="kaa.due", title=_l("KAA: att kontakta"), permission="kaa.work",
                             count=count_due, text=due_text, endpoint="kaa.worklist", order=35))
