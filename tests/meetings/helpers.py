"""Plain helpers for the meetings tests: a series made through the same operation the pages use."""
from __future__ import annotations

import re
from datetime import time, timedelta

from meetings import operations as ops
from portal.clock import today
from portal.db import db


def make_series(members, coordinator=None, *, name="Vägen", recurrence="weekly", interval_weeks=2, weekday=None,
                starts_on=None, days=120, **extra):
    """A series whose first meeting is at least a week away (so proposals are open), planned `days` ahead."""
    start = starts_on or today() + timedelta(days=7)
    values = {"name": name, "kind": "arendeforum", "place": "AMI, rum Vägen", "start_time": time(9),
              "length_minutes": 120, "recurrence": recurrence, "interval_weeks": interval_weeks,
              "weekday": start.weekday() if weekday is None else weekday, "holiday_policy": "move",
              "proposal_days": 2, "starts_on": start, "ends_on": start + timedelta(days=days), **extra}
    series = ops.create_series(values=values, member_org_ids=[o.id for o in members],
                               coordinator_ids=[coordinator.id] if coordinator else [], by=None, allow_past=True)
    db.session.commit()
    return series


def text_of(html: str) -> str:
    """The page's words as a reader gets them."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def csrf(html: str) -> str:
    """The page's CSRF token ("" where the tests' settings turn CSRF off)."""
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    return match.group(1) if match else ""
