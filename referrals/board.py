"""The board per routine (how many runs stand at each step: numbers only), its drill-down lists and "mina
uppföljningar", each a bounded number of statements whatever the caseload."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, or_, select

from agreements import RoutineInfo
from portal.clock import today
from portal.db import db
from portal.people.access import visible_ids_query
from portal.people.gate import gate
from referrals.routine_models import RoutineRun, RunPartner

PURPOSE = "samordning"
#: The board's row of stopped runs (no step label is this: labels are digits and dots).
STOPPED = "avbrutna"


def _runs_of(user):
    """The runs the user's organisation holds, and those it works on with another whose person it may see
    through the gate: one condition for the counts and the lists, so they never disagree."""
    partner_runs = select(RunPartner.run_id).where(RunPartner.organisation_id == user.organisation_id)
    return or_(RoutineRun.organisation_id == user.organisation_id,
               RoutineRun.id.in_(partner_runs) & RoutineRun.person_id.in_(visible_ids_query(user, PURPOSE)))


@dataclass
class Bar:
    label: str
    text: str
    count: int
    overdue: int


def counts(user, routine: RoutineInfo) -> tuple[list[Bar], int, int, int]:
    """Per step of the main path: runs standing there and how many of them have an overdue follow-up; then the
    runs that are done, those done with a follow-up overdue, and the runs stopped. One statement."""
    now = today()
    overdue = func.sum(case((RoutineRun.follow_up_on < now, 1), else_=0))
    # A stopped run keeps the step it stopped at (its page says so); on the board it counts only as stopped.
    where = case((RoutineRun.state == "stopped", STOPPED), else_=RoutineRun.current)
    rows = db.session.execute(
        select(where, func.count(), overdue)
        .where(_runs_of(user), RoutineRun.routine_key == routine.key)
        .group_by(where)).all()
    by_label = {label: (int(n), int(late or 0)) for label, n, late in rows}
    bars = [Bar(s.label, s.text, *by_label.get(s.label, (0, 0))) for s in routine.path]
    done, done_late = by_label.get("", (0, 0))
    return bars, done, done_late, by_label.get(STOPPED, (0, 0))[0]


def chart_svg(bars: list[Bar], title_id: str, title: str = "") -> str:
    """A horizontal bar chart drawn on the server (no script): one bar per step, its number beside it. The table
    on the page holds the same numbers; `title` is the chart's accessible name (what a screen reader says)."""
    from markupsafe import escape

    height, top, row = 0, 8, 28
    largest = max([b.count for b in bars] + [1])
    parts = []
    for i, bar in enumerate(bars):
        y = top + i * row
        width = round(300 * bar.count / largest)
        css = "bar overdue" if bar.overdue else "bar"
        parts.append(f'<text x="0" y="{y + 17}" class="axis">{escape(bar.label)}</text>'
                     f'<rect x="48" y="{y + 4}" width="{width}" height="18" class="{css}"/>'
                     f'<text x="{56 + width}" y="{y + 17}" class="value">{bar.count}</text>')
        height = y + row
    return (f'<svg role="img" aria-labelledby="{title_id}" viewBox="0 0 420 {height + top}" class="bars" '
            f'xmlns="http://www.w3.org/2000/svg"><title id="{title_id}">{escape(title or title_id)}</title>'
            + "".join(parts) + "</svg>")


def at_step(user, routine_key: str, label: str, *, limit: int = 200) -> list[tuple[RoutineRun, object]]:
    """The runs standing at a step with their people through the gate (one gate call for the page)."""
    where = (RoutineRun.state == "stopped" if label == STOPPED
             else (RoutineRun.current == label) & (RoutineRun.state != "stopped"))
    runs = list(db.session.scalars(
        select(RoutineRun).where(_runs_of(user), RoutineRun.routine_key == routine_key, where)
        .order_by(RoutineRun.follow_up_on.is_(None), RoutineRun.follow_up_on, RoutineRun.id).limit(limit)))
    views = gate(user, [r.person_id for r in runs], PURPOSE, records=False) if runs else []
    return list(zip(runs, views, strict=True))


def follow_up_clause(user, on: date | None = None):
    return (RoutineRun.owner_id == user.id) & RoutineRun.follow_up_on.is_not(None)


def my_follow_ups(user, *, limit: int = 200) -> list[tuple[RoutineRun, object]]:
    """"Mina uppföljningar": the user's runs with a follow-up date, soonest (and overdue) first."""
    runs = list(db.session.scalars(select(RoutineRun).where(follow_up_clause(user))
                                   .order_by(RoutineRun.follow_up_on, RoutineRun.id).limit(limit)))
    views = gate(user, [r.person_id for r in runs], PURPOSE, records=False) if runs else []
    return list(zip(runs, views, strict=True))


def count_due(user) -> int:
    """The start card: the user's follow-ups due within 14 days or overdue. One COUNT."""
    from datetime import timedelta

    return db.session.scalar(select(func.count()).select_from(RoutineRun).where(
        follow_up_clause(user), RoutineRun.follow_up_on <= today() + timedelta(days=14))) or 0
