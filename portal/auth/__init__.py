"""Login for staff: the login manager, throttling, the session rules and the auth blueprint."""
from __future__ import annotations

import os
from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user, logout_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.db import db

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = _l("Logga in för att se sidan.")
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"
#: One limiter per process: the @limiter.limit decorators on the login steps bind to this object when the views
#: are imported, so every app built in the process shares it (outside tests there is one app per process).
limiter = Limiter(key_func=get_remote_address, default_limits=[], strategy="fixed-window")


@limiter.request_filter
def _throttling_off_for_this_app() -> bool:
    """Flask-Limiter keeps its on/off switch on the (shared) limiter, so the last app built would decide for
    all; each request asks its own app instead."""
    return not current_app.config.get("RATELIMIT_ENABLED", True)


def attempt_failed() -> None:
    """A view says: the password or code this throttled request carried was checked and was wrong."""
    g.login_attempt_failed = True


def _count_only_failed_attempts(response):
    """The limits on the login steps count checked, failed attempts only.

    Each throttled request reserves its attempt (an atomic increment in the limiter's storage) before the
    password or code is checked, so a burst of parallel guesses cannot all pass the check before any is
    counted. A request that turns out not to be a failed attempt (success, a form error, a refusal before any
    check) gives its reservation back here.
    """
    if g.get("login_attempt_failed") or request.path.startswith("/api/"):
        return response  # (an API call counts against its key's budget whatever it answers)
    for held in limiter.current_limits:
        try:
            held.limiter.storage.incr(held.key, held.limit.get_expiry(), amount=-1)
        except Exception:  # noqa: BLE001 - storage down: the attempt stays counted, which is only stricter
            current_app.logger.warning("could not give back a reserved login attempt", exc_info=True)
    return response


def is_local_url(target: str | None) -> bool:
    """True only for a path on this site: browsers read "//x", "/\\x" and "/<tab>/x" as another host."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if any(ch == "\\" or ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


@login_manager.user_loader
def load_user(token: str):
    """Load the user behind a session; a deactivated user or an older session version gets nobody.

    One query brings the user with its organisation and roles: every permission check, the menu and the rules
    of the request read them from this object (Flask-Login keeps it for the request).
    """
    from portal.auth.models import User

    try:
        uid, version = (int(part) for part in token.split(":", 1))
    except (ValueError, AttributeError):
        return None
    user = db.session.scalars(select(User).where(User.id == uid)
                              .options(joinedload(User.organisation), joinedload(User.roles))).unique().first()
    if user is None or not user.is_active or user.session_version != version:
        return None
    return user


def enforce_idle_timeout():
    """Log out a session idle longer than IDLE_TIMEOUT (default 30 minutes), or older than
    PERMANENT_SESSION_LIFETIME (12 hours) however active, with a Swedish message and an audit event."""
    if request.endpoint in (None, "static") or request.path.startswith("/api/"):
        return None  # an API call carries its token, never a session (portal/api/auth.py)
    now = datetime.now(UTC).timestamp()
    if current_user.is_authenticated:
        idle_limit = current_app.config["IDLE_TIMEOUT"].total_seconds()
        age_limit = current_app.config["PERMANENT_SESSION_LIFETIME"].total_seconds()
        last = session.get("last_seen")
        started = session.get("login_at")
        if last is not None and now - float(last) > idle_limit:
            reason = "idle"
            message = _("Du har loggats ut efter %(m)d minuters inaktivitet. Logga in igen.", m=int(idle_limit // 60))
        elif started is not None and now - float(started) > age_limit:
            reason = "max_age"
            message = _("Du har varit inloggad i %(h)d timmar och har loggats ut. Logga in igen.",
                        h=int(age_limit // 3600))
        else:
            session["last_seen"] = now
            return None
        from portal import audit

        audit.record("logout.timeout", obj=current_user, by=current_user, details={"reason": reason})
        logout_user()
        session.clear()
        flash(message, "info")
        return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))
    return None


def enforce_two_factor():
    """When two-factor login is required, a session opened without it (e.g. before the rule was switched on)
    ends, and the next login goes through enrolment."""
    if request.endpoint in (None, "static") or not current_app.config["REQUIRE_TWO_FACTOR"] \
            or request.path.startswith("/api/"):
        return None
    # E-legitimation (SITHS, Freja OrgID) through OIDC is two-factor in itself: see views._finish_login.
    if current_user.is_authenticated and not current_user.is_totp_enabled and not session.get("signed_in_with"):
        logout_user()
        session.clear()
        flash(_("Portalen kräver tvåfaktorsinloggning. Logga in igen och slå på den."), "warning")
        return redirect(url_for("auth.login"))
    return None


def init_app(app) -> None:
    login_manager.init_app(app)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    app.config.setdefault("RATELIMIT_ENABLED", True)
    if app.config["RATELIMIT_ENABLED"]:
        # The app's storage becomes the limiter's; it starts healthy (Flask-Limiter would otherwise keep
        # an earlier app's "storage is down, use memory" verdict).
        limiter._storage_dead = False
        limiter.init_app(app)
    app.after_request(_count_only_failed_attempts)
    app.before_request(enforce_idle_timeout)
    app.before_request(enforce_two_factor)
    from portal.auth import oidc

    oidc.init_app(app, os.environ)
    from portal.auth import oidc_views, reset, views  # noqa: F401  (routes register on bp)

    app.register_blueprint(bp)
