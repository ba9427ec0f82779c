"""Record rules: which organisation sees which referral and which side may take which step of the table."""
from __future__ import annotations

from portal.permissions import has
from referrals import workflow

#: The permission each side acts with.
SIDE_PERMISSION = {"sender": "referral.send", "receiver": "referral.handle"}


def side_of(user, referral) -> str | None:
    """"sender" or "receiver" for a user of either organisation (a unit is its own organisation: a kommun does
    not see its units' referrals, nor a unit its kommun's), else None. A draft has no receiver yet."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if user.organisation_id == referral.from_org_id:
        return "sender"
    if user.organisation_id == referral.to_org_id and referral.state != "draft":
        return "receiver"
    return None


def can_see(user, referral) -> bool:
    return has(user, "referral.view") and side_of(user, referral) is not None


def can_send(user) -> bool:
    return has(user, "referral.send")


def can_edit(user, referral) -> bool:
    """Change a draft: the sending organisation's staff who send referrals."""
    return referral.state == "draft" and side_of(user, referral) == "sender" and has(user, "referral.send")


def can_take(user, referral, action: str) -> bool:
    """The table allows `action` now for this type, and the user is of the side that takes it, with its permission.
    (Whether the basis still holds is the operation's question: it answers with a message, not a 403.)"""
    step = workflow.transition(action, referral.state, referral.type)
    return (step is not None and side_of(user, referral) == step.side
            and has(user, SIDE_PERMISSION[step.side]))


def may_take(user, referral, action: str) -> bool:
    """The user's side and permission fit the action whatever the state (for the 403 before the state's message):
    a caseworker of the receiver asking to accept a referral someone just withdrew gets the state, not a 403."""
    sides = {row.side for row in workflow.TRANSITIONS if row.action == action}
    side = side_of(user, referral)
    return side in sides and has(user, SIDE_PERMISSION[side])


def can_comment(user, referral) -> bool:
    """Either side's handlers write in the thread once the referral is sent."""
    return referral.state != "draft" and side_of(user, referral) is not None and has(user, "referral.handle")


def can_assign(user, referral) -> bool:
    """The receiving organisation's coordinator assigns one of its caseworkers while the matter is open."""
    return side_of(user, referral) == "receiver" and has(user, "referral.assign") and \
        referral.state in workflow.OPEN


def can_set_response_time(user, organisation) -> bool:
    return has(user, "referral.assign") and user.organisation_id == organisation.id


def can_continue(user, referral) -> bool:
    """Rest an open referral on a new consent after the old one stopped holding: the sender, who took it."""
    return (side_of(user, referral) == "sender" and has(user, "referral.send")
            and referral.state in workflow.OPEN and workflow.TYPES[referral.type].basis == "consent")


def can_name(user, referral) -> bool:
    """Turn an anonymised consultation into a named referral: the sender, while it is not ended."""
    return (referral.type == "konsultation" and side_of(user, referral) == "sender"
            and has(user, "referral.send") and referral.state not in workflow.ENDED)
