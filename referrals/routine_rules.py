"""Record rules of routine runs, offerings and action plans: which organisation's staff may see and act on which."""
from __future__ import annotations

from portal.permissions import has


def _works_on(user, run) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False)
                and user.organisation_id in run.org_ids)


def can_see_run(user, run) -> bool:
    """Staff who run routines in the organisation that holds the run, or in one it works with on it."""
    return has(user, "routine.run") and _works_on(user, run)


def can_work_on(user, run) -> bool:
    """Complete, skip, record a meeting or a document: the same people, while the run is going on."""
    return can_see_run(user, run) and run.state == "active"


def can_follow_up(user, run) -> bool:
    """Record a follow-up: staff of the holding organisation while one is due."""
    return has(user, "routine.run") and user.organisation_id == run.organisation_id and run.follow_up_on is not None


def can_start(user) -> bool:
    return has(user, "routine.run")


def can_offer(user, offering=None) -> bool:
    """Offerings, their places and the selection: the offering organisation's coordinator."""
    return has(user, "routine.offer") and (offering is None or user.organisation_id == offering.organisation_id)


def can_write_plan(user, plan=None) -> bool:
    """A plan belongs to the organisation that writes it: its staff with plan.write read and save it."""
    return has(user, "plan.write") and (plan is None or user.organisation_id == plan.organisation_id)
