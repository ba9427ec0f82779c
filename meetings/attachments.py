"""Files on an agenda item (bilagor): PDF, JPEG, PNG or DOCX up to 10 MB, checked by content; a case item's files
are read only by those who may see the case (the same gate as its text)."""
from __future__ import annotations

import io
import zipfile
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from meetings import rules
from meetings.operations import MeetingError
from portal import audit
from portal.db import UTCDateTime, db, utcnow
from portal.forms import safe_filename
from portal.permissions import check_by

MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 10
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#: (signature, content type, extension): the first bytes decide, never the name.
SIGNATURES = ((b"%PDF-", "application/pdf", "pdf"), (b"\xff\xd8\xff", "image/jpeg", "jpg"),
              (b"\x89PNG\r\n\x1a\n", "image/png", "png"))


class AgendaAttachment(db.Model):
    """A file on an agenda item, kept in the database (as consent scans are)."""

    __tablename__ = "meeting_agenda_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("meeting_agenda_items.id", ondelete="CASCADE"), nullable=False,
                                         index=True)
    filename: Mapped[str] = mapped_column(String(120), nullable=False)
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    #: Loaded only when the file is downloaded.
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    uploaded_dt: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    item = relationship("AgendaItem", back_populates="attachments")


def _is_docx(data: bytes) -> bool:
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return False
    return "[Content_Types].xml" in names and "word/document.xml" in names


def check_file(filename: str, data: bytes) -> tuple[str, str]:
    """(content type, safe file name), or a refusal beside the field "file"."""
    if len(data) > MAX_BYTES:
        raise MeetingError(_l("Filen är för stor. Högst 10 MB per fil."), field="file")
    if not data:
        raise MeetingError(_l("Välj en fil att bifoga."), field="file")
    stem = safe_filename((filename or "").rsplit(".", 1)[0], "bilaga", max_length=80)
    for signature, content_type, extension in SIGNATURES:
        if data.startswith(signature):
            return content_type, f"{stem}.{extension}"
    if _is_docx(data):
        return DOCX, f"{stem}.docx"
    raise MeetingError(_l("Filen måste vara en PDF, JPEG, PNG eller Word-fil (.docx)."), field="file")


def can_attach(user, item) -> bool:
    """The coordinators, and the organisation that proposed the item while the agenda is open for proposals."""
    series = item.meeting.series
    return rules.can_manage(user, series) or (rules.can_propose(user, series)
                                              and item.proposed_by_org_id == user.organisation_id)


def add(item, *, filename: str, data: bytes, by) -> AgendaAttachment:
    check_by(by, can_attach, item, "meeting:attach")
    if len(item.attachments) >= MAX_FILES:
        raise MeetingError(_l("Högst %(n)s filer per punkt.", n=MAX_FILES), field="file")
    content_type, name = check_file(filename, data or b"")
    attachment = AgendaAttachment(item=item, filename=name, content_type=content_type, size=len(data),
                                  data=data, uploaded_by_id=by.id if by is not None else None)
    db.session.add(attachment)
    db.session.flush()
    audit.record("meeting.attachment.add", by=by, obj=item, person_id=item.person_id)
    return attachment
