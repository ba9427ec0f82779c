"""Fixtures for the admin pages: a system admin and an org admin, and an SQL statement counter."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select

from portal.audit import AuditEvent
from portal.db import db


@pytest.fixture
def count_queries(app):
    """`with count_queries() as counted:` → counted[0] is the number of SQL statements sent meanwhile."""

    @contextmanager
    def counting():
        counted = [0]

        def before_cursor_execute(*_args):
            counted[0] += 1

        event.listen(db.engine, "before_cursor_execute", before_cursor_execute)
        try:
            yield counted
        finally:
            event.remove(db.engine, "before_cursor_execute", before_cursor_execute)

    return counting


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
