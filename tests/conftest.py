"""Shared fixtures: a factory-built app on a migrated temporary database, and users built through operations."""
from __future__ import annotations

import os
from contextlib import contextmanager

import pytest
from flask.globals import _cv_app
from flask.testing import FlaskClient
from sqlalchemy import Integer, create_engine, event, make_url, text

from portal import audit, create_app
from portal.auth import operations as accounts
from portal.db import db
from portal.orgs import create_organisation
from tests.helpers import PASSWORD


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return _per_worker(url)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"  # each xdist worker has its own tmp


def _per_worker(url: str) -> str:
    """Under pytest-xdist (`make test` runs two workers) each worker gets its own PostgreSQL database beside the one
    DATABASE_URL names (made here, emptied by the migrations' set-up below): the tests wipe tables between them."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker or not url.startswith("postgresql"):
        return url
    base = make_url(url)
    name = f"{base.database}_{worker}"
    engine = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}) is None:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """One database per test session, built by the migrations (not create_all), wiped between tests."""
    url = _database_url(tmp_path_factory)
    if url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    app = create_app(_config(url, tmp_path_factory.mktemp("instance")))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade(revision="heads")
        db.engine.dispose()
    return url


def _config(url: str, instance) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "INSTANCE_PATH": str(instance),
        "PASSWORD_HASH_FAST": True,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "REQUIRE_TWO_FACTOR": False,
        "SERVER_NAME": None,
    }


class PerRequestClient(FlaskClient):
    """A test client whose every request gets a fresh `g`, as in production.

    Tests run inside an app context and Flask reuses it for the client's requests, so `g` (Flask-Login's
    cached user, the per-request read audit) would otherwise leak from one request into the next.
    """

    def open(self, *args, **kwargs):
        ctx = _cv_app.get(None)
        if ctx is None or ctx.app is not self.application:
            return super().open(*args, **kwargs)
        saved, ctx.g = ctx.g, self.application.app_ctx_globals_class()
        try:
            return super().open(*args, **kwargs)
        finally:
            ctx.g = saved


@pytest.fixture
def make_app(database_url, tmp_path):
    """Build an app with extra settings on the shared test database."""
    apps = []

    def factory(**overrides):
        app = create_app({**_config(database_url, tmp_path / "instance"), **overrides})
        app.test_client_class = PerRequestClient
        apps.append(app)
        return app

    yield factory
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="session")
def shared_app(database_url, tmp_path_factory):
    """The app most tests use, built once per session (building one costs ~0.1 s); a test that needs other
    settings builds its own with `make_app`."""
    app = create_app(_config(database_url, tmp_path_factory.mktemp("instance")))
    app.test_client_class = PerRequestClient
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(shared_app):
    """The portal on an empty database (every table wiped), inside an app context."""
    with shared_app.app_context():
        _wipe()
        yield shared_app
        db.session.remove()


def _delete_all(conn) -> None:
    tables = reversed(db.metadata.sorted_tables)
    if conn.dialect.name == "postgresql":  # one round trip instead of one per table: half the cost of a wipe
        conn.exec_driver_sql("; ".join(f'DELETE FROM "{table.name}"' for table in tables))
    else:
        for table in tables:
            conn.execute(table.delete())


def _wipe() -> None:
    """Empty every table and reset the audit chain, so each test starts from nothing."""
    db.session.remove()
    with db.engine.begin() as conn:
        _delete_all(conn)
    audit.ensure_head()
    db.session.commit()


#: The demo's rows per table, read once per process (each xdist worker) after seeding it: see `demo`.
_DEMO_ROWS: dict[str, list[dict]] = {}


@pytest.fixture
def demo(app):
    """The whole demo (`portal.demo.seed`) in the database. Seeding it runs every area's operations (~2 s); the
    first test of a worker seeds it, the others get the same rows copied back (~0.1 s)."""
    from portal import demo as portal_demo

    tables = db.metadata.sorted_tables
    if not _DEMO_ROWS:
        portal_demo.seed()
        db.session.commit()
        with db.engine.connect() as conn:
            for table in tables:
                _DEMO_ROWS[table.name] = [dict(row._mapping) for row in
                                         conn.execute(table.select().order_by(*table.primary_key.columns))]
        return
    db.session.remove()
    with db.engine.begin() as conn:
        _delete_all(conn)
        for table in tables:
            if _DEMO_ROWS[table.name]:
                conn.execute(table.insert(), _DEMO_ROWS[table.name])
        if conn.dialect.name == "postgresql":  # the rows came with their ids: the sequences go on after them
            for table in tables:
                for column in table.primary_key.columns:
                    if column.autoincrement is True or (column.autoincrement == "auto" and column.type._type_affinity
                                                        is Integer and len(table.primary_key.columns) == 1):
                        conn.execute(text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'), "
                            f"COALESCE((SELECT MAX({column.name}) FROM {table.name}), 0) + 1, false)"
                            f" WHERE pg_get_serial_sequence('{table.name}', '{column.name}') IS NOT NULL"))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def orgs(app):
    """Lekeberg-like organisations: a kommun with units, and Arbetsförmedlingen."""
    kommun = create_organisation(name="Lekebergs kommun", code="lekeberg", kind="kommun", orgnr="212000-2981",
                                 kommunkod="1814", by=None)
    result = {
        "kommun": kommun,
        "ami": create_organisation(name="Lekebergs kommun, AMI", code="lekeberg-ami", kind="kommun",
                                   orgnr="212000-2981", parent=kommun, by=None),
        "ifo": create_organisation(name="Individ- och försörjningsstöd", code="lekeberg-ifo", kind="socialtjanst",
                                   orgnr="212000-2981", parent=kommun, by=None),
        "skola": create_organisation(name="Lekebergsskolan", code="lekebergsskolan", kind="skola",
                                     orgnr="212000-2981", parent=kommun, by=None),
        "af": create_organisation(name="Arbetsförmedlingen Hallsberg", code="af-hallsberg",
                                  kind="arbetsformedlingen", orgnr="202100-2114", by=None),
    }
    db.session.commit()
    return result


@pytest.fixture
def make_user(app, orgs):
    counter = {"n": 0}

    def factory(org="kommun", roles=("handlaggare",), email=None, password=PASSWORD, name=None):
        counter["n"] += 1
        organisation = orgs[org] if isinstance(org, str) else org
        user = accounts.create_user(
            email=email or f"user{counter['n']}@{organisation.code}.example",
            name=name or f"Testperson {counter['n']}",
            organisation=organisation, roles=list(roles), password=password, by=None,
        )
        db.session.commit()
        return user

    return factory


def _log_in(client, user, password: str = PASSWORD):
    response = client.post("/logga-in", data={"email": user.email, "password": password}, follow_redirects=True)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response


@pytest.fixture
def password() -> str:
    """The password of every user made by `make_user`."""
    return PASSWORD


@pytest.fixture
def login(request):
    """Log in through the real login page, as flaskr's `auth` fixture does: `login(user)` logs in the test's
    `client` and returns the page after the redirects; `login(user, client=other)` logs in another client."""

    def do(user, password: str = PASSWORD, *, client=None):
        return _log_in(client if client is not None else request.getfixturevalue("client"), user, password)

    return do


@pytest.fixture
def login_as(login, make_user):
    """Create a user with the given roles in the given organisation and log the client in as them."""

    def do(org="kommun", roles=("handlaggare",), **kwargs):
        user = make_user(org=org, roles=roles, **kwargs)
        login(user)
        return user

    return do


@pytest.fixture
def wipe():
    """Empty the database inside an app context of a test's own making (e.g. an app with other settings)."""
    return _wipe


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


@pytest.fixture
def record_queries(app):
    """`with record_queries() as recorded:` → recorded is the list of (SQL text, parameters) sent meanwhile."""

    @contextmanager
    def recording():
        recorded: list[tuple[str, object]] = []

        def before_cursor_execute(_conn, _cursor, statement, parameters, _context, _executemany):
            recorded.append((statement, parameters))

        event.listen(db.engine, "before_cursor_execute", before_cursor_execute)
        try:
            yield recorded
        finally:
            event.remove(db.engine, "before_cursor_execute", before_cursor_execute)

    return recording
