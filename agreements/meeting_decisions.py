"""Decisions from meetings marked "till revideringen": kept beside the agreement until its next revision is written.

The meetings area hands them over through `agreements.note_decision_for_revision` (meetings may use agreements,
never the reverse); an open (draft or proposed) revision's page lists them with links back to the minutes.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import UTCDateTime, db, utcnow


class DecisionForRevision(db.Model):
    """A decision ("beslut") a meeting sent to the agreement's revision, with where to read it in the minutes."""

    __tablename__ = "agreement_decisions_for_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"), nullable=False,
                                              index=True)
    #: Who sent it: the same decision handed over twice is kept once (e.g. "mote-punkt-12").
    key: Mapped[str] = mapped_column(String(60), nullable=False, unique=True)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    #: Where it comes from in words ("Styrgrupp DUA Lekeberg 2026-09-05") and its address in the portal.
    source_label: Mapped[str] = mapped_column(String(300), nullable=False)
    source_url: Mapped[str] = mapped_column(String(300), nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


def note(agreement_id: int, *, key: str, text: str, source_label: str, source_url: str,
         by) -> DecisionForRevision:
    """Keep a decision for the next revision (once per key: handing it over again updates its text)."""
    found = db.session.scalar(select(DecisionForRevision).where(DecisionForRevision.key == key))
    if found is None:
        found = DecisionForRevision(agreement_id=agreement_id, key=key)
        db.session.add(found)
    found.text, found.source_label, found.source_url = text, source_label[:300], source_url[:300]
    found.created_by_id = by.id if by is not None else None
    db.session.flush()
    return found


def for_agreement(agreement_id: int) -> list[DecisionForRevision]:
    return list(db.session.scalars(select(DecisionForRevision).where(
        DecisionForRevision.agreement_id == agreement_id).order_by(DecisionForRevision.created_dt,
                                                                   DecisionForRevision.id)))
