"""Plain helpers the tests share (no fixtures here: those live in conftest.py and are asked for by name)."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from portal.audit import AuditEvent
from portal.db import db

#: The password every test user gets from the `make_user` fixture.
PASSWORD = "Ett-langt-losenord-1"


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "no CSRF token in page"
    return match.group(1)


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
