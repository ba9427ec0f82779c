"""Record rules of routine runs, offerings and action plans: which organisation's staff may see and act on which.

The organisation that holds a run sees it whatever happens (the gate then decides whether it sees the person's
name and what was typed about them); a partner organisation sees it, and works on it, only while the consent gate
shows it the person for coordination (`samordning`): a withdrawn or expired consent shuts it out at once.
"""
from __future__ import annotations

from portal.permissions import has

PURPOSE = "samordning"


def _staff(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def holds(user, run) -> bool:
    """Staff of the organisation that holds (started) the run."""
    return _staff(user) and user.organisation_id == run.organisation_id


def gate_allows(user, run) -> bool:
    """The consent gate shows the user's organisation the run's person for coordination now (identity only: the
    same view the run page and the lists ask for, so a page asks once)."""
    from portal.people.gate import gate

    return gate(user, run.person_id, PURPOSE, record=False, records=False).allowed


def can_see_run(user, run) -> bool:
    """Staff who run routines in the organisation that holds the run; in a partner organisation only while the
    gate shows it the person for coordination."""
    if not (has(user, "routine.run") and _staff(user) and user.organisation_id in run.org_ids):
        return False
    return holds(user, run) or gate_allows(user, run)


def can_act_on(user, run) -> bool:
    """Take a step, record a meeting, a note or a document: only about a person the gate shows the user's
    organisation (the holder too: what it types would be about someone it may not see)."""
    return can_see_run(user, run) and gate_allows(user, run)


def can_work_on(user, run) -> bool:
    """The same, while the run is going on (the page offers its forms only then)."""
    return run.state == "active" and can_act_on(user, run)


def can_stop(user, run) -> bool:
    """Stop a run that is going on: its holder's staff (also once the consent is gone: that is when a run is
    stopped), or a partner's while the gate shows it the person."""
    return run.state == "active" and can_see_run(user, run)


def can_open_document(user, run) -> bool:
    """A document's file: only while the gate shows the person (a file names the person, as its title may)."""
    return can_act_on(user, run)


def can_follow_up(user, run) -> bool:
    """Record a follow-up: staff of the holding organisation while one is due."""
    return has(user, "routine.run") and holds(user, run) and run.follow_up_on is not None


def can_start(user) -> bool:
    return has(user, "routine.run")


def can_offer(user, offering=None) -> bool:
    """Offerings, their places and the selection: the offering organisation's coordinator."""
    return has(user, "routine.offer") and (offering is None or user.organisation_id == offering.organisation_id)


def can_write_plan(user, plan=None) -> bool:
    """A plan belongs to the organisation that writes it: its staff with plan.write read and save it."""
    return has(user, "plan.write") and (plan is None or user.organisation_id == plan.organisation_id)
