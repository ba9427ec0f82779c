"""The start page, health check, accessibility statement, language switch and the error pages."""
from __future__ import annotations

import io

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import text
from werkzeug.exceptions import Forbidden, HTTPException
from wtforms import BooleanField

from portal import notifications
from portal.api import errors as api_errors
from portal.auth import is_local_url
from portal.db import db
from portal.errors import NotPermitted
from portal.forms import ButtonForm, PortalForm
from portal.permissions import login_only, public
from portal.resend import posted_fields

bp = Blueprint("main", __name__)

#: Field names never echoed back when a form is re-shown after a lost CSRF token (matched as substrings).
SECRET_FIELDS = ("password", "losenord", "lösenord", "secret", "token")
#: On the login and account pages these fields hold passwords and one-time codes too; elsewhere "code" is
#: e.g. an organisation's short code, which the user must not lose.
AUTH_SECRET_FIELDS = ("current", "new", "repeat", "code")


def _is_secret_field(name: str) -> bool:
    lowered = name.lower()
    if any(part in lowered for part in SECRET_FIELDS):
        return True
    return (request.endpoint or "").startswith("auth.") and lowered in AUTH_SECRET_FIELDS


@bp.route("/")
@login_only
def index():
    """The worklist ("Att göra"): what waits for the user now, one card per kind of work the areas registered."""
    from portal.permissions import ROLES
    from portal.templating import worklist_for_user

    return render_template("main/index.html", cards=worklist_for_user(), roles=ROLES)


class NoticeMailForm(PortalForm):
    """The user's choice to get each notice by e-mail as well."""

    wanted = BooleanField(_l("Skicka e-post till mig när det kommer ett nytt meddelande"),
                          description=_l("E-posten säger bara att det finns ett meddelande, med en referens och "
                                         "en länk. Vad det gäller läser du här i portalen."))


@bp.route("/meddelanden")
@login_only
def notices():
    """Notices to the user and to their organisation (those meant for their permissions), newest first."""
    rows = notifications.notices_for(current_user)
    mail_form = NoticeMailForm(formdata=None, wanted=notifications.wants_mail(current_user))
    return render_template("main/notices.html", notices=rows, button=ButtonForm(), mail_form=mail_form)


@bp.route("/meddelanden/e-post", methods=["POST"])
@login_only
def notice_mail():
    form = NoticeMailForm()
    if form.validate_on_submit():
        notifications.set_wants_mail(current_user, bool(form.wanted.data), by=current_user)
        flash(_("Du får e-post om nya meddelanden.") if form.wanted.data else
              _("Du får inte längre e-post om nya meddelanden."), "success")
    return redirect(url_for("main.notices"), 303)


@bp.route("/meddelanden/<int:notice_id>/last", methods=["POST"])
@login_only
def notice_read(notice_id: int):
    # Loaded from the user's own list: a notice to someone else (another user, another organisation, or a
    # permission the user lacks) is a 404, as if it did not exist. mark_read asks the same rule again.
    notice = notifications.notice_for(current_user, notice_id)
    if notice is None:
        abort(404)
    notifications.mark_read(notice, by=current_user)
    return redirect(url_for("main.notices"))


@bp.route("/healthz")
@public
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        current_app.logger.exception("health check failed")
        return {"status": "fel", "database": "nere"}, 503
    return {"status": "ok", "database": "ok"}


@bp.route("/tillganglighet")
@public
def accessibility():
    return render_template("main/accessibility.html")


@bp.route("/sprak", methods=["POST"])
@public
def set_language():
    """Switch language; public so the login page can switch too. CSRF still applies."""
    form = ButtonForm()
    lang = request.form.get("lang")
    if form.validate_on_submit() and lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:
            current_user.locale = lang
    target = request.form.get("next")
    return redirect(target if is_local_url(target) else url_for("main.index"))


def _error_page(code: int, title: str, message: str):
    return render_template("errors/error.html", code=code, title=title, message=message), code


def _reject_nul_bytes():
    """PostgreSQL cannot store NUL, so any form or query value carrying one would become a 500 on the first
    query; no one types it, so refuse the request with the Swedish 400 page instead."""
    sources = [request.args, request.form] if request.method == "POST" else [request.args]
    if any("\x00" in value for source in sources for _key, values in source.lists() for value in values):
        abort(400)


def _unread_text(count: int) -> str:
    return ngettext("Du har %(num)s oläst meddelande.", "Du har %(num)s olästa meddelanden.", count)


class _StreamedBodyLimit:
    """WSGI middleware: a body streamed without Content-Length (chunked) counts against MAX_CONTENT_LENGTH too.

    Werkzeug stops reading such a body at the limit and parses what it got: a multipart body is refused (413),
    but an urlencoded or JSON one would be silently cut short and its form handled with truncated values. So it
    is read here first, up to one byte past the limit: within it, it is handed on with its Content-Length; past
    it, the request claims a length over the limit, so the first read of its form gives the Swedish 413 page.
    Multipart bodies are left to werkzeug, which streams large uploads to disk and refuses them in time.
    """

    def __init__(self, wsgi_app, app):
        self.wsgi_app, self.app = wsgi_app, app

    def __call__(self, environ, start_response):
        limit = self.app.config.get("MAX_CONTENT_LENGTH")
        streamed = (not environ.get("CONTENT_LENGTH") and "wsgi.input_terminated" in environ
                    and environ.get("REQUEST_METHOD") not in ("GET", "HEAD", "OPTIONS"))
        if limit and streamed and not environ.get("CONTENT_TYPE", "").startswith("multipart/"):
            body = _read_up_to(environ["wsgi.input"], limit + 1)
            # From here on it is a plain body of known length (werkzeug ignores Content-Length while it says chunked).
            environ["wsgi.input"] = io.BytesIO(body if len(body) <= limit else b"")
            environ["CONTENT_LENGTH"] = str(len(body))
            environ.pop("HTTP_TRANSFER_ENCODING", None)
            environ.pop("wsgi.input_terminated", None)
        return self.wsgi_app(environ, start_response)


def _read_up_to(stream, size: int) -> bytes:
    """Read until `size` bytes or the end: a dechunking stream hands out one chunk per read."""
    body = bytearray()
    while len(body) < size:
        data = stream.read(size - len(body))
        if not data:
            break
        body.extend(data)
    return bytes(body)


def init_app(app) -> None:
    """The start page, notices (a menu entry for everyone), the error pages and the security headers."""
    from portal.templating import StartCard, add_nav, add_start_card

    app.wsgi_app = _StreamedBodyLimit(app.wsgi_app, app)
    app.register_blueprint(bp)
    add_nav("main.notices", _l("Meddelanden"), None, _l("Meddelanden till dig och din organisation."))
    add_start_card(StartCard(key="notices.unread", title=_l("Olästa meddelanden"), permission=None,
                             count=notifications.unread_count, text=_unread_text, endpoint="main.notices",
                             order=10))
    register_error_handlers(app)


def register_error_handlers(app) -> None:
    """The Swedish error pages, the security headers, and the guard against NUL bytes in input."""
    app.before_request(_reject_nul_bytes)

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        db.session.rollback()
        fields = posted_fields(request.form, _is_secret_field)
        return render_template("errors/csrf.html", fields=fields, action=request.full_path.rstrip("?"),
                               form=ButtonForm()), 400

    @app.errorhandler(NotPermitted)
    def not_permitted(exc: NotPermitted):
        # The refusal is kept in the audit trail although the request rolls back (record_independent).
        from portal import audit

        actor = current_user._get_current_object() if current_user.is_authenticated else None
        audit.record_refusal(exc.reason, by=actor, object_type=exc.object_type, object_id=exc.object_id,
                             person_id=exc.person_id)
        if api_errors.is_api_request():
            db.session.rollback()
            return api_errors.response(403)
        return http_error(Forbidden())

    @app.errorhandler(api_errors.ApiError)
    def api_error(exc: api_errors.ApiError):
        db.session.rollback()
        return api_errors.response(exc.status, exc.code, exc.message, exc.fields)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        db.session.rollback()
        if exc.code is None or exc.code < 400:
            return exc
        titles = {
            400: (_("Felaktig begäran"), _("Begäran kunde inte tolkas. Gå tillbaka och försök igen.")),
            403: (_("Åtkomst nekad"), _("Du har inte behörighet att se eller göra det här. "
                                        "Kontakta din organisationsadministratör om du behöver behörighet.")),
            404: (_("Sidan finns inte"), _("Sidan du sökte finns inte eller har flyttats.")),
            405: (_("Metoden är inte tillåten"), _("Sidan kan inte användas på det sättet.")),
            413: (_("Filen är för stor"), _("Filen är större än vad portalen tar emot (högst 10 MB).")),
            429: (_("För många försök"), _("Du har gjort för många försök på kort tid. "
                                          "Vänta en stund och försök sedan igen.")),
        }
        title, message = titles.get(exc.code, (_("Något gick fel"), exc.description or ""))
        if exc.code == 429:
            from portal import audit

            details = {"path": request.path}
            login_step = (request.endpoint or "").startswith("auth.")
            if login_step and request.form.get("email"):
                details["email"] = request.form["email"].strip().lower()[:254]
            actor = current_user._get_current_object() if current_user.is_authenticated else None
            audit.record_independent("login.throttled" if login_step else "request.throttled", by=actor,
                                     details=details)
        if api_errors.is_api_request():
            return api_errors.from_http(exc)
        return _error_page(exc.code, title, message)

    @app.errorhandler(500)
    def server_error(exc):
        db.session.rollback()
        if api_errors.is_api_request():
            return api_errors.response(500)
        return _error_page(500, _("Ett fel uppstod i portalen"),
                           _("Något gick fel hos oss. Ingenting har sparats från den här begäran. "
                             "Försök igen om en stund; kvarstår felet, kontakta supporten."))

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'",
        )
        if current_app.config.get("STRICT_TRANSPORT_SECURITY"):
            response.headers.setdefault("Strict-Transport-Security", current_app.config["STRICT_TRANSPORT_SECURITY"])
        # Asked of the session, not of current_user: the request's commit has expired the user it loaded, and
        # asking it here would load the user and its roles a second time. A void session still gets no-store.
        if session.get("_user_id"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response


