"""When a series meets: fixed dates, every N weeks, or the n-th weekday of the month, around Swedish holidays.

`occurrences(...)` gives each day the rule yields with what the holiday policy did to it (kept, moved to the next
working day, or skipped), so the series page shows the moved and skipped dates. Working days are the portal's
(`portal.workdays`): a public holiday and julafton, midsommarafton and nyårsafton are days off.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

import holidays
from dateutil.rrule import MONTHLY, WEEKLY, rrule, weekday

from portal.workdays import add_working_days, days_off

#: How far ahead a series is planned when it has no end date.
DEFAULT_HORIZON_DAYS = 366
#: Safety cap: a rule never makes more meetings than this at once.
MAX_OCCURRENCES = 400


@dataclass(frozen=True)
class Occurrence:
    """A day the rule gives (`scheduled`), the day it is held (`on`, None when skipped) and the holiday's name."""

    scheduled: date
    on: date | None
    holiday: str = ""

    @property
    def is_moved(self) -> bool:
        return self.on is not None and self.on != self.scheduled

    @property
    def is_skipped(self) -> bool:
        return self.on is None


@lru_cache(maxsize=64)
def _swedish(year: int) -> holidays.HolidayBase:
    # Sundays are not "holidays" here: a Sunday meeting is a choice, not a collision.
    return holidays.country_holidays("SE", years=year, include_sundays=False, language="sv")


#: The eves that are days off in practice (portal.workdays counts them) but that `holidays` does not name.
EVES = {(12, 24): "Julafton", (12, 31): "Nyårsafton"}


def holiday_name(day: date) -> str:
    """The name of the Swedish holiday or day off on that day ("Nationaldagen", "Julafton"), or ""."""
    name = str(_swedish(day.year).get(day) or "")
    if name or day.weekday() >= 5 or day not in days_off(day.year):
        return name
    return EVES.get((day.month, day.day), "Midsommarafton")


def next_working_day(day: date) -> date:
    """The first working day after `day` (portal.workdays: Monday–Friday, no public holiday or eve off)."""
    return add_working_days(day, 1)


class RecurrenceError(ValueError):
    """The rule cannot give dates: `field` names the form field it concerns; the message is Swedish."""

    def __init__(self, message, field: str):
        super().__init__(str(message))
        self.field = field


_DAY_MONTH = re.compile(r"^(\d{1,2})/(\d{1,2})$")


def parse_fixed_dates(text: str, starts_on: date, until: date) -> list[date]:
    """"2026-02-22, 2026-05-02" or day/month repeated every year ("22/2, 2/5") → the days from start to until."""
    from flask_babel import lazy_gettext as _l

    days: set[date] = set()
    for raw in re.split(r"[,;\s]+", text or ""):
        part = raw.strip()
        if not part:
            continue
        match = _DAY_MONTH.match(part)
        try:
            if match:
                day, month = int(match.group(1)), int(match.group(2))
                date(2000, month, day)  # a day of some year (29/2 too), or the ValueError below
                for year in range(starts_on.year, until.year + 1):
                    if month != 2 or day != 29 or calendar.isleap(year):
                        days.add(date(year, month, day))
            else:
                days.add(date.fromisoformat(part))
        except ValueError:
            raise RecurrenceError(_l("”%(part)s” är inget datum. Skriv datum som ÅÅÅÅ-MM-DD eller dag/månad, "
                                     "t.ex. 22/2.", part=part[:20]), "fixed_dates") from None
    return sorted(d for d in days if starts_on <= d <= until)[:MAX_OCCURRENCES]


def rule_days(*, recurrence: str, starts_on: date, until: date, interval_weeks: int | None = None,
              weekday_number: int | None = None, nth: int | None = None, fixed_dates: str = "") -> list[date]:
    """The days the rule itself gives between starts_on and until (both included), before holidays."""
    from flask_babel import lazy_gettext as _l

    if recurrence == "dates":
        return parse_fixed_dates(fixed_dates, starts_on, until)
    if weekday_number is None or not 0 <= weekday_number <= 6:
        raise RecurrenceError(_l("Välj veckodag."), "weekday")
    start = datetime.combine(starts_on, datetime.min.time())
    end = datetime.combine(until, datetime.min.time())
    if recurrence == "weekly":
        if not interval_weeks or not 1 <= interval_weeks <= 52:
            raise RecurrenceError(_l("Ange hur många veckor det är mellan mötena (1–52)."), "interval_weeks")
        rule = rrule(WEEKLY, interval=interval_weeks, byweekday=weekday_number, dtstart=start, until=end,
                     count=None)
    elif recurrence == "monthly":
        if nth not in (1, 2, 3, 4, -1):
            raise RecurrenceError(_l("Välj vilken veckodag i månaden (första–fjärde eller sista)."), "nth")
        rule = rrule(MONTHLY, byweekday=weekday(weekday_number)(nth), dtstart=start, until=end)
    else:
        raise RecurrenceError(_l("Välj hur serien återkommer."), "recurrence")
    days = []
    for moment in rule:
        days.append(moment.date())
        if len(days) >= MAX_OCCURRENCES:
            break
    return days


def apply_holidays(days: list[date], policy: str) -> list[Occurrence]:
    """Each day as held: kept unless it is a holiday or an eve off; then skipped or moved to the next working day."""
    result = []
    for day in days:
        name = holiday_name(day)
        if not name:
            result.append(Occurrence(day, day))
        elif policy == "skip":
            result.append(Occurrence(day, None, name))
        else:
            result.append(Occurrence(day, next_working_day(day), name))
    return result


def occurrences(*, recurrence: str, starts_on: date, until: date, holiday_policy: str = "move",
                interval_weeks: int | None = None, weekday_number: int | None = None, nth: int | None = None,
                fixed_dates: str = "") -> list[Occurrence]:
    """The meetings a rule gives between two days, with holidays applied. Refuses a rule that yields no date."""
    from flask_babel import lazy_gettext as _l

    if until < starts_on:
        raise RecurrenceError(_l("Slutdatumet kan inte vara före startdatumet."), "ends_on")
    days = rule_days(recurrence=recurrence, starts_on=starts_on, until=until, interval_weeks=interval_weeks,
                     weekday_number=weekday_number, nth=nth, fixed_dates=fixed_dates)
    result = apply_holidays(days, holiday_policy)
    if not any(o.on for o in result):
        raise RecurrenceError(_l("Regeln ger inget mötesdatum mellan %(a)s och %(b)s. Ändra datumen eller "
                                 "regeln.", a=starts_on.isoformat(), b=until.isoformat()),
                              "fixed_dates" if recurrence == "dates" else "starts_on")
    return result
