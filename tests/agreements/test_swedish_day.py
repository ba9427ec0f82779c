"""One today() for the portal: at 00:17 Swedish time (23:17 UTC) it is already the next day everywhere."""
from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from docx import Document

from agreements import adoption, document
from agreements import goal_operations as goal_ops
from agreements import operations as ops
from portal import clock
from portal.db import db
from portal.people import identity

#: 23:17 UTC on 14 March 2026 is 00:17 on 15 March in Stockholm (CET, UTC+1).
FROZEN_UTC = datetime(2026, 3, 14, 23, 17, tzinfo=UTC)
SWEDISH_DAY = date(2026, 3, 15)


class _FrozenDatetime(datetime):
    @classmethod
    def now(cls, tz=None):
        return FROZEN_UTC.astimezone(tz) if tz else FROZEN_UTC.replace(tzinfo=None)


@pytest.fixture
def just_after_midnight(monkeypatch):
    monkeypatch.setattr(clock, "datetime", _FrozenDatetime)


def test_today_is_the_swedish_date_and_the_old_import_still_works(just_after_midnight):
    assert clock.today() == SWEDISH_DAY
    assert identity.today() == SWEDISH_DAY  # re-exported for the code that imports it from there


def test_adoption_on_the_swedish_today_is_not_in_the_future(proposed, just_after_midnight):
    revision = proposed.revisions[1]
    with pytest.raises(ops.AgreementError, match="framtiden"):
        adoption.adopt(revision, adopted_on=date(2026, 3, 16), by=None)
    adoption.adopt(revision, adopted_on=SWEDISH_DAY, by=None)
    assert revision.is_adopted and revision.adopted_on == SWEDISH_DAY


def test_a_milestone_checked_off_today_keeps_the_swedish_date(lekeberg, just_after_midnight):
    goal = goal_ops.create_goal(lekeberg, indicator="Arbetsgrupp bildad", unit=None, target_type="milestone",
                                target_date=date(2026, 6, 30), by=None)
    goal_ops.check_off_milestone(goal, achieved_on=SWEDISH_DAY, by=None)
    assert goal.achieved_on == SWEDISH_DAY
    with pytest.raises(ops.AgreementError, match="framtiden"):
        goal_ops.check_off_milestone(goal, achieved_on=date(2026, 3, 16), by=None)


def test_the_draft_document_is_dated_the_swedish_day_it_was_saved(lekeberg):
    draft = lekeberg.revisions[1]
    draft.updated_dt = FROZEN_UTC
    db.session.flush()
    text = "\n".join(p.text for p in Document(io.BytesIO(document.to_bytes(draft))).paragraphs)
    assert "Datum: 15 mars 2026" in text and "14 mars 2026" not in text


def test_no_code_takes_the_date_of_the_servers_clock_or_of_utc():
    """Every "today" comes from portal.clock: a date.today() or a UTC moment's .date() would be the day before
    between midnight and 01:00 or 02:00 Swedish time."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    wrong = re.compile(r"date\.today\(\)|datetime\.today\(\)|utcnow\(\)\.date\(\)|now\((?:tz=)?UTC\)\.date\(\)|"
                       r"now\(timezone\.utc\)\.date\(\)")
    found = [f"{path.relative_to(root)}:{number}" for folder in ("portal", "agreements")
             for path in sorted((root / folder).rglob("*.py"))
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if wrong.search(line)]
    assert found == []
