"""Files sent with a referral: PDF, JPEG, PNG or DOCX up to 10 MB, checked by content, read through rule and gate."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import defer

from portal import audit, permissions
from portal.db import db
from portal.uploads import check_document
from referrals import basis, rules, workflow
from referrals.models import Referral, ReferralAttachment

#: At most this many files on one referral (each up to 10 MB): a referral is not an archive.
MAX_FILES = 10


def check_file(filename: str, data: bytes) -> tuple[str, str]:
    """(content type, safe file name) for an accepted file; otherwise a ReferralError on the field "attachment"."""
    from referrals.operations import ReferralError

    return check_document(filename, data, field="attachment", error=ReferralError)


def can_attach(user, referral: Referral) -> bool:
    """The sender while it is a draft or open; the receiver while it holds the matter. Never on a consultation."""
    if referral.type == "konsultation":
        return False
    side = rules.side_of(user, referral)
    if side == "sender":
        return permissions.has(user, "referral.send") and referral.state in ("draft", *workflow.OPEN)
    return side == "receiver" and permissions.has(user, "referral.handle") and referral.state in workflow.OPEN


def add(referral: Referral, *, by, filename: str, data: bytes) -> ReferralAttachment:
    from referrals.operations import ReferralError

    permissions.check_by(by, can_attach, referral, "referral:attach")
    if referral.type == "konsultation":
        raise ReferralError(_l("En anonym konsultation har inga bilagor."), field="attachment")
    content_type, name = check_file(filename, data)
    count = db.session.scalar(select(func.count()).select_from(ReferralAttachment)
                              .where(ReferralAttachment.referral_id == referral.id))
    if count >= MAX_FILES:
        raise ReferralError(_l("En remiss kan ha högst %(n)s bilagor.", n=MAX_FILES), field="attachment")
    org_id = by.organisation_id if by else referral.from_org_id
    row = ReferralAttachment(referral_id=referral.id, organisation_id=org_id,
                             uploaded_by_id=by.id if by else None, filename=name, content_type=content_type,
                             size=len(data), data=data)
    db.session.add(row)
    db.session.flush()
    audit.record("referral.attachment.add", by=by, obj=referral, person_id=referral.person_id,
                 details={"attachment": row.id, "size": row.size})
    return row


def listed(user, referral: Referral) -> list[ReferralAttachment]:
    """The files the user may see on the referral (name, size, type; the data loads only on download): their own
    organisation's always, the other side's while the basis holds and the gate shows the person (as can_open)."""
    rows = db.session.scalars(select(ReferralAttachment).options(defer(ReferralAttachment.data))
                              .where(ReferralAttachment.referral_id == referral.id)
                              .order_by(ReferralAttachment.id)).all()
    theirs_open = None  # asked once, and only when the other side has files: a file's name may name the person

    def shown(row) -> bool:
        nonlocal theirs_open
        if row.organisation_id == user.organisation_id:
            return True
        if theirs_open is None:
            theirs_open = _may_read(user, referral, row) and (referral.person_id is None
                                                              or _person_allowed(user, referral))
        return theirs_open

    return [row for row in rows if shown(row)]


def _may_read(user, referral: Referral, row: ReferralAttachment) -> bool:
    """Its own organisation's file always; the other side's only while the basis holds: a withdrawn consent stops
    what passes between them both ways (the receiver's files are its records, not the sender's)."""
    if row.organisation_id == user.organisation_id:
        return True
    return basis.basis_holds(referral)


def can_open(user, row: ReferralAttachment) -> bool:
    """A side of the referral; the other side's file while the basis holds and the gate shows the person. An
    organisation's own file stays its record after a withdrawal (listed() shows it, so it opens too)."""
    referral = row.referral
    if not rules.can_see(user, referral) or not _may_read(user, referral, row):
        return False
    return (row.organisation_id == user.organisation_id or referral.person_id is None
            or _person_allowed(user, referral))


def _person_allowed(user, referral: Referral) -> bool:
    """The gate, for the user's organisation: the sender holds the person; the receiver sees them for remiss."""
    from portal.people.gate import gate

    return gate(user, referral.person_id, basis.PURPOSE, record=False).allowed


def open_file(row: ReferralAttachment, *, by) -> ReferralAttachment:
    """The file, for a user the rule and the gate let through; each opening is audited."""
    permissions.check_by(by, can_open, row, "referral:attachment", person_id=row.referral.person_id)
    audit.record("referral.attachment.read", by=by, obj=row.referral, person_id=row.referral.person_id,
                 details={"attachment": row.id})
    return row
