"""A person's run through a routine (RoutineRun, RunStep, RunDocument), offerings with places and candidates,
and the individual action plan with its versions."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.db import UTCDateTime, db, utcnow
from portal.orgs import Organisation

RUN_STATES = ("active", "done", "stopped")
STEP_STATES = ("not_started", "in_progress", "done", "skipped")
CANDIDATE_STATES = ("candidate", "selected", "waiting", "left")


def _in(column: str, values) -> str:
    return f"{column} IN ({','.join(repr(v) for v in values)})"


class RoutineRun(db.Model):
    """A person's progress through one routine of an adopted revision ("rutin", e.g. utbildningskontrakt)."""

    __tablename__ = "routine_runs"
    __table_args__ = (
        CheckConstraint(_in("state", RUN_STATES), name="state_known"),
        # The board: an organisation's runs of a routine by where they stand; "mina uppföljningar": by owner.
        Index("ix_routine_runs_org_routine", "organisation_id", "routine_key", "state", "current"),
        Index("ix_routine_runs_owner_follow_up", "owner_id", "follow_up_on"),
        Index("ix_routine_runs_person", "person_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Counts every change; a form that saw another version is refused.
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), nullable=False)
    #: The organisation that holds the run (started it); its staff and the partners' work on it.
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False)
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id"), nullable=True)
    #: The agreement and the adopted revision whose routine the run follows; it stays on it.
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"), nullable=False)
    revision_id: Mapped[int] = mapped_column(ForeignKey("agreement_revisions.id"), nullable=False)
    routine_key: Mapped[str] = mapped_column(String(60), nullable=False)
    state: Mapped[str] = mapped_column(String(10), nullable=False, default="active")
    #: Label of the current step of the main path ("3.1"); empty when the run has ended.
    current: Mapped[str] = mapped_column(String(10), nullable=False, default="")
    #: The caseworker who follows the run ("mina uppföljningar").
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    #: When the next follow-up is due (set by a step with follow-up days); None when none is due.
    follow_up_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    started_dt: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    ended_dt: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: Why the run was stopped ("avbruten") and by whom; empty while it is not.
    stop_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    stopped_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    #: The person's age on the day the run started, kept when it lay outside the routine's age range (the
    #: caseworker started it anyway: shown on the run page and audited); None when inside or unknown.
    age_outside: Mapped[int | None] = mapped_column(Integer, nullable=True)

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    owner: Mapped[User] = relationship(lazy="joined", foreign_keys="RoutineRun.owner_id")
    stopped_by: Mapped[User | None] = relationship(lazy="joined", foreign_keys="RoutineRun.stopped_by_id")
    #: The other organisations involved (e.g. the referral's sender): a consent must name them all.
    partners: Mapped[list[RunPartner]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    steps: Mapped[list[RunStep]] = relationship(back_populates="run", cascade="all, delete-orphan",
                                                order_by="RunStep.id", lazy="selectin")
    documents: Mapped[list[RunDocument]] = relationship(back_populates="run", cascade="all, delete-orphan",
                                                        order_by="RunDocument.id", lazy="selectin")

    __mapper_args__ = {"version_id_col": version}

    @property
    def partner_ids(self) -> list[int]:
        return sorted(p.organisation_id for p in self.partners)

    @property
    def org_ids(self) -> set[int]:
        return {self.organisation_id, *self.partner_ids}

    def step(self, label: str) -> RunStep | None:
        return next((s for s in self.steps if s.label == label), None)


class RunPartner(db.Model):
    """Another organisation that works on a run (e.g. Arbetsförmedlingen on a run the kommun holds)."""

    __tablename__ = "routine_run_partners"
    __table_args__ = (Index("ix_routine_run_partners_org", "organisation_id", "run_id"),)

    run_id: Mapped[int] = mapped_column(ForeignKey("routine_runs.id", ondelete="CASCADE"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)


class RunStep(db.Model):
    """Where a run stands at one step or sub-step: state, who completed it when, note, meeting date, reason."""

    __tablename__ = "routine_run_steps"
    __table_args__ = (
        UniqueConstraint("run_id", "label", name="uq_routine_run_steps_label"),
        CheckConstraint(_in("state", STEP_STATES), name="state_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("routine_runs.id", ondelete="CASCADE"), nullable=False)
    #: The step's label in the routine ("4", "3.1").
    label: Mapped[str] = mapped_column(String(10), nullable=False)
    state: Mapped[str] = mapped_column(String(12), nullable=False, default="not_started")
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    #: Why it was skipped, or why the person was "tveksam" (a branch taken, the latest reason).
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    #: How often a branch was taken.
    times: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: The meeting date recorded for the step (a prerequisite of some steps).
    meeting_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    done_dt: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    run: Mapped[RoutineRun] = relationship(back_populates="steps")
    done_by: Mapped[User | None] = relationship(lazy="joined")


class RunDocument(db.Model):
    """A document of a named kind recorded on a run (studieplan, betyg, signed contract): what, when, by whom."""

    __tablename__ = "routine_run_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("routine_runs.id", ondelete="CASCADE"), nullable=False,
                                        index=True)
    #: agreements.routine_models.DOCUMENT_KINDS.
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    dated_on: Mapped[date] = mapped_column(Date, nullable=False)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    recorded_dt: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    #: The file itself, when one was uploaded (PDF, JPEG, PNG or DOCX by content, 10 MB: portal.uploads); the
    #: bytes load only on download.
    filename: Mapped[str | None] = mapped_column(String(200), nullable=True)
    content_type: Mapped[str | None] = mapped_column(String(80), nullable=True)
    size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    data: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)

    run: Mapped[RoutineRun] = relationship(back_populates="documents")


class Offering(db.Model):
    """Places in a routine that an organisation offers for a period (e.g. 8 traineejobb places in 2027)."""

    __tablename__ = "routine_offerings"
    __table_args__ = (
        CheckConstraint("places BETWEEN 1 AND 10000", name="places_in_range"),
        CheckConstraint("ends_on >= starts_on", name="period_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False, index=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"), nullable=False)
    routine_key: Mapped[str] = mapped_column(String(60), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    starts_on: Mapped[date] = mapped_column(Date, nullable=False)
    ends_on: Mapped[date] = mapped_column(Date, nullable=False)
    places: Mapped[int] = mapped_column(Integer, nullable=False)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    candidates: Mapped[list[Candidate]] = relationship(
        back_populates="offering", cascade="all, delete-orphan", order_by="Candidate.id", lazy="selectin")

    __mapper_args__ = {"version_id_col": version}

    @property
    def taken(self) -> int:
        return sum(1 for c in self.candidates if c.state == "selected")


class Candidate(db.Model):
    """A run put forward for an offering's places: candidate → selected, or waiting (ranked) for a free place."""

    __tablename__ = "routine_candidates"
    __table_args__ = (
        UniqueConstraint("offering_id", "run_id", name="uq_routine_candidates_run"),
        CheckConstraint(_in("state", CANDIDATE_STATES), name="state_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offering_id: Mapped[int] = mapped_column(ForeignKey("routine_offerings.id", ondelete="CASCADE"),
                                             nullable=False)
    run_id: Mapped[int] = mapped_column(ForeignKey("routine_runs.id", ondelete="CASCADE"), nullable=False,
                                        index=True)
    state: Mapped[str] = mapped_column(String(10), nullable=False, default="candidate")
    #: The place in the waiting list (1 first), None otherwise.
    rank: Mapped[int | None] = mapped_column(Integer, nullable=True)

    offering: Mapped[Offering] = relationship(back_populates="candidates")
    run: Mapped[RoutineRun] = relationship(lazy="joined")


class ActionPlan(db.Model):
    """An individuell handlingsplan: one per person and organisation, every save a new ActionPlanVersion."""

    __tablename__ = "action_plans"
    __table_args__ = (UniqueConstraint("person_id", "organisation_id", name="uq_action_plans_person_org"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), nullable=False)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False)
    #: The number of the latest version (the stale-save check compares it).
    latest: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    versions: Mapped[list[ActionPlanVersion]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="ActionPlanVersion.number")


class ActionPlanVersion(db.Model):
    """One saved version of a plan: Bilaga 2's seven documentation points and Laholm's five fields."""

    __tablename__ = "action_plan_versions"
    __table_args__ = (
        UniqueConstraint("plan_id", "number", name="uq_action_plan_versions_number"),
        CheckConstraint("ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on", name="period_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("action_plans.id", ondelete="CASCADE"), nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    #: Mål och syfte med insatserna.
    goal: Mapped[str] = mapped_column(Text, nullable=False, default="")
    #: Var insatserna genomförs.
    place: Mapped[str] = mapped_column(Text, nullable=False, default="")
    starts_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: Insatser som individen, kommunen och en annan aktör ansvarar för.
    person_measures: Mapped[str] = mapped_column(Text, nullable=False, default="")
    kommun_measures: Mapped[str] = mapped_column(Text, nullable=False, default="")
    other_actor: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    other_measures: Mapped[str] = mapped_column(Text, nullable=False, default="")
    #: När uppföljning och utvärdering sker, och vem som ansvarar för den.
    follow_up_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    evaluation_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    follow_up_by: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    #: Varför en insats avslutades.
    end_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    saved_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    saved_dt: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    plan: Mapped[ActionPlan] = relationship(back_populates="versions")
    saved_by: Mapped[User] = relationship(lazy="joined")
