"""For `make bench` only: the portal with hand-tuned reference pages and a count of SQL statements per request.

`gunicorn "portal.bench_reference:create_app()"` builds the portal exactly as `portal:create_app()` does, then adds
the reference pages when PORTAL_BENCH_REFERENCE=1 and the `X-SQL-Statements` response header when
PORTAL_BENCH_COUNT_SQL=1. Production serves `portal:create_app()`, which never has them, and this factory refuses
to start with PORTAL_ENV=production. The references are the floor a page is measured against in the same run:
a bare endpoint (routing, the request hooks, a response) and a 50-row page from one plain SQL query through a
template compiled once, with no login and nothing else.
"""
from __future__ import annotations

import os
from contextvars import ContextVar

from flask import Blueprint, Response
from jinja2 import Environment
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from portal import create_app as create_portal
from portal.config import ConfigError
from portal.db import db
from portal.permissions import public

#: Set during a request when statements are counted; the engine listener adds to it.
_statements: ContextVar[list[int] | None] = ContextVar("bench_sql_statements", default=None)

bp = Blueprint("bench", __name__, url_prefix="/_bench")

ROWS_SQL = text("SELECT id, pseudonym, first_name, last_name, birth_date, home_kommun FROM people "
                "ORDER BY id LIMIT 50")
ROWS_PAGE = Environment(autoescape=True).from_string(
    "<!doctype html><html lang=\"sv\"><head><meta charset=\"utf-8\"><title>Referens</title></head><body>"
    "<h1>50 rader</h1><table><thead><tr><th>Nr</th><th>Pseudonym</th><th>Namn</th><th>Född</th><th>Kommun</th>"
    "</tr></thead><tbody>{% for r in rows %}<tr><td>{{ r.id }}</td><td>{{ r.pseudonym }}</td>"
    "<td>{{ r.first_name }} {{ r.last_name }}</td><td>{{ r.birth_date }}</td><td>{{ r.home_kommun }}</td></tr>"
    "{% endfor %}</tbody></table></body></html>")


@bp.route("/tom")
@public
def bare():
    return Response("ok", mimetype="text/plain")


@bp.route("/rader")
@public
def rows():
    return Response(ROWS_PAGE.render(rows=db.session.execute(ROWS_SQL).all()), mimetype="text/html")


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on", "ja"}


def _count(*_args) -> None:
    counter = _statements.get()
    if counter is not None:
        counter[0] += 1


def counting_statements(wsgi_app):
    """WSGI middleware: the number of SQL statements the request sent, as the X-SQL-Statements header.

    Counted up to the moment the response starts, so the commit after the view and its flush are included.
    """
    if not event.contains(Engine, "before_cursor_execute", _count):
        event.listen(Engine, "before_cursor_execute", _count)

    def middleware(environ, start_response):
        counter = [0]
        token = _statements.set(counter)

        def start(status, headers, exc_info=None):
            headers.append(("X-SQL-Statements", str(counter[0])))
            return start_response(status, headers, exc_info)

        try:
            return wsgi_app(environ, start)
        finally:
            _statements.reset(token)

    return middleware


def create_app(config: dict | None = None):
    """The portal plus whatever bench additions the environment asks for; never in production."""
    app = create_portal(config)
    if app.config["PORTAL_ENV"] == "production":
        raise ConfigError("portal.bench_reference är bara för mätningar; använd portal:create_app() i produktion.")
    if _flag("PORTAL_BENCH_REFERENCE"):
        app.register_blueprint(bp)
    if _flag("PORTAL_BENCH_COUNT_SQL"):
        app.wsgi_app = counting_statements(app.wsgi_app)
    return app
