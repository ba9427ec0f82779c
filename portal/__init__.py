"""DUA-portalen: the application factory."""
from __future__ import annotations

import importlib
import logging
from pathlib import Path

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from werkzeug.routing import IntegerConverter

from portal import config as settings
from portal.db import db as _db
from portal.db import migrate as _migrate

csrf = CSRFProtect()


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` in every route, limited to what a 32-bit INTEGER column can hold."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's parameter name
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)

#: Domain packages plugged into the app. Each has `init_app(app)` that registers its blueprint, menu entries
#: and demo seeder. Named here, imported by name, so `portal` never imports a domain package's code.
DOMAIN_PACKAGES: tuple[str, ...] = ("agreements", "referrals", "meetings", "kaa")


def create_app(config: dict | None = None) -> Flask:
    """Build the portal. `config` overrides environment settings (tests use it)."""
    root = settings.ROOT
    app = Flask(
        __name__,
        instance_path=str(Path((config or {}).get("INSTANCE_PATH", root / "instance")).resolve()),
        template_folder=str(root / "templates"),
        static_folder=str(root / "static"),
    )
    app.config.update(settings.load(Path(app.instance_path), config))
    # Before any route is added: an id beyond the database's integer range is a 404, not an overflow.
    app.url_map.converters["int"] = BoundedIntConverter
    settings.apply_proxy_fix(app)
    logging.basicConfig(level=logging.INFO)

    _db.init_app(app)
    _migrate.init_app(app, _db, directory=str(root / "migrations"))
    csrf.init_app(app)

    from portal import i18n

    i18n.init_app(app)

    from portal import auth, mail, notifications, oidc_demo

    oidc_demo.configure(app)
    auth.init_app(app)
    oidc_demo.init_app(app)
    notifications.mails_notices(mail.mail_notice)  # a notice made with mail=True goes by e-mail to who asked

    from portal import people

    people.init_app(app)

    from portal import main

    main.init_app(app)

    from portal import admin

    admin.init_app(app)

    from portal import templating

    templating.init_app(app)

    from portal import api

    api.init_app(app)  # before the areas: they add their endpoints to it from their own api.py

    from portal import cli, daily

    cli.init_app(app)
    daily.init_app(app)

    for name in DOMAIN_PACKAGES:
        importlib.import_module(name).init_app(app)

    _unit_of_work(app)
    return app


def _unit_of_work(app: Flask) -> None:
    """One transaction per request: commit once after a successful response, roll back otherwise.

    The request's audit events are appended by the commit itself (portal.audit's before_commit listener); on an
    error response only its reads of personal data are written, in their own transaction.
    """
    from portal import audit

    @app.after_request
    def commit(response):
        if response.status_code < 400:
            audit.keep_reads_of_request()
            _db.session.commit()
        else:
            _db.session.rollback()
            audit.write_reads_of_failed_request()
        return response

    @app.teardown_request
    def rollback_on_error(exc):
        if exc is not None:
            _db.session.rollback()
