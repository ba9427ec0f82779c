"""Files on an agenda item (bilagor): PDF, JPEG, PNG or DOCX up to 10 MB, checked by content; a case item's files
are read only by those who may see the case (the same gate as its text)."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from meetings import agenda, rules
from meetings.operations import MeetingError
from portal import audit
from portal.db import UTCDateTime, db, utcnow
from portal.permissions import check_by
from portal.uploads import check_document

MAX_FILES = 10


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


def check_file(filename: str, data: bytes) -> tuple[str, str]:
    """(content type, safe file name), or a refusal beside the field "file"."""
    return check_document(filename, data, field="file", error=MeetingError,
                          empty_message=_l("Välj en fil att bifoga."))


def can_attach(user, item) -> bool:
    """The coordinators, and the organisation that proposed the item while the agenda is open for proposals."""
    series = item.meeting.series
    return rules.can_manage(user, series) or (rules.can_propose(user, series)
                                              and item.proposed_by_org_id == user.organisation_id
                                              and agenda.is_open_for_proposals(item.meeting))


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
