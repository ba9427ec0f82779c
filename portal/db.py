"""The database handle, the declarative base and small helpers every model uses."""
from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData, String, event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

from portal.errors import RuleError

# Named constraints so Alembic can alter them on SQLite (batch mode) and PostgreSQL alike.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)


def utcnow() -> datetime:
    """Timezone-aware now in UTC; every *_dt column stores UTC."""
    return datetime.now(UTC)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):  # pragma: no cover - driver hook
    module = type(dbapi_connection).__module__
    if module.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # SQLite serves the demo, development and tests only (config refuses it in production). With WAL, NORMAL
        # never corrupts and loses at most the last commits on a power cut, and spares an fsync on every
        # commit — on this class of disk about 7 ms of each audited page view.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()
        # SQLite's own lower() knows only A-Z: "Åberg" must sort and match as "åberg", as on PostgreSQL.
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)


def _lower(value):
    return value.lower() if isinstance(value, str) else value


@event.listens_for(Session, "before_flush")
def _refuse_what_no_column_holds(session, _flush_context, _instances) -> None:
    """The last guard behind the forms (which cap and check each field first): text longer than its String(n)
    column, or holding a NUL, would be a 500 on PostgreSQL and kept whole on SQLite. Refused alike on both, as a
    RuleError beside the field named like the column, whatever path the text came by (a form, an import, a file).

    The refusal comes after the operation changed things, so the transaction is rolled back first: a view that
    shows the refusal and redirects (which commits) then saves nothing half-done.
    """
    for record in (*session.new, *session.dirty):
        state = inspect(record)
        for attr in state.mapper.column_attrs:
            value = state.dict.get(attr.key)
            if not isinstance(value, str):
                continue
            column_type = attr.columns[0].type
            length = column_type.length if isinstance(column_type, String) else None
            if length and len(value) > length:
                session.rollback()
                raise RuleError(_l("Texten är för lång: högst %(max)s tecken.", max=length), field=attr.key)
            if "\x00" in value:
                session.rollback()
                raise RuleError(_l("Texten innehåller ett nolltecken som inte kan sparas."), field=attr.key)


class UTCDateTime(TypeDecorator):
    """A timestamp stored as naive UTC and always returned timezone-aware (SQLite keeps no zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


#: Far beyond any real list; larger page numbers would overflow the database's integer in OFFSET.
MAX_PAGE = 100_000


def page_number() -> int:
    """The ?page= of the current request as a sane page number (1 for anything odd)."""
    from flask import request

    page = request.args.get("page", 1, type=int) or 1
    return page if 1 <= page <= MAX_PAGE else 1


def paginate(stmt, *, per_page: int):
    """One page of `stmt` for list pages; odd page numbers give the first page, never an error."""
    return db.paginate(stmt, page=page_number(), per_page=per_page, error_out=False)
