"""Files sent with a referral: PDF, JPEG, PNG or DOCX up to 10 MB, checked by content, read through rule and gate."""
from __future__ import annotations

import io
import zipfile

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import defer

from portal import audit, permissions
from portal.db import db
from portal.forms import safe_filename
from referrals import basis, rules, workflow
from referrals.models import Referral, ReferralAttachment

MAX_BYTES = 10 * 1024 * 1024
#: At most this many files on one referral (each up to MAX_BYTES): a referral is not an archive.
MAX_FILES = 10
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#: (signature, content type, extension). The name proves nothing: the first bytes decide.
SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)


class AttachmentError(Exception):
    pass


def _is_docx(data: bytes) -> bool:
    """A .docx is a zip with a Word main part; any other zip (or a renamed executable) is not one."""
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return False
    return "[Content_Types].xml" in names and "word/document.xml" in names


def check_file(filename: str, data: bytes) -> tuple[str, str]:
    """(content type, safe file name) for an accepted file; otherwise a RuleError on the field "attachment"."""
    from referrals.operations import ReferralError

    if len(data) > MAX_BYTES:
        raise ReferralError(_l("Filen är för stor. Högst 10 MB per fil."), field="attachment")
    if not data:
        raise ReferralError(_l("Filen är tom. Välj filen igen."), field="attachment")
    stem = safe_filename((filename or "").rsplit(".", 1)[0], "bilaga", max_length=80)
    for signature, content_type, extension in SIGNATURES:
        if data.startswith(signature):
            return content_type, f"{stem}.{extension}"
    if _is_docx(data):
        return DOCX, f"{stem}.docx"
    raise ReferralError(_l("Filen måste vara en PDF, JPEG, PNG eller Word-fil (.docx)."), field="attachment")


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
    organisation's always, the other side's while the basis holds."""
    rows = db.session.scalars(select(ReferralAttachment).options(defer(ReferralAttachment.data))
                              .where(ReferralAttachment.referral_id == referral.id)
                              .order_by(ReferralAttachment.id)).all()
    return [row for row in rows if _may_read(user, referral, row)]


def _may_read(user, referral: Referral, row: ReferralAttachment) -> bool:
    if row.organisation_id == user.organisation_id:
        return True
    return basis.basis_holds(referral) if row.organisation_id == referral.from_org_id else True


def can_open(user, row: ReferralAttachment) -> bool:
    referral = row.referral
    return rules.can_see(user, referral) and _may_read(user, referral, row) and (
        referral.person_id is None or _person_allowed(user, referral))


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
