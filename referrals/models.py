"""Referrals (remiss/överlämning) between organisations: the referral, its timeline, comments and attachments."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.db import UTCDateTime, db, utcnow
from portal.orgs import Organisation
from portal.people.models import Consent, Person


def _in(column: str, values) -> str:
    return f"{column} IN ({','.join(repr(v) for v in values)})"


#: Every state, in the order of the flow; referrals/workflow.py holds the transitions between them.
STATES = ("draft", "submitted", "received", "accepted", "declined", "closed", "withdrawn")
#: Keys of workflow.TYPES (kept here too so the CHECK constraint is written from one list).
TYPE_KEYS = ("overlamning", "insats", "stod", "studieavbrott", "orosanmalan", "konsultation")
URGENCIES = ("normal", "skyndsam", "akut")
OUTCOMES = ("studier", "arbete", "praktik", "annan_insats", "avbojt", "flyttat", "annat")


class Referral(db.Model):
    """A remiss/överlämning from one organisation to another about a young person (or none: a consultation)."""

    __tablename__ = "referrals"
    __table_args__ = (
        CheckConstraint(_in("state", STATES), name="state_known"),
        CheckConstraint(_in("type", TYPE_KEYS), name="type_known"),
        CheckConstraint(_in("urgency", URGENCIES), name="urgency_known"),
        CheckConstraint("outcome IS NULL OR " + _in("outcome", OUTCOMES), name="outcome_known"),
        CheckConstraint("from_org_id <> to_org_id", name="not_to_itself"),
        UniqueConstraint("from_org_id", "form_key", name="uq_referrals_form_key"),
        # A consultation carries no person; every other type names one.
        CheckConstraint("(type = 'konsultation') = (person_id IS NULL)", name="person_iff_named"),
        # The inbox: an organisation's incoming and outgoing referrals by state and by due day, newest first.
        Index("ix_referrals_to_state", "to_org_id", "state", "due_on"),
        Index("ix_referrals_to_created", "to_org_id", "created_dt"),
        Index("ix_referrals_from_state", "from_org_id", "state", "due_on"),
        Index("ix_referrals_from_created", "from_org_id", "created_dt"),
        Index("ix_referrals_assignee_state", "assignee_id", "state"),
        Index("ix_referrals_person", "person_id"),
        Index("ix_referrals_consent", "consent_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Counts every change of state or content; a form or an API call that saw another version is refused.
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    #: Key of workflow.TYPES: it carries the legal basis (consent, a duty to inform, or none).
    type: Mapped[str] = mapped_column(String(20), nullable=False)
    state: Mapped[str] = mapped_column(String(12), nullable=False, default="draft")
    from_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False)
    to_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False)
    #: None only for an anonymised consultation.
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), nullable=True)
    #: The consent the referral relies on (consent-based types), fixed when it is sent or continued.
    consent_id: Mapped[int | None] = mapped_column(ForeignKey("consents.id"), nullable=True)
    #: Keys of portal.people.vocabulary.CATEGORIES the referral shares; the consent must cover each.
    categories: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    #: Why the person is referred (the sender's part).
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    #: What help the receiver is asked for (the sender's part).
    help_requested: Mapped[str] = mapped_column(Text, nullable=False, default="")
    urgency: Mapped[str] = mapped_column(String(10), nullable=False, default="normal")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    #: Why it was declined (required), and the outcome and its note when closed (outcome required).
    decline_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    outcome: Mapped[str | None] = mapped_column(String(15), nullable=True)
    outcome_note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    #: The Swedish day it was sent; the response time counts working days from it.
    submitted_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: The last working day for accepting or declining (the receiver's response time when it was sent).
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: The Swedish day it stopped being the receiver's matter (declined, closed, withdrawn).
    ended_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: When the consent it relies on stopped holding (withdrawn or expired) while it was open.
    consent_lost_dt: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: The random key of the form that created it: the same form posted twice makes one referral.
    form_key: Mapped[str | None] = mapped_column(String(40), nullable=True)
    #: When an anonymised consultation became a named referral.
    named_dt: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    from_org: Mapped[Organisation] = relationship(foreign_keys=[from_org_id], lazy="joined")
    to_org: Mapped[Organisation] = relationship(foreign_keys=[to_org_id], lazy="joined")
    person: Mapped[Person | None] = relationship()
    consent: Mapped[Consent | None] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    events: Mapped[list[ReferralEvent]] = relationship(
        back_populates="referral", cascade="all, delete-orphan", order_by="ReferralEvent.id")
    comments: Mapped[list[ReferralComment]] = relationship(
        back_populates="referral", cascade="all, delete-orphan", order_by="ReferralComment.id")
    attachments: Mapped[list[ReferralAttachment]] = relationship(
        back_populates="referral", cascade="all, delete-orphan", order_by="ReferralAttachment.id")

    __mapper_args__ = {"version_id_col": version}

    @property
    def reference(self) -> str:
        """The neutral reference staff quote on the phone and that mail carries: "R-000123"."""
        return reference_of(self.id)

    def org_ids(self) -> set[int]:
        return {self.from_org_id, self.to_org_id}


def reference_of(referral_id: int | None) -> str:
    return f"R-{referral_id:06d}" if referral_id is not None else ""


def id_of_reference(text: str) -> int | None:
    """The id a typed reference names ("R-000123", "r123", "123"), or None when it names none."""
    digits = (text or "").strip().upper().removeprefix("R").lstrip("-").strip()
    return int(digits) if digits.isascii() and digits.isdigit() and 0 < int(digits) < 2**31 else None


class ReferralEvent(db.Model):
    """One step of a referral's timeline: who, from which organisation, when, from which state to which."""

    __tablename__ = "referral_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), nullable=False,
                                             index=True)
    #: A workflow action ("submit", "receive", "accept", ...) or "assign", "consent_lost", "continue", "name".
    action: Mapped[str] = mapped_column(String(20), nullable=False)
    from_state: Mapped[str] = mapped_column(String(12), nullable=False)
    to_state: Mapped[str] = mapped_column(String(12), nullable=False)
    #: None for the portal itself (a consent withdrawn, a daily job).
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    by_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), nullable=True)
    at_dt: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    #: The decline reason, the outcome's note, the assignee's name: what the step said, shown in the timeline.
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")

    referral: Mapped[Referral] = relationship(back_populates="events")
    by: Mapped[User | None] = relationship()
    by_org: Mapped[Organisation | None] = relationship()


class ReferralComment(db.Model):
    """A message in the referral's thread, seen by both sides (the sender's part while the basis holds)."""

    __tablename__ = "referral_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), nullable=False,
                                             index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    #: The organisation the author wrote for: its own record.
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    referral: Mapped[Referral] = relationship(back_populates="comments")
    author: Mapped[User | None] = relationship()
    organisation: Mapped[Organisation] = relationship()


class ReferralAttachment(db.Model):
    """A file sent with a referral (PDF, JPEG, PNG or DOCX, at most 10 MB), kept in the database as scans are."""

    __tablename__ = "referral_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), nullable=False,
                                             index=True)
    #: The organisation that attached it: its record, shown to the other side only while the basis holds.
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    #: The name as uploaded, made safe (portal.forms.safe_filename); the download header encodes it.
    filename: Mapped[str] = mapped_column(String(200), nullable=False)
    content_type: Mapped[str] = mapped_column(String(80), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    referral: Mapped[Referral] = relationship(back_populates="attachments")


class ResponseTime(db.Model):
    """An organisation's response time for referrals it receives, in working days (set by its coordinator)."""

    __tablename__ = "referral_response_times"
    __table_args__ = (CheckConstraint("working_days BETWEEN 1 AND 60", name="days_in_range"),)

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    working_days: Mapped[int] = mapped_column(Integer, nullable=False, default=5)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    changed_dt: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)
