"""The meetings' record rules: members see and propose, coordinators manage and write the minutes.

A member is a user of a member organisation of the series (exactly that organisation: case reviews are discussed
there, and a kommun's units are kept apart for case records) or a user named in the series. The role → permission
table stays in portal.permissions; these are the questions views and operations ask of one record.
"""
from __future__ import annotations

from portal.permissions import has


def _logged_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def is_member(user, series) -> bool:
    if not _logged_in(user):
        return False
    return user.organisation_id in series.member_org_ids or user.id in series.member_user_ids


def is_coordinator(user, series) -> bool:
    return _logged_in(user) and user.id in series.coordinator_ids


def can_view(user, series) -> bool:
    """Members (and coordinators) of the series see its meetings, agendas and minutes."""
    return has(user, "meeting.view") and (is_member(user, series) or is_coordinator(user, series))


def can_propose(user, series) -> bool:
    """Any member with meeting.propose may propose an item (the operation checks the deadline)."""
    return has(user, "meeting.propose") and (is_member(user, series) or is_coordinator(user, series))


def can_manage(user, series) -> bool:
    """A coordinator of the series accepts, orders and publishes the agenda and changes dates and members."""
    return has(user, "meeting.manage") and is_coordinator(user, series)


def can_write_minutes(user, series) -> bool:
    return has(user, "minutes.write") and is_coordinator(user, series)


def can_create(user) -> bool:
    """Whoever coordinates meetings may start a series (they become its first coordinator)."""
    return has(user, "meeting.manage")


def can_update_action(user, action) -> bool:
    """The owner (the user, or a user of the owning organisation) or a coordinator marks an action item done."""
    if not _logged_in(user):
        return False
    series = action.meeting.series
    if not can_view(user, series):
        return False
    return (action.owner_user_id == user.id or action.owner_org_id == user.organisation_id
            or can_manage(user, series))
