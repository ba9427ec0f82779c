"""A routine of an appendix (Bilaga 1): its steps and sub-steps, each with what the portal can act on."""
from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import db

#: Who may be responsible for a step: an organisation kind, SYV (a school's or the kommun's counsellor) or the
#: person. Stored as codes in `parties` (space separated), read from the responsible text as written.
PARTY_KINDS: dict[str, tuple[str, ...]] = {
    "kommun": ("kommun",),
    "arbetsformedlingen": ("arbetsformedlingen",),
    "syv": ("skola", "kommun"),
    "skola": ("skola",),
    "socialtjanst": ("socialtjanst",),
    "person": (),
}
#: Kinds of documents a step may need recorded on the run first.
DOCUMENT_KINDS = ("studieplan", "betyg", "avtal", "annat")


class StepRules:
    """What the portal acts on, shared by a step and a sub-step: who completes it, what must exist first, where a
    branch leads and whether a follow-up date follows."""

    #: The responsible party as written, e.g. "Kommunen och Arbetsförmedlingen", "SYV".
    responsible: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    #: The same as data: codes of PARTY_KINDS separated by blanks ("kommun arbetsformedlingen"); empty: anyone
    #: of the organisations of the run.
    parties: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    #: A valid consent naming the organisations of the run must exist before the step is completed.
    needs_consent: Mapped[bool] = mapped_column(nullable=False, default=False)
    #: A document of this kind (DOCUMENT_KINDS) must be recorded on the run first.
    needs_document: Mapped[str | None] = mapped_column(String(20), nullable=True)
    #: A meeting date must be recorded on the run's step first.
    needs_meeting: Mapped[bool] = mapped_column(nullable=False, default=False)
    #: Completing the step sets the run's follow-up date this many days later.
    follow_up_days: Mapped[int | None] = mapped_column(Integer, nullable=True)

    @property
    def party_codes(self) -> tuple[str, ...]:
        return tuple(self.parties.split()) if self.parties else ()


class Routine(db.Model):
    """A routine of an appendix (e.g. "Rutiner vid utbildningskontrakt") as ordered steps."""

    __tablename__ = "agreement_routines"

    id: Mapped[int] = mapped_column(primary_key=True)
    appendix_id: Mapped[int] = mapped_column(ForeignKey("agreement_appendices.id", ondelete="CASCADE"),
                                             nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: Stable name other packages use, e.g. "utbildningskontrakt", "traineejobb", "syv".
    key: Mapped[str] = mapped_column(String(60), nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    #: Who the routine is for, as notes ("Unga 16–24 år utan gymnasieexamen"); shown before a run starts.
    eligibility: Mapped[str] = mapped_column(Text, nullable=False, default="")
    #: An age range the notes state, as data (None: no bound); a run outside it starts with a warning.
    min_age: Mapped[int | None] = mapped_column(Integer, nullable=True)
    max_age: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: The age range is a rule, not a warning: a run for someone outside it cannot start.
    age_strict: Mapped[bool] = mapped_column(nullable=False, default=False)

    appendix = relationship("Appendix", back_populates="routines")
    steps: Mapped[list[RoutineStep]] = relationship(
        back_populates="routine", cascade="all, delete-orphan", order_by="RoutineStep.number", lazy="selectin")


class RoutineStep(StepRules, db.Model):
    """One step ("steg") of a routine: its number, what happens, which party is responsible, its sub-steps."""

    __tablename__ = "agreement_routine_steps"
    __table_args__ = (UniqueConstraint("routine_id", "number", name="uq_agreement_routine_steps_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    routine_id: Mapped[int] = mapped_column(ForeignKey("agreement_routines.id", ondelete="CASCADE"),
                                            nullable=False, index=True)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    #: The step's own text; its sub-steps are rows of their own.
    text: Mapped[str] = mapped_column(Text, nullable=False)

    routine: Mapped[Routine] = relationship(back_populates="steps")
    substeps: Mapped[list[RoutineSubStep]] = relationship(
        back_populates="step", cascade="all, delete-orphan", order_by="RoutineSubStep.number", lazy="selectin")

    @property
    def label(self) -> str:
        return str(self.number)


class RoutineSubStep(StepRules, db.Model):
    """A sub-step ("3.1") of a step; a branch (`back_to`) or the selection sub-step among them."""

    __tablename__ = "agreement_routine_substeps"
    __table_args__ = (
        UniqueConstraint("step_id", "number", name="uq_agreement_routine_substeps_number"),
        CheckConstraint("back_to IS NULL OR back_to <> number", name="branch_elsewhere"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    step_id: Mapped[int] = mapped_column(ForeignKey("agreement_routine_steps.id", ondelete="CASCADE"),
                                         nullable=False, index=True)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    #: A branch ("tveksam"): taken instead of the main path, with a reason, it sends the run back to this
    #: sub-step number of the same step. Branches are not on the main path.
    back_to: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: The selection sub-step: when candidates exceed places it is completed by the offering's selection.
    is_selection: Mapped[bool] = mapped_column(nullable=False, default=False)

    step: Mapped[RoutineStep] = relationship(back_populates="substeps")

    @property
    def label(self) -> str:
        return f"{self.step.number}.{self.number}"
