"""Meeting series (styrgrupp, Vägen, Mötesplats), meetings, agenda items, minutes with revisions, action items."""
from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import UTCDateTime, db, utcnow
from portal.orgs import Organisation

KINDS = ("styrgrupp", "arbetsgrupp", "arendeforum", "motesplats", "ovrigt")
RECURRENCES = ("dates", "weekly", "monthly")
HOLIDAY_POLICIES = ("skip", "move")
ITEM_KINDS = ("information", "beslut", "arende", "mal", "ovrigt")
ITEM_STATES = ("proposed", "accepted")
MEETING_STATES = ("planned", "cancelled")
MINUTES_STATES = ("draft", "final")
ACTION_STATES = ("open", "done")


class MeetingSeries(db.Model):
    """A mötesserie: a group that meets again and again (styrgrupp 4/år, Vägen varannan vecka, Mötesplats)."""

    __tablename__ = "meeting_series"
    __table_args__ = (
        CheckConstraint("kind IN ('styrgrupp','arbetsgrupp','arendeforum','motesplats','ovrigt')", name="kind_known"),
        CheckConstraint("recurrence IN ('dates','weekly','monthly')", name="recurrence_known"),
        CheckConstraint("holiday_policy IN ('skip','move')", name="holiday_policy_known"),
        CheckConstraint("length_minutes > 0 AND length_minutes <= 1440", name="length_range"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="date_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: E.g. "Vägen", "Styrgrupp DUA Lekeberg".
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    #: Default place: a room, an address or a video link.
    place: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    start_time: Mapped[time] = mapped_column(Time, nullable=False)
    length_minutes: Mapped[int] = mapped_column(Integer, nullable=False, default=60)
    #: The agreement the series serves (styrgrupp): goal follow-up items show its goals.
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreements.id"), nullable=True, index=True)
    #: "dates" (fixed dates), "weekly" (every N weeks on a weekday) or "monthly" (the n-th weekday of the month).
    recurrence: Mapped[str] = mapped_column(String(10), nullable=False)
    interval_weeks: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: 0 = Monday … 6 = Sunday.
    weekday: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: 1–4, or -1 for the last such weekday of the month.
    nth: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: Fixed dates as written: ISO dates or day/month repeated every year ("22/2, 2/5, 5/9, 7/11").
    fixed_dates: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    starts_on: Mapped[date] = mapped_column(Date, nullable=False)
    #: Meetings are planned up to this day; extending the series moves it on.
    ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: A meeting falling on a Swedish public holiday is skipped, or moved to the next working day.
    holiday_policy: Mapped[str] = mapped_column(String(10), nullable=False, default="move")
    #: Items may be proposed until this many days before the meeting.
    proposal_days: Mapped[int] = mapped_column(Integer, nullable=False, default=2)
    #: Bumped on every write; a save carrying an older value is refused (stale edit).
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    organisations: Mapped[list[SeriesOrganisation]] = relationship(
        back_populates="series", cascade="all, delete-orphan", lazy="selectin")
    people: Mapped[list[SeriesUser]] = relationship(
        back_populates="series", cascade="all, delete-orphan", lazy="selectin")
    meetings: Mapped[list[Meeting]] = relationship(
        back_populates="series", cascade="all, delete-orphan", order_by="Meeting.on_date")

    @property
    def member_org_ids(self) -> set[int]:
        return {m.organisation_id for m in self.organisations}

    @property
    def coordinator_ids(self) -> set[int]:
        return {p.user_id for p in self.people if p.is_coordinator}

    @property
    def member_user_ids(self) -> set[int]:
        return {p.user_id for p in self.people}


class SeriesOrganisation(db.Model):
    """A member organisation of a series; `joined_on` tells when it joined (a case shown before stays hidden)."""

    __tablename__ = "meeting_series_organisations"
    __table_args__ = (UniqueConstraint("series_id", "organisation_id", name="uq_meeting_series_org"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("meeting_series.id", ondelete="CASCADE"), nullable=False,
                                           index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False, index=True)
    joined_on: Mapped[date] = mapped_column(Date, nullable=False)

    series: Mapped[MeetingSeries] = relationship(back_populates="organisations")
    organisation: Mapped[Organisation] = relationship(lazy="joined")


class SeriesUser(db.Model):
    """A named member of a series (a coordinator, or a person invited beside the organisations)."""

    __tablename__ = "meeting_series_users"
    __table_args__ = (UniqueConstraint("series_id", "user_id", name="uq_meeting_series_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("meeting_series.id", ondelete="CASCADE"), nullable=False,
                                           index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    is_coordinator: Mapped[bool] = mapped_column(nullable=False, default=False)

    series: Mapped[MeetingSeries] = relationship(back_populates="people")
    #: Never loaded with the series (the rules need only user_id): names come from `operations.coordinator_names`.
    user = relationship("User", lazy="raise")


class Meeting(db.Model):
    """One möte of a series on a day; moved or cancelled on its own without breaking the series."""

    __tablename__ = "meetings"
    __table_args__ = (
        UniqueConstraint("series_id", "scheduled_on", name="uq_meetings_series_scheduled"),
        CheckConstraint("state IN ('planned','cancelled')", name="state_known"),
        Index("ix_meetings_on_date", "on_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("meeting_series.id", ondelete="CASCADE"), nullable=False,
                                           index=True)
    #: The day the series' rule gave; with the series it makes the calendar's stable UID.
    scheduled_on: Mapped[date] = mapped_column(Date, nullable=False)
    #: The day it is held (moved by a holiday or by hand).
    on_date: Mapped[date] = mapped_column(Date, nullable=False)
    start_time: Mapped[time] = mapped_column(Time, nullable=False)
    length_minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    place: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    state: Mapped[str] = mapped_column(String(20), nullable=False, default="planned")
    #: Why it was moved or cancelled ("Flyttat från 2026-06-06: Nationaldagen").
    change_note: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    published_dt: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: Bumped on every write: a stale move or a calendar's SEQUENCE.
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    series: Mapped[MeetingSeries] = relationship(back_populates="meetings")
    items: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="AgendaItem.position")

    @property
    def is_cancelled(self) -> bool:
        return self.state == "cancelled"

    @property
    def is_moved(self) -> bool:
        return self.on_date != self.scheduled_on


class AgendaItem(db.Model):
    """A punkt on the agenda: information, beslut, ärendedragning, måluppföljning or övrigt."""

    __tablename__ = "meeting_agenda_items"
    __table_args__ = (
        CheckConstraint("kind IN ('information','beslut','arende','mal','ovrigt')", name="kind_known"),
        CheckConstraint("state IN ('proposed','accepted')", name="state_known"),
        CheckConstraint("minutes_planned >= 0 AND minutes_planned <= 600", name="minutes_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), nullable=False,
                                            index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    presenter_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), nullable=True)
    presenter_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    minutes_planned: Mapped[int] = mapped_column(Integer, nullable=False, default=10)
    state: Mapped[str] = mapped_column(String(20), nullable=False, default="proposed")
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    proposed_by_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), nullable=True)
    proposed_dt: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    #: A named case review: the person (only with a `mote` consent covering every member organisation).
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), nullable=True, index=True)
    #: An anonymised case review: the case in words with no identifiers (checked by meetings.identifiers).
    anonymised_text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    #: A referral under review (its id in the referrals area; shown through referrals' named function).
    referral_ref: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    #: A decision marked for the agreement's next revision ("till revideringen").
    is_for_revision: Mapped[bool] = mapped_column(nullable=False, default=False)

    meeting: Mapped[Meeting] = relationship(back_populates="items")
    presenter_org: Mapped[Organisation | None] = relationship(foreign_keys=[presenter_org_id], lazy="joined")
    presenter_user = relationship("User", foreign_keys=[presenter_user_id], lazy="raise")
    #: Files (meetings.attachments.AgendaAttachment), their bytes deferred; loaded with the agenda in one statement.
    attachments = relationship("AgendaAttachment", back_populates="item", cascade="all, delete-orphan",
                               order_by="AgendaAttachment.id", lazy="selectin")

    @property
    def is_accepted(self) -> bool:
        return self.state == "accepted"


class Minutes(db.Model):
    """The minnesanteckningar/protokoll of a meeting: draft → final; every save is a MinutesRevision."""

    __tablename__ = "meeting_minutes"
    __table_args__ = (CheckConstraint("state IN ('draft','final')", name="state_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), nullable=False,
                                            unique=True)
    state: Mapped[str] = mapped_column(String(10), nullable=False, default="draft")
    #: The number of the latest revision; a save from an older one is stale.
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    finalised_dt: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finalised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    sent_dt: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    meeting: Mapped[Meeting] = relationship()
    revisions: Mapped[list[MinutesRevision]] = relationship(
        back_populates="minutes", cascade="all, delete-orphan", order_by="MinutesRevision.number")

    @property
    def is_final(self) -> bool:
        return self.state == "final"


class MinutesRevision(db.Model):
    """One save of the minutes: per item notes and decision, attendance, and for a correction who and why."""

    __tablename__ = "meeting_minutes_revisions"
    __table_args__ = (UniqueConstraint("minutes_id", "number", name="uq_meeting_minutes_revision_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(ForeignKey("meeting_minutes.id", ondelete="CASCADE"), nullable=False,
                                            index=True)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    #: {"items": {item id: {"notes": str, "decision": str}}, "attendance": {org id: {"status", "replaced_by"}},
    #:  "general": str}
    content: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    saved_dt: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    #: Why final minutes were corrected (empty for drafts).
    correction_reason: Mapped[str] = mapped_column(String(500), nullable=False, default="")

    minutes: Mapped[Minutes] = relationship(back_populates="revisions")
    saved_by = relationship("User", lazy="joined")


class ActionItem(db.Model):
    """An åtagande ("att göra"): what, who (a user or an organisation), by when; carried forward until done."""

    __tablename__ = "meeting_action_items"
    __table_args__ = (
        CheckConstraint("state IN ('open','done')", name="state_known"),
        Index("ix_meeting_action_items_series_state", "series_id", "state"),
        Index("ix_meeting_action_items_owner_state", "owner_user_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("meeting_series.id", ondelete="CASCADE"), nullable=False)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), nullable=False,
                                            index=True)
    what: Mapped[str] = mapped_column(String(500), nullable=False)
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    owner_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), nullable=True)
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    state: Mapped[str] = mapped_column(String(10), nullable=False, default="open")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    done_dt: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    meeting: Mapped[Meeting] = relationship(lazy="joined")
    #: Loaded by the queries that show it (meetings.minutes.OWNER), without the owner's roles.
    owner_user = relationship("User", foreign_keys=[owner_user_id], lazy="raise")
    owner_org: Mapped[Organisation | None] = relationship(foreign_keys=[owner_org_id], lazy="joined")

    @property
    def is_done(self) -> bool:
        return self.state == "done"


class CalendarFeed(db.Model):
    """A personal calendar feed: the secret token is shown once and stored only as its SHA-256 hash."""

    __tablename__ = "meeting_calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    revoked_dt: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
