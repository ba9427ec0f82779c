"""The half-year report of a kommun's KAA register (counts, chart, CSV) and the rows of the SCB export."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from xml.sax.saxutils import escape

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from kaa import scb
from kaa.models import DEREGISTRATION_REASONS, KaaEnrolment
from portal.clock import today
from portal.db import db


@dataclass(frozen=True)
class Period:
    """A half-year: 1 January–30 June (half 1) or 1 July–31 December (half 2)."""

    year: int
    half: int

    @property
    def start(self) -> date:
        return date(self.year, 1 if self.half == 1 else 7, 1)

    @property
    def end(self) -> date:
        return date(self.year, 6, 30) if self.half == 1 else date(self.year, 12, 31)

    @property
    def key(self) -> str:
        return f"{self.year}-{self.half}"

    @property
    def label(self) -> str:
        return str(_l("1 januari–30 juni %(year)s", year=self.year) if self.half == 1
                   else _l("1 juli–31 december %(year)s", year=self.year))

    def previous(self) -> Period:
        return Period(self.year - 1, 2) if self.half == 1 else Period(self.year, 1)

    @classmethod
    def of(cls, day: date) -> Period:
        return cls(day.year, 1 if day.month <= 6 else 2)

    @classmethod
    def parse(cls, key: str | None) -> Period | None:
        """"2026-1" → Period(2026, 1); anything else → None."""
        year, _sep, half = (key or "").partition("-")
        if len(year) == 4 and year.isdigit() and half in ("1", "2") and 2000 <= int(year) <= 2199:
            return cls(int(year), int(half))
        return None


#: The report's counts in order, with their words.
COUNTS: dict[str, object] = {
    "registered": _l("Inskrivna under perioden"),
    "new": _l("Varav nya under perioden"),
    "reached": _l("Nådda (kontakt etablerad)"),
    "in_measure": _l("I insats"),
    "studies": _l("I studier"),
    "work": _l("I arbete"),
    "declined": _l("Tackat nej"),
    "deregistered": _l("Avregistrerade"),
}


@dataclass
class Figures:
    period: Period
    counts: dict[str, int] = field(default_factory=dict)
    by_reason: dict[str, int] = field(default_factory=dict)


def enrolments_in(kommunkod: str, period: Period) -> list[KaaEnrolment]:
    """The kommun's enrolments open at some time in the period, with contacts and measures (three statements)."""
    return list(db.session.scalars(
        select(KaaEnrolment).where(
            KaaEnrolment.kommunkod == kommunkod, KaaEnrolment.registered_on <= period.end,
            or_(KaaEnrolment.deregistered_on.is_(None), KaaEnrolment.deregistered_on >= period.start))
        .options(selectinload(KaaEnrolment.contacts), selectinload(KaaEnrolment.measures))
        .order_by(KaaEnrolment.registered_on, KaaEnrolment.id)))


def current_since_before(enrolment: KaaEnrolment, end: date) -> bool:
    since = enrolment.occupation_since or enrolment.registered_on
    return since <= end


def facts(enrolment: KaaEnrolment, period: Period) -> dict:
    """What the report and the SCB row say of one enrolment in a period."""
    contacts = [c for c in enrolment.contacts if period.start <= c.contact_on <= period.end]
    measures = [m for m in enrolment.measures if m.accepted and m.start_on and m.start_on <= period.end
                and (m.end_on is None or m.end_on >= period.start)]
    offers = sorted(enrolment.measures, key=lambda m: (m.offered_on, m.id or 0))
    closed = enrolment.deregistered_on is not None and period.start <= enrolment.deregistered_on <= period.end
    return {
        "new": period.start <= enrolment.registered_on <= period.end,
        "reached": any(c.outcome == "kontakt_etablerad" for c in contacts),
        "in_measure": bool(measures),
        # Only the current occupation is kept: it counts in a period only when it began before the period ended
        # (a job found this month must not show up in last half-year's figures).
        "studies": enrolment.occupation == "studier" and current_since_before(enrolment, period.end),
        "work": enrolment.occupation == "arbete" and current_since_before(enrolment, period.end),
        "declined": any(c.declined for c in contacts),
        "declined_first_offer": bool(offers) and offers[0].accepted is False,
        "deregistered": closed,
    }


def figures(kommunkod: str, period: Period, enrolments: list | None = None) -> Figures:
    rows = enrolments if enrolments is not None else enrolments_in(kommunkod, period)
    result = Figures(period, {key: 0 for key in COUNTS}, {key: 0 for key in DEREGISTRATION_REASONS})
    for enrolment in rows:
        found = facts(enrolment, period)
        result.counts["registered"] += 1
        for key in COUNTS:
            if key != "registered" and found.get(key):
                result.counts[key] += 1
        if found["deregistered"]:
            result.by_reason[enrolment.deregistration_reason] += 1
    return result


def report_csv(current: Figures, previous: Figures) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([str(_l("Uppgift")), current.period.label, previous.period.label])
    for key, label in COUNTS.items():
        writer.writerow([str(label), current.counts[key], previous.counts[key]])
    for key, label in DEREGISTRATION_REASONS.items():
        writer.writerow([str(_l("Avregistrerade: %(reason)s", reason=label)), current.by_reason[key],
                         previous.by_reason[key]])
    return "\ufeff" + out.getvalue()  # a BOM, so that Excel opens the Swedish letters right


def scb_rows(kommunkod: str, period: Period, numbers: dict[int, str]) -> list[list[str]]:
    """One row per person and period, in scb.COLUMNS order (numbers: person id → personnummer as the gate shows)."""
    rows = []
    for enrolment in enrolments_in(kommunkod, period):
        found = facts(enrolment, period)
        rows.append(scb.row(number=numbers.get(enrolment.person_id, ""), kommunkod=kommunkod, period=period.key,
                            enrolment=enrolment, facts=found))
    return rows


def people_in(kommunkod: str, period: Period) -> list[int]:
    return list(db.session.scalars(select(KaaEnrolment.person_id).where(
        KaaEnrolment.kommunkod == kommunkod, KaaEnrolment.registered_on <= period.end,
        or_(KaaEnrolment.deregistered_on.is_(None), KaaEnrolment.deregistered_on >= period.start))
        .distinct()))


def current_period() -> Period:
    return Period.of(today())


# --- The chart: this half-year beside the previous, one pair of bars per count --------------------------------

WIDTH, ROW, PAD_L, PAD_R, BAR = 640, 34, 230, 60, 12
NOW_FILL, BEFORE_FILL, INK = "#1d4f91", "#9aa5b1", "#1a1a1a"


def chart_svg(current: Figures, previous: Figures, chart_id: str = "kaa-graf") -> str:
    """An accessible bar chart (role="img", <title>, <desc>) drawn on the server: no script, no inline style."""
    keys = list(COUNTS)
    top = max([1] + [current.counts[k] for k in keys] + [previous.counts[k] for k in keys])
    height = 40 + ROW * len(keys)
    span = WIDTH - PAD_L - PAD_R
    parts = []
    for x, figures_, fill in ((PAD_L, current, NOW_FILL), (PAD_L + span // 2, previous, BEFORE_FILL)):  # the legend
        parts.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{fill}"/>')
        parts.append(f'<text x="{x + 16}" y="16" font-size="12" fill="{INK}">{escape(figures_.period.label)}</text>')
    for i, key in enumerate(keys):
        y = 30 + i * ROW
        parts.append(f'<text x="{PAD_L - 8}" y="{y + 14}" text-anchor="end" font-size="12" fill="{INK}">'
                     f'{escape(str(COUNTS[key]))}</text>')
        for j, (figures_, fill) in enumerate(((current, NOW_FILL), (previous, BEFORE_FILL))):
            value = figures_.counts[key]
            w = span * value / top
            yy = y + j * (BAR + 2)
            parts.append(f'<rect x="{PAD_L}" y="{yy}" width="{w:.1f}" height="{BAR}" fill="{fill}"/>')
            parts.append(f'<text x="{PAD_L + w + 4:.1f}" y="{yy + 10}" font-size="11" fill="{INK}">{value}</text>')
    described = "; ".join(f"{COUNTS[k]}: {current.counts[k]} ({previous.counts[k]})" for k in keys)
    title = escape(str(_l("KAA %(period)s jämfört med föregående halvår", period=current.period.label)))
    desc = escape(str(_l("Antal denna period (föregående period inom parentes): %(values)s.", values=described)))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{chart_id}-t {chart_id}-d" '
            f'viewBox="0 0 {WIDTH} {height}" class="goal-chart"><title id="{chart_id}-t">{title}</title>'
            f'<desc id="{chart_id}-d">{desc}</desc>' + "".join(parts) + "</svg>")
