"""Swedish working days: Easter, Ascension, midsummer, Christmas and New Year, weekends, and year boundaries."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal.workdays import add_working_days, days_off, is_working_day, working_days_between


@pytest.mark.parametrize(("day", "working"), [
    # Easter 2026 (Easter Sunday 5 April): skärtorsdag works, långfredag to annandag påsk do not.
    (date(2026, 4, 2), True), (date(2026, 4, 3), False), (date(2026, 4, 4), False), (date(2026, 4, 5), False),
    (date(2026, 4, 6), False), (date(2026, 4, 7), True),
    # Easter 2027 (28 March).
    (date(2027, 3, 25), True), (date(2027, 3, 26), False), (date(2027, 3, 29), False), (date(2027, 3, 30), True),
    # Kristi himmelsfärd on a Thursday; the Friday after ("klämdag") is a working day.
    (date(2026, 5, 14), False), (date(2026, 5, 15), True), (date(2027, 5, 6), False), (date(2027, 5, 7), True),
    # Midsommarafton is the Friday (not a public holiday in `holidays`, a day off all the same).
    (date(2026, 6, 18), True), (date(2026, 6, 19), False), (date(2026, 6, 22), True),
    (date(2027, 6, 24), True), (date(2027, 6, 25), False),
    # Julafton, juldagen, annandag jul, nyårsafton, nyårsdagen, trettondedag jul.
    (date(2026, 12, 23), True), (date(2026, 12, 24), False), (date(2026, 12, 25), False),
    (date(2026, 12, 28), True), (date(2026, 12, 31), False), (date(2027, 1, 1), False),
    (date(2027, 1, 4), True), (date(2027, 1, 6), False), (date(2027, 1, 7), True),
    # 1 May and 6 June on weekdays are days off; 6 June 2026 is a Saturday, 2027 a Sunday: no weekday lost.
    (date(2026, 5, 1), False), (date(2026, 6, 5), True), (date(2026, 6, 8), True), (date(2027, 6, 7), True),
    # An ordinary week.
    (date(2026, 3, 9), True), (date(2026, 3, 13), True), (date(2026, 3, 14), False), (date(2026, 3, 15), False),
])
def test_working_days_follow_the_swedish_calendar(day, working):
    assert is_working_day(day) is working, day


def test_sundays_are_not_counted_as_holidays_of_their_own():
    """`holidays.Sweden` lists every Sunday as a holiday unless told not to: the year's days off would then hold
    52 Sundays, which no weekday count would notice but a list of days off would."""
    for year in (2026, 2027):
        sundays = [d for d in days_off(year) if d.weekday() == 6]
        # Only the real holidays that fall on a Sunday (påskdagen, pingstdagen, 6 juni 2027, annandag jul 2027).
        assert len(sundays) <= 4, sundays
        assert len(days_off(year)) < 20


@pytest.mark.parametrize(("submitted", "days", "due"), [
    # Sent on skärtorsdag: långfredag, the weekend and annandag påsk pass; 5 working days end on 13 April.
    (date(2026, 4, 2), 5, date(2026, 4, 13)),
    (date(2026, 4, 2), 1, date(2026, 4, 7)),
    (date(2027, 3, 25), 1, date(2027, 3, 30)),
    # Sent on långfredag itself (someone works): the next working day is the first.
    (date(2026, 4, 3), 1, date(2026, 4, 7)),
    # The day before Ascension: Thursday off, Friday counts.
    (date(2026, 5, 13), 1, date(2026, 5, 15)),
    # The day before midsommarafton: Monday after.
    (date(2026, 6, 18), 1, date(2026, 6, 22)),
    # Over Christmas and New Year into the next year: 24, 25, 31 Dec, 1 Jan off; 6 Jan too.
    (date(2026, 12, 23), 5, date(2027, 1, 5)),
    (date(2026, 12, 23), 6, date(2027, 1, 7)),
    (date(2026, 12, 31), 1, date(2027, 1, 4)),
    # A Friday and a Saturday, 1 day: Monday.
    (date(2026, 3, 13), 1, date(2026, 3, 16)),
    (date(2026, 3, 14), 1, date(2026, 3, 16)),
])
def test_due_day_counts_working_days_after_the_day_it_was_sent(submitted, days, due):
    assert add_working_days(submitted, days) == due
    assert working_days_between(submitted, due) == days
    assert working_days_between(submitted, due - timedelta(days=1)) == days - 1


def test_working_days_between_is_zero_backwards_and_on_the_same_day():
    assert working_days_between(date(2026, 4, 7), date(2026, 4, 7)) == 0
    assert working_days_between(date(2026, 4, 7), date(2026, 4, 1)) == 0


def test_a_whole_year_has_the_expected_number_of_working_days():
    """2026: 261 weekdays, less the weekday holidays (1/1, 6/1, 3/4, 6/4, 1/5, 14/5, 19/6 midsommarafton,
    24/12, 25/12, 31/12) = 251."""
    assert working_days_between(date(2025, 12, 31), date(2026, 12, 31)) == 251
