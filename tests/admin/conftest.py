"""Helpers for the admin tests: audit events as the user would find them after a request."""
from __future__ import annotations

from sqlalchemy import func, select

from portal.audit import AuditEvent
from portal.db import db


def events(action: str, **where) -> list[AuditEvent]:
    """Audit events with this action (read fresh, after the request committed or rolled back)."""
    db.session.rollback()
    stmt = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
    for column, value in where.items():
        stmt = stmt.where(getattr(AuditEvent, column) == value)
    return list(db.session.scalars(stmt))


def count_events(action: str) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action))
