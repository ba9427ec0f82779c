"""Swedish working days: Monday–Friday except public holidays and julafton, midsommarafton and nyårsafton."""
from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def days_off(year: int) -> frozenset[date]:
    """The weekdays-off of a year: the public holidays (`holidays`, Sundays not counted as holidays) and the three
    eves that are days off in practice and by most collective agreements, which `holidays` does not list."""
    public = holidays.Sweden(years=year, include_sundays=False)
    midsummer_day = next(day for day, name in public.items() if "Midsummer" in name or "Midsommar" in name)
    return frozenset(public) | {date(year, 12, 24), date(year, 12, 31), midsummer_day - timedelta(days=1)}


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in days_off(day.year)


def add_working_days(start: date, count: int) -> date:
    """The `count`-th working day after `start` (start itself never counts: a referral submitted on a Friday
    with 1 working day is due on Monday, or on the next working day after a holiday)."""
    day = start
    remaining = count
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """How many working days lie after `start` up to and including `end` (0 when end <= start)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count
