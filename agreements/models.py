"""The agreement (lokal överenskommelse), its parties, revisions, sections, appendices, routines and goals."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agreements.routine_models import Routine, RoutineStep, RoutineSubStep  # noqa: F401 - one place to import
from portal import clock
from portal.db import UTCDateTime, db, utcnow
from portal.orgs import Organisation

STATES = ("draft", "proposed", "adopted")
OPEN_STATES = ("draft", "proposed")
TARGET_TYPES = ("value", "direction", "milestone")
DIRECTIONS = ("decrease", "increase")


class Agreement(db.Model):
    """A lokal överenskommelse (DUA) between a kommun, Arbetsförmedlingen and possibly others."""

    __tablename__ = "agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: E.g. "Överenskommelse inom Dua – Lekebergs kommun".
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    #: The registry number the parties file it under; free text because formats differ.
    diarienummer: Mapped[str | None] = mapped_column(String(60), nullable=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    parties: Mapped[list[AgreementParty]] = relationship(
        back_populates="agreement", cascade="all, delete-orphan", order_by="AgreementParty.position",
        lazy="selectin")
    revisions: Mapped[list[Revision]] = relationship(
        back_populates="agreement", cascade="all, delete-orphan", order_by="Revision.number")
    goals: Mapped[list[Goal]] = relationship(
        back_populates="agreement", cascade="all, delete-orphan", order_by="Goal.position")

    @property
    def party_org_ids(self) -> set[int]:
        return {p.organisation_id for p in self.parties}

    def latest_adopted(self) -> Revision | None:
        adopted = [r for r in self.revisions if r.is_adopted]
        return adopted[-1] if adopted else None

    def open_revision(self) -> Revision | None:
        return next((r for r in self.revisions if r.state in OPEN_STATES), None)

    def revision_numbered(self, number: int) -> Revision | None:
        return next((r for r in self.revisions if r.number == number), None)


class AgreementParty(db.Model):
    """A part (party) of the agreement: an organisation with its organisationsnummer at the time of signing."""

    __tablename__ = "agreement_parties"
    __table_args__ = (UniqueConstraint("agreement_id", "organisation_id", name="uq_agreement_parties_org"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"), nullable=False,
                                              index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False, index=True)
    #: Name as written in the agreement, e.g. "Arbetsförmedlingen Hallsberg".
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    #: Organisationsnummer NNNNNN-NNNN as written in the agreement.
    orgnr: Mapped[str] = mapped_column(String(11), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    agreement: Mapped[Agreement] = relationship(back_populates="parties")
    organisation: Mapped[Organisation] = relationship(lazy="joined")
    persons: Mapped[list[PartyPerson]] = relationship(
        back_populates="party", cascade="all, delete-orphan", order_by="PartyPerson.position", lazy="selectin")


class PartyPerson(db.Model):
    """A contact person ("kontaktperson") or signatory ("firmatecknare") of a party."""

    __tablename__ = "agreement_party_persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("agreement_parties.id", ondelete="CASCADE"), nullable=False,
                                          index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    #: Job title, e.g. "sektionschef".
    title: Mapped[str | None] = mapped_column(String(200), nullable=True)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    is_signatory: Mapped[bool] = mapped_column(nullable=False, default=False)
    is_contact: Mapped[bool] = mapped_column(nullable=False, default=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    party: Mapped[AgreementParty] = relationship(back_populates="persons")


class Revision(db.Model):
    """A revidering: one numbered version of the agreement, draft → proposed → adopted (then immutable)."""

    __tablename__ = "agreement_revisions"
    __table_args__ = (
        UniqueConstraint("agreement_id", "number", name="uq_agreement_revisions_number"),
        CheckConstraint("state IN ('draft','proposed','adopted')", name="state_known"),
        CheckConstraint("valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from", name="valid_range"),
        # At most one open (draft or proposed) revision per agreement, also under concurrent requests.
        Index("uq_agreement_revisions_one_open", "agreement_id", unique=True,
              sqlite_where=text("state IN ('draft','proposed')"),
              postgresql_where=text("state IN ('draft','proposed')")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"), nullable=False,
                                              index=True)
    #: 1, 2, 3, ... per agreement.
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    state: Mapped[str] = mapped_column(String(20), nullable=False, default="draft")
    #: Bumped on every write; a save carrying an older value is refused (stale edit).
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: When the next revision is due ("en skriftlig revidering genomförs under oktober").
    next_revision_due: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: Where it was signed, e.g. "Fjugesta".
    place: Mapped[str | None] = mapped_column(String(120), nullable=True)
    #: "Ändringar sedan föregående version"; when empty the document uses the computed section diff.
    change_summary: Mapped[str | None] = mapped_column(Text, nullable=True)
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("agreement_revisions.id"), nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_dt: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    proposed_dt: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    adopted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    adopted_dt: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: The date the steering group adopted it (may be before it was recorded).
    adopted_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: The signed, scanned copy (PDF or image), uploaded after adoption.
    scan_filename: Mapped[str | None] = mapped_column(String(200), nullable=True)
    scan_mimetype: Mapped[str | None] = mapped_column(String(100), nullable=True)
    scan_data: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    scan_uploaded_dt: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    agreement: Mapped[Agreement] = relationship(back_populates="revisions")
    sections: Mapped[list[Section]] = relationship(
        back_populates="revision", cascade="all, delete-orphan", order_by="Section.position", lazy="selectin")
    appendices: Mapped[list[Appendix]] = relationship(
        back_populates="revision", cascade="all, delete-orphan", order_by="Appendix.position", lazy="selectin")
    signatories: Mapped[list[Signatory]] = relationship(
        back_populates="revision", cascade="all, delete-orphan", order_by="Signatory.position", lazy="selectin")
    goal_links: Mapped[list[RevisionGoal]] = relationship(
        back_populates="revision", cascade="all, delete-orphan", order_by="RevisionGoal.position",
        lazy="selectin")
    comments: Mapped[list[RevisionComment]] = relationship(
        back_populates="revision", cascade="all, delete-orphan", order_by="RevisionComment.created_dt")
    adopted_by = relationship("User", foreign_keys=[adopted_by_id])
    proposed_by = relationship("User", foreign_keys=[proposed_by_id])
    #: Each party's approval; the revision is adopted when every party has approved it.
    # Named by string: the approval and the stored .docx live in revision_files, which imports this module.
    approvals = relationship("PartyApproval", back_populates="revision", cascade="all, delete-orphan",
                             order_by="PartyApproval.id", lazy="selectin")
    #: The .docx as adopted; loaded only when it is downloaded.
    adopted_document = relationship("AdoptedDocument", back_populates="revision", cascade="all, delete-orphan",
                                    uselist=False, lazy="select")

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_draft(self) -> bool:
        """Only a draft can be edited."""
        return self.state == "draft"

    @property
    def is_proposed(self) -> bool:
        """Proposed for adoption: the steering group comments and adopts; back to draft to edit."""
        return self.state == "proposed"

    @property
    def is_adopted(self) -> bool:
        """Adopted revisions are immutable, except for the signed scan uploaded afterwards."""
        return self.state == "adopted"

    @property
    def replaced_by(self) -> Revision | None:
        """The adopted revision that replaced this adopted one ("Ersatt"), if a later one was adopted."""
        if not self.is_adopted:
            return None
        return next((r for r in self.agreement.revisions if r.is_adopted and r.number > self.number), None)

    def has_expired(self, today: date | None = None) -> bool:
        """Its period of validity has ended ("Giltig till 2017-12-31 — har gått ut")."""
        return self.valid_to is not None and self.valid_to < (today or clock.today())

    def approval_of(self, party: AgreementParty):
        """The party's PartyApproval of this revision, or None."""
        return next((a for a in self.approvals if a.party_id == party.id), None)

    def parties_still_to_approve(self) -> list[AgreementParty]:
        approved = {a.party_id for a in self.approvals}
        return [p for p in self.agreement.parties if p.id not in approved]


class Section(db.Model):
    """One section ("avsnitt") of a revision: title and text; order and titles come from the data."""

    __tablename__ = "agreement_sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("agreement_revisions.id", ondelete="CASCADE"),
                                             nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: A stable key that survives renaming, so revisions compare section by section (e.g. "mal").
    key: Mapped[str] = mapped_column(String(60), nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    #: Plain text: paragraphs separated by a blank line, bullet lines start with "- ".
    body: Mapped[str] = mapped_column(Text, nullable=False, default="")

    revision: Mapped[Revision] = relationship(back_populates="sections")


class Appendix(db.Model):
    """A bilaga of a revision; its number is whatever the revision says ("1", "3b"), never computed."""

    __tablename__ = "agreement_appendices"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("agreement_revisions.id", ondelete="CASCADE"),
                                             nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    key: Mapped[str] = mapped_column(String(60), nullable=False)
    number: Mapped[str] = mapped_column(String(20), nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False, default="")

    revision: Mapped[Revision] = relationship(back_populates="appendices")
    routines: Mapped[list[Routine]] = relationship(
        back_populates="appendix", cascade="all, delete-orphan", order_by="Routine.position", lazy="selectin")


class Signatory(db.Model):
    """A signature line of a revision (name, title, organisation, date)."""

    __tablename__ = "agreement_signatories"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("agreement_revisions.id", ondelete="CASCADE"),
                                             nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    organisation: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    signed_on: Mapped[date | None] = mapped_column(Date, nullable=True)

    revision: Mapped[Revision] = relationship(back_populates="signatories")


class Goal(db.Model):
    """A mål of the agreement; lives beside the revisions so measured values keep coming in."""

    __tablename__ = "agreement_goals"
    __table_args__ = (
        CheckConstraint("target_type IN ('value','direction','milestone')", name="target_type_known"),
        CheckConstraint("target_direction IS NULL OR target_direction IN ('decrease','increase')",
                        name="direction_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"), nullable=False,
                                              index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: What is measured or what shall have happened, e.g. "Arbetslöshet bland unga i kommunen".
    indicator: Mapped[str] = mapped_column(String(300), nullable=False)
    #: Unit of the measured values, e.g. "%"; empty for milestones.
    unit: Mapped[str | None] = mapped_column(String(40), nullable=True)
    #: How many decimals the figures are shown with.
    decimals: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    baseline_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 4), nullable=True)
    baseline_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: "value" (reach target_value by target_date), "direction" (decrease/increase by target_date), "milestone".
    target_type: Mapped[str] = mapped_column(String(20), nullable=False)
    target_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 4), nullable=True)
    target_direction: Mapped[str | None] = mapped_column(String(20), nullable=True)
    target_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: The goal as worded in the agreement.
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    #: Milestones: the date it was checked off, by whom, and a note.
    achieved_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    achieved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    achieved_note: Mapped[str | None] = mapped_column(Text, nullable=True)

    agreement: Mapped[Agreement] = relationship(back_populates="goals")
    measurements: Mapped[list[Measurement]] = relationship(
        back_populates="goal", cascade="all, delete-orphan", order_by="Measurement.measured_on", lazy="selectin")

    @property
    def latest(self) -> Measurement | None:
        return self.measurements[-1] if self.measurements else None


class Measurement(db.Model):
    """A measured value ("utfall") of a goal on a date."""

    __tablename__ = "agreement_goal_measurements"
    __table_args__ = (UniqueConstraint("goal_id", "measured_on", name="uq_agreement_goal_measurements_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("agreement_goals.id", ondelete="CASCADE"), nullable=False,
                                         index=True)
    measured_on: Mapped[date] = mapped_column(Date, nullable=False)
    value: Mapped[Decimal] = mapped_column(Numeric(14, 4), nullable=False)
    #: "manual" or "csv".
    source: Mapped[str] = mapped_column(String(20), nullable=False, default="manual")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    entered_dt: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    goal: Mapped[Goal] = relationship(back_populates="measurements")


class RevisionGoal(db.Model):
    """A goal as part of a revision; on adoption its wording and targets are frozen into `frozen`."""

    __tablename__ = "agreement_revision_goals"
    __table_args__ = (UniqueConstraint("revision_id", "goal_id", name="uq_agreement_revision_goals_goal"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("agreement_revisions.id", ondelete="CASCADE"),
                                             nullable=False, index=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("agreement_goals.id", ondelete="CASCADE"), nullable=False,
                                         index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: JSON snapshot (indicator, unit, baseline, target) taken when the revision was adopted.
    frozen: Mapped[str | None] = mapped_column(Text, nullable=True)

    revision: Mapped[Revision] = relationship(back_populates="goal_links")
    goal: Mapped[Goal] = relationship(lazy="joined")


class RevisionComment(db.Model):
    """A comment by a steering-group member on a proposed revision."""

    __tablename__ = "agreement_revision_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("agreement_revisions.id", ondelete="CASCADE"),
                                             nullable=False, index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    revision: Mapped[Revision] = relationship(back_populates="comments")
    author = relationship("User", lazy="joined")
    organisation: Mapped[Organisation] = relationship(lazy="joined")

