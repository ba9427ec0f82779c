"""Every change to the agreement's goals: create and reword a goal, enter or import measured values, check off.

Goals live beside the revisions, so measured values keep coming while adopted revisions stay frozen. Each
operation asks `rules.can_revise` for the acting user `by` (None: a trusted script), changes, and records the
audit event by that user (see agreements.operations).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from agreements import rules
from agreements.goals import LIMIT, MAX_DECIMALS, CsvError, parse_measurements_csv
from agreements.models import Agreement, Goal, Measurement, RevisionGoal
from agreements.operations import AgreementError, fits, long_text, one_line, user_id
from portal import audit, clock
from portal.db import db, utcnow
from portal.permissions import check_by


def check_number(value: Decimal | None, field: str) -> None:
    """A figure the value columns hold: finite and less than ten thousand million either way (goals.LIMIT).

    The forms refuse such text already (goals.parse_decimal); this stops any other caller too.
    """
    if value is not None and (not Decimal(value).is_finite() or abs(Decimal(value)) >= LIMIT):
        raise AgreementError(_l("Talet ska vara mindre än 10 000 000 000 (tio miljarder)."), field=field)


def _check_goal(indicator: str, unit: str | None, target_type: str, baseline_value, baseline_date,
                target_value, target_direction, target_date) -> None:
    fits(indicator, 300, "indicator")
    fits(unit or "", 40, "unit")
    check_number(baseline_value, "baseline_value")
    check_number(target_value, "target_value")
    if not indicator:
        raise AgreementError(_l("Ange vad målet gäller (indikator eller delmål)."), field="indicator")
    if target_type not in ("value", "direction", "milestone"):
        raise AgreementError(_l("Välj typ av mål."), field="target_type")
    if target_type != "milestone":
        if unit is None:
            raise AgreementError(_l("Ange en enhet för målet, t.ex. %, antal eller kronor."), field="unit")
        if baseline_value is None:
            raise AgreementError(_l("Ange utgångsvärdet."), field="baseline_value")
    if target_type == "value" and target_value is None:
        raise AgreementError(_l("Ange målvärdet."), field="target_value")
    if target_type == "direction" and target_direction not in ("decrease", "increase"):
        raise AgreementError(_l("Ange om värdet ska minska eller öka."), field="target_direction")
    if target_date is None:
        raise AgreementError(_l("Ange när målet ska vara nått."), field="target_date")
    if baseline_date and target_date < baseline_date:
        raise AgreementError(_l("Måldatumet kan inte vara före utgångsläget."), field="target_date")


def create_goal(agreement: Agreement, *, indicator: str, unit: str | None, target_type: str,
                baseline_value: Decimal | None = None, baseline_date: date | None = None,
                target_value: Decimal | None = None, target_direction: str | None = None,
                target_date: date | None = None, description: str = "", decimals: int = 1,
                by) -> Goal:
    """Add a goal to the agreement and to its open draft (if any)."""
    check_by(by, rules.can_revise, agreement, "agreement:revise")
    indicator, unit = one_line(indicator), one_line(unit) or None
    _check_goal(indicator, unit, target_type, baseline_value, baseline_date, target_value, target_direction,
                target_date)
    if not 0 <= decimals <= MAX_DECIMALS:
        raise AgreementError(_l("Antalet decimaler ska vara från 0 till %(max)s.", max=MAX_DECIMALS),
                             field="decimals")
    goal = Goal(agreement=agreement, indicator=indicator, unit=unit, target_type=target_type,
                baseline_value=baseline_value, baseline_date=baseline_date, target_value=target_value,
                target_direction=target_direction if target_type == "direction" else None,
                target_date=target_date, description=long_text(description), decimals=decimals,
                position=len(agreement.goals))
    db.session.add(goal)
    db.session.flush()
    draft = agreement.open_revision()
    if draft is not None and draft.is_draft:
        draft.goal_links.append(RevisionGoal(goal=goal, position=len(draft.goal_links)))
        db.session.flush()
    audit.record("agreement.goal.create", obj=goal, by=by, details={"indicator": indicator})
    return goal


def update_goal(goal: Goal, *, indicator: str, unit: str | None, target_type: str,
                baseline_value: Decimal | None, baseline_date: date | None, target_value: Decimal | None,
                target_direction: str | None, target_date: date | None, description: str = "",
                by) -> Goal:
    """Change a goal's wording or target. Adopted revisions keep the wording frozen when they were adopted."""
    check_by(by, rules.can_revise, goal.agreement, "agreement:revise")
    indicator, unit = one_line(indicator), one_line(unit) or None
    _check_goal(indicator, unit, target_type, baseline_value, baseline_date, target_value, target_direction,
                target_date)
    switches_kind = (goal.target_type == "milestone") != (target_type == "milestone")
    if switches_kind and (goal.measurements or goal.achieved_on):
        raise AgreementError(_l("Målet har redan mätvärden eller är avbockat; det kan inte bytas mellan delmål "
                                "och mätbart mål."), field="target_type")
    goal.indicator, goal.unit, goal.target_type = indicator, unit, target_type
    goal.baseline_value, goal.baseline_date, goal.target_value = baseline_value, baseline_date, target_value
    goal.target_direction = target_direction if target_type == "direction" else None
    goal.target_date, goal.description = target_date, long_text(description)
    db.session.flush()
    audit.record("agreement.goal.update", obj=goal, by=by, details={"indicator": indicator})
    return goal


def record_measurement(goal: Goal, *, measured_on: date | None, value: Decimal | None, source: str = "manual",
                       by) -> Measurement:
    """Enter a measured value; a value for a date already measured replaces it."""
    check_by(by, rules.can_revise, goal.agreement, "agreement:revise")
    if goal.target_type == "milestone":
        raise AgreementError(_l("Ett delmål har inga mätvärden; bocka av det med ett datum i stället."),
                             field="value")
    if measured_on is None:
        raise AgreementError(_l("Ange mätdatum."), field="measured_on")
    if value is None:
        raise AgreementError(_l("Ange ett värde i siffror, t.ex. 9,5."), field="value")
    check_number(value, "value")
    existing = next((m for m in goal.measurements if m.measured_on == measured_on), None)
    if existing is None:
        existing = Measurement(measured_on=measured_on, value=value, source=source, entered_by_id=user_id(by))
        goal.measurements.append(existing)
        goal.measurements.sort(key=lambda m: m.measured_on)
    else:
        existing.value, existing.source, existing.entered_dt = value, source, utcnow()
    db.session.flush()
    audit.record("agreement.goal.measure", obj=goal, by=by,
                 details={"date": measured_on.isoformat(), "value": str(value), "source": source})
    return existing


def import_measurements(goal: Goal, content: bytes | None, *, by) -> int:
    """Import a CSV of dates and values (all rows or none); returns how many were stored.

    `content` None means no file was chosen; an empty file is refused as empty.
    """
    check_by(by, rules.can_revise, goal.agreement, "agreement:revise")
    if content is None:
        raise CsvError(_l("Välj en CSV-fil att läsa in."))
    rows = parse_measurements_csv(content)
    for measured_on, value in rows:
        record_measurement(goal, measured_on=measured_on, value=value, source="csv", by=by)
    return len(rows)


def check_off_milestone(goal: Goal, *, achieved_on: date | None, note: str = "", by) -> Goal:
    """Mark a delmål as done on a date (or undo with None)."""
    check_by(by, rules.can_revise, goal.agreement, "agreement:revise")
    if goal.target_type != "milestone":
        raise AgreementError(_l("Bara delmål bockas av; andra mål följs upp med mätvärden."), field="achieved_on")
    if achieved_on is not None and achieved_on > clock.today():
        raise AgreementError(_l("Datumet kan inte ligga i framtiden."), field="achieved_on")
    goal.achieved_on, goal.achieved_note = achieved_on, fits(one_line(note), 500, "note") or None
    goal.achieved_by_id = user_id(by) if achieved_on else None
    db.session.flush()
    audit.record("agreement.goal.check", obj=goal, by=by,
                 details={"achieved_on": achieved_on.isoformat() if achieved_on else None})
    return goal
