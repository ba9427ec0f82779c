"""The agreement's record rules: which party staff may see, read, revise, adopt or comment on what.

Each rule is a question a loader or an operation asks; the role → permission table stays in portal.permissions.

Who counts as "staff of a party": users of a party organisation AND users of its units (a kommun's AMI, IFO,
school). The agreement binds the kommun as a whole and its units carry it out (AMI runs the routines, the school
holds KAA); the agreement holds no personal data, so the secrecy between a kommun's branches that keeps units apart
for case records does not apply here. Only that one step up is followed (portal.permissions.works_for).
"""
from __future__ import annotations

from portal.permissions import has, works_for

#: Who works with drafts and proposals: those who write, adopt or comment on them.
DRAFT_READERS = ("agreement.revise", "agreement.adopt", "agreement.comment")


def can_see(user, agreement) -> bool:
    """Party staff see the agreement: its parties, goals and the revisions they may read."""
    return works_for(user, agreement.party_org_ids)


def can_read(user, revision) -> bool:
    """Party staff read adopted revisions; drafts and proposals only those who revise, adopt or comment on them."""
    if not can_see(user, revision.agreement):
        return False
    if revision.is_adopted:
        return has(user, "agreement.read")
    return any(has(user, permission) for permission in DRAFT_READERS)


def readable_revisions(user, agreement) -> list:
    """The agreement's revisions this user may read, oldest first."""
    return [revision for revision in agreement.revisions if can_read(user, revision)]


def can_create(user) -> bool:
    """Whoever revises agreements may start a new one (their own organisation must be among the parties)."""
    return has(user, "agreement.revise")


def is_among_parties(user, organisations) -> bool:
    """The user works for one of these organisations (or a unit of one): a new agreement must bind their own."""
    return works_for(user, {organisation.id for organisation in organisations})


def can_revise(user, agreement) -> bool:
    """Coordinators of a party write drafts, propose them and keep the goals and measured values."""
    return has(user, "agreement.revise") and can_see(user, agreement)


def can_adopt(user, agreement) -> bool:
    """Steering-group members of a party record the adoption."""
    return has(user, "agreement.adopt") and can_see(user, agreement)


def can_comment(user, revision) -> bool:
    """Steering-group members of every party may comment while a revision is proposed."""
    return revision.is_proposed and has(user, "agreement.comment") and can_see(user, revision.agreement)


def can_upload_scan(user, revision) -> bool:
    """Whoever revises or adopts the agreement may attach the signed copy (the operation wants it adopted)."""
    return can_revise(user, revision.agreement) or can_adopt(user, revision.agreement)


def party_of(user, agreement):
    """The party a user acts for: their own organisation's, else the kommun's they are a unit of (or None)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    org = user.organisation
    by_org = {party.organisation_id: party for party in agreement.parties}
    return by_org.get(org.id) or (by_org.get(org.parent_id) if org.parent_id else None)


def can_record_decision(user, agreement) -> bool:
    """Coordinators of a party record the signed decision of a party that has no steering-group member in the
    portal (the operation checks that the party has none)."""
    return can_revise(user, agreement)
