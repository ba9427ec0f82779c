"""Files kept beside a revision: each party's approval (with its signed decision), the .docx as adopted, and an
uploaded .docx waiting for the user to confirm its import."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Date, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import UTCDateTime, db, utcnow

if TYPE_CHECKING:
    from agreements.models import AgreementParty, Revision


class PartyApproval(db.Model):
    """One party's approval ("godkännande") of a revision: by a steering-group member of the party in the portal
    ("member"), or recorded by a coordinator from the party's signed decision with its scan ("recorded")."""

    __tablename__ = "agreement_party_approvals"
    __table_args__ = (
        UniqueConstraint("revision_id", "party_id", name="uq_agreement_party_approvals_party"),
        CheckConstraint("kind IN ('member','recorded')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("agreement_revisions.id", ondelete="CASCADE"),
                                             nullable=False, index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("agreement_parties.id", ondelete="CASCADE"), nullable=False,
                                          index=True)
    #: "member" (a steering-group member of the party approved in the portal) or "recorded" (its decision).
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    #: The date of the party's decision.
    decided_on: Mapped[date] = mapped_column(Date, nullable=False)
    #: Who approved or recorded it; None for a trusted script.
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    #: The party's signed decision (PDF or image) when a coordinator recorded it.
    scan_filename: Mapped[str | None] = mapped_column(String(200), nullable=True)
    scan_mimetype: Mapped[str | None] = mapped_column(String(100), nullable=True)
    scan_data: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)

    revision: Mapped[Revision] = relationship(back_populates="approvals")
    #: Loaded from the session (the agreement's parties are there already), not joined: a joined load would
    #: load each party's persons a second time.
    party: Mapped[AgreementParty] = relationship(lazy="select")
    by = relationship("User", lazy="select")


class AdoptedDocument(db.Model):
    """The .docx of an adopted revision, written once when it was adopted and served byte for byte ever after.

    What the parties adopted must not change when goals, measured values, organisations or this code change.
    """

    __tablename__ = "agreement_adopted_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("agreement_revisions.id", ondelete="CASCADE"),
                                             nullable=False, unique=True)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False, deferred=True)
    #: Hex SHA-256 of `data`, also written to the audit trail at adoption, so the file can be shown unchanged.
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    revision: Mapped[Revision] = relationship(back_populates="adopted_document")


class PendingImport(db.Model):
    """An uploaded .docx shown as a preview; imported into the draft only when the same user confirms it."""

    __tablename__ = "agreement_pending_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: A random token the confirm form carries, so one preview cannot be confirmed for another.
    token: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("agreement_revisions.id", ondelete="CASCADE"),
                                             nullable=False, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    filename: Mapped[str] = mapped_column(String(200), nullable=False)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False, deferred=True)
    #: The draft's version when the preview was made: a draft changed since is previewed again.
    revision_version: Mapped[int] = mapped_column(nullable=False)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
