"""The personal calendar feed: a secret token shown once, stored as its SHA-256 hash, revocable."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select

from meetings.models import CalendarFeed, Meeting, MeetingSeries, SeriesOrganisation, SeriesUser
from portal import audit
from portal.clock import today
from portal.db import db, utcnow


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def active_feed(user) -> CalendarFeed | None:
    return db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id,
                                                        CalendarFeed.revoked_dt.is_(None)))


def create_feed(*, by) -> str:
    """A new feed for the user (an earlier one is revoked); returns the token, which is never stored."""
    revoke_feed(by=by, record=False)
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed(user_id=by.id, token_hash=_hash(token))
    db.session.add(feed)
    db.session.flush()
    audit.record("meeting.feed.create", by=by, obj=feed)
    return token


def revoke_feed(*, by, record: bool = True) -> bool:
    feed = active_feed(by)
    if feed is None:
        return False
    feed.revoked_dt = utcnow()
    db.session.flush()
    if record:
        audit.record("meeting.feed.revoke", by=by, obj=feed)
    return True


def user_for_token(token: str):
    """The active user whose unrevoked feed has this token, or None."""
    from portal.auth.models import User

    if not token or len(token) > 100:
        return None
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == _hash(token),
                                                        CalendarFeed.revoked_dt.is_(None)))
    if feed is None:
        return None
    user = db.session.get(User, feed.user_id)
    return user if user is not None and user.is_active else None


def meetings_for(user) -> list[Meeting]:
    """The meetings of the user's series from 60 days back on (one statement)."""
    member = select(SeriesOrganisation.series_id).where(SeriesOrganisation.organisation_id == user.organisation_id)
    named = select(SeriesUser.series_id).where(SeriesUser.user_id == user.id)
    return list(db.session.scalars(select(Meeting).join(MeetingSeries).where(
        Meeting.series_id.in_(member) | Meeting.series_id.in_(named),
        Meeting.on_date >= today() - timedelta(days=60)).order_by(Meeting.on_date)))
