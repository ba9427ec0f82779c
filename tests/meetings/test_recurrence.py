"""When series meet: every N weeks, the n-th weekday, fixed dates; Swedish holidays skipped or moved; a single
meeting moved or cancelled without breaking the series; a rule that gives no date refused."""
from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from meetings import operations as ops
from meetings.models import Meeting
from meetings.recurrence import RecurrenceError, holiday_name, next_working_day, occurrences
from portal.clock import today
from portal.db import db
from tests.meetings.helpers import make_series


def test_every_other_week_moves_a_holiday_to_the_next_working_day():
    # Fridays from Christmas week: juldagen (Fri 25 Dec 2026) → Mon 28 Dec; nyårsdagen (Fri 1 Jan) → Mon 4 Jan.
    found = occurrences(recurrence="weekly", starts_on=date(2026, 12, 18), until=date(2027, 1, 15),
                        interval_weeks=1, weekday_number=4, holiday_policy="move")
    assert [(o.scheduled, o.on) for o in found] == [
        (date(2026, 12, 18), date(2026, 12, 18)), (date(2026, 12, 25), date(2026, 12, 28)),
        (date(2027, 1, 1), date(2027, 1, 4)), (date(2027, 1, 8), date(2027, 1, 8)),
        (date(2027, 1, 15), date(2027, 1, 15))]
    assert found[1].holiday == "Juldagen" and found[1].is_moved


def test_skipping_policy_leaves_holidays_out_and_says_which():
    good_friday = occurrences(recurrence="weekly", starts_on=date(2027, 3, 19), until=date(2027, 3, 26),
                              interval_weeks=1, weekday_number=4, holiday_policy="skip")
    assert [(o.on, o.holiday) for o in good_friday] == [(date(2027, 3, 19), ""), (None, "Långfredagen")]


def test_interval_of_two_weeks():
    found = occurrences(recurrence="weekly", starts_on=date(2027, 1, 12), until=date(2027, 2, 28),
                        interval_weeks=2, weekday_number=1)
    assert [o.on for o in found] == [date(2027, 1, 12), date(2027, 1, 26), date(2027, 2, 9), date(2027, 2, 23)]


def test_nth_and_last_weekday_of_the_month():
    first_tuesdays = occurrences(recurrence="monthly", starts_on=date(2027, 1, 1), until=date(2027, 4, 30),
                                 weekday_number=1, nth=1)
    assert [o.on for o in first_tuesdays] == [date(2027, 1, 5), date(2027, 2, 2), date(2027, 3, 2),
                                              date(2027, 4, 6)]
    last_fridays = occurrences(recurrence="monthly", starts_on=date(2027, 1, 1), until=date(2027, 3, 31),
                               weekday_number=4, nth=-1)
    # 26 March 2027 is långfredagen: moved past påsk to Tuesday 30 March
    assert [o.on for o in last_fridays] == [date(2027, 1, 29), date(2027, 2, 26), date(2027, 3, 30)]


def test_fixed_dates_as_day_and_month_every_year_like_the_steering_group():
    found = occurrences(recurrence="dates", starts_on=date(2027, 1, 1), until=date(2028, 12, 31),
                        fixed_dates="22/2, 2/5, 5/9, 7/11", holiday_policy="move")
    assert len(found) == 8
    assert found[0].scheduled == date(2027, 2, 22) and found[-1].scheduled == date(2028, 11, 7)


def test_swedish_holidays_and_working_days():
    assert holiday_name(date(2027, 6, 6)) == "Nationaldagen"
    assert holiday_name(date(2027, 6, 8)) == ""
    assert holiday_name(date(2026, 12, 24)) == "Julafton" and holiday_name(date(2027, 6, 25)) == "Midsommarafton"
    assert next_working_day(date(2027, 3, 26)) == date(2027, 3, 30)  # långfredag → after annandag påsk


@pytest.mark.parametrize("kwargs, field", [
    (dict(recurrence="dates", fixed_dates="31/2"), "fixed_dates"),
    (dict(recurrence="dates", fixed_dates="2020-01-01"), "fixed_dates"),
    (dict(recurrence="dates", fixed_dates="igår"), "fixed_dates"),
    (dict(recurrence="weekly", interval_weeks=0, weekday_number=1), "interval_weeks"),
    (dict(recurrence="weekly", interval_weeks=1, weekday_number=None), "weekday"),
    (dict(recurrence="monthly", weekday_number=1, nth=7), "nth"),
])
def test_a_rule_that_yields_no_date_is_refused_beside_its_field(kwargs, field):
    with pytest.raises(RecurrenceError) as refused:
        occurrences(starts_on=date(2027, 1, 1), until=date(2027, 12, 31), **kwargs)
    assert refused.value.field == field and str(refused.value)


def test_an_end_before_the_start_is_refused():
    with pytest.raises(RecurrenceError) as refused:
        occurrences(recurrence="weekly", starts_on=date(2027, 2, 1), until=date(2027, 1, 1), interval_weeks=1,
                    weekday_number=1)
    assert refused.value.field == "ends_on"


def test_a_moved_single_meeting_keeps_its_place_when_the_series_is_extended(app, orgs, coordinator):
    series = make_series([orgs["ami"]], coordinator, interval_weeks=1, days=21)
    first = series.meetings[0]
    ops.move_meeting(first, on_date=first.on_date + timedelta(days=1), start_time=time(13), place="Rum 2",
                     note="Krockar med utbildningsdag", by=coordinator)
    ops.move_meeting(series.meetings[1], on_date=None, start_time=None, place="", note="Sjukdom", cancel=True,
                     by=coordinator)
    added = ops.extend_series(series, until=series.ends_on + timedelta(days=21), by=coordinator)
    db.session.commit()
    assert len(added) == 3
    meetings = db.session.scalars(db.select(Meeting).order_by(Meeting.scheduled_on)).all()
    assert meetings[0].on_date == meetings[0].scheduled_on + timedelta(days=1)
    assert meetings[0].start_time == time(13) and meetings[0].is_moved
    assert meetings[1].is_cancelled and meetings[1].change_note == "Sjukdom"
    assert len({m.scheduled_on for m in meetings}) == len(meetings) == 7


def test_moving_a_meeting_into_the_past_is_refused(app, orgs, coordinator):
    series = make_series([orgs["ami"]], coordinator)
    with pytest.raises(ops.MeetingError) as refused:
        ops.move_meeting(series.meetings[0], on_date=today() - timedelta(days=1), start_time=time(9), place="",
                         note="", by=coordinator)
    assert refused.value.errors[0][0] == "on_date"


def test_extending_to_a_day_already_planned_is_refused(app, orgs, coordinator):
    series = make_series([orgs["ami"]], coordinator)
    with pytest.raises(ops.MeetingError) as refused:
        ops.extend_series(series, until=series.ends_on - timedelta(days=1), by=coordinator)
    assert refused.value.field == "until"
