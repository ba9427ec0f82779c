"""Login, second factor, two-factor enrolment, logout and change of password."""
from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from portal.auth import attempt_failed, bp, is_local_url, limiter, operations, totp
from portal.auth.forms import ChangePasswordForm, CodeForm, EnrolForm, LoginForm
from portal.auth.models import User
from portal.db import db
from portal.forms import ButtonForm, attach_error
from portal.permissions import login_only, public

PENDING = "pending_login"
PENDING_MAX_AGE = 300  # seconds between the password step and the code
ENROL_MAX_AGE = 900  # enrolling takes longer: the user may first have to install an app
ENROL_NONCE = "totp_enrol_nonce"
SIGNED_IN_WITH = "signed_in_with"


def login_page(form: LoginForm | None = None, *, status: int = 200, oidc_error: str | None = None):
    """The login page: the password form (unless every organisation has switched it off, it is always shown) and
    one button per configured e-legitimation provider."""
    from portal.auth import oidc

    return render_template("auth/login.html", form=form or LoginForm(), oidc_error=oidc_error,
                           providers=list(oidc.providers().values())), status


def _safe_next(target: str | None) -> str:
    if is_local_url(target):
        return target
    return url_for("main.index")


def _account_key() -> str:
    return "acct:" + (request.form.get("email") or "").strip().lower()


def _pending_key() -> str:
    return "pending:" + str((session.get(PENDING) or {}).get("uid"))


def _per_ip():
    return current_app.config["LOGIN_LIMIT_PER_IP"]


def _per_account():
    return current_app.config["LOGIN_LIMIT_PER_ACCOUNT"]


def _own_account_key() -> str:
    return f"user:{current_user.id}"


def _start_session(user: User) -> None:
    """Renew the session (nothing from before login survives: no fixation) and log the user in."""
    # Only a language picked on the login page itself carries over; otherwise the account's own choice.
    chosen = session.get("lang") if session.get("lang") in current_app.config["LANGUAGES"] else None
    session.clear()
    login_user(user)
    session["last_seen"] = session["login_at"] = datetime.now(UTC).timestamp()
    session["lang"] = chosen or user.locale


def _finish_login(user: User, next_url: str | None, *, via: str | None = None):
    """Log the user in on a renewed session, audit it and go on. `via` names the OIDC provider whose
    e-legitimation signed the user in: that counts as the second factor (portal.auth.enforce_two_factor)."""
    _start_session(user)
    if via:
        session[SIGNED_IN_WITH] = via
    operations.record_login(user, via=via)
    flash(_("Välkommen, %(name)s!", name=user.name), "success")
    return redirect(_safe_next(next_url))


def _pending_user(stage: str) -> User | None:
    pending = session.get(PENDING) or {}
    if pending.get("stage") != stage:
        return None
    max_age = ENROL_MAX_AGE if stage == "enrol" else PENDING_MAX_AGE
    if datetime.now(UTC).timestamp() - float(pending.get("at", 0)) > max_age:
        session.pop(PENDING, None)
        return None
    user = db.session.get(User, pending.get("uid"))
    if user is None or not user.is_active or user.session_version != pending.get("sv"):
        return None
    return user


@bp.route("/logga-in", methods=["GET", "POST"])
@public
@limiter.limit(_per_ip, methods=["POST"])
@limiter.limit(_per_account, key_func=_account_key, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    next_url = request.args.get("next")
    if form.validate_on_submit():
        try:
            user = operations.check_password(form.email.data, form.password.data)
        except operations.AccountError as exc:  # right password, but the organisation wants e-legitimation
            attach_error(form, exc.field, str(exc))
            return login_page(form, status=403)
        if user is None:
            attempt_failed()
            attach_error(form, None, _("Fel e-postadress eller lösenord, eller så är kontot inaktiverat."))
            return login_page(form, status=401)
        if user.is_totp_enabled or current_app.config["REQUIRE_TWO_FACTOR"]:
            stage = "code" if user.is_totp_enabled else "enrol"
            chosen = session.get("lang") if session.get("lang") in current_app.config["LANGUAGES"] else None
            session.clear()
            if chosen:
                session["lang"] = chosen
            session[PENDING] = {"uid": user.id, "sv": user.session_version, "stage": stage,
                                "at": datetime.now(UTC).timestamp(), "next": _safe_next(next_url)}
            return redirect(url_for("auth.second_factor" if stage == "code" else "auth.enrol_at_login"))
        return _finish_login(user, next_url)
    return login_page(form, status=400 if form.is_submitted() else 200)


@bp.route("/logga-in/kod", methods=["GET", "POST"])
@public
@limiter.limit(_per_account, key_func=_pending_key, methods=["POST"])
def second_factor():
    user = _pending_user("code")
    if user is None:
        flash(_("Inloggningen tog för lång tid eller avbröts. Logga in igen."), "warning")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        if operations.check_second_factor(user, form.code.data):
            return _finish_login(user, session.get(PENDING, {}).get("next"))
        attempt_failed()
        attach_error(form, "code", _("Koden stämmer inte eller har redan använts. Vänta på nästa kod och försök igen."))
        form.code.data = ""
        return render_template("auth/second_factor.html", form=form), 401
    return render_template("auth/second_factor.html", form=form), 400 if form.is_submitted() else 200


def _enrol(user: User, template_after: str, on_done):
    """Show a new secret as a QR code; enable it only when the user proves the app has it (and, when two-factor
    login is on already, that they own the account: password or a current code)."""
    form = EnrolForm()
    again = user.is_totp_enabled
    if not again:
        del form.current
    nonce = session.get(ENROL_NONCE)
    if request.method == "GET" or not nonce:
        # Only a nonce travels in the session until the code confirms; the account is untouched till then.
        nonce = session[ENROL_NONCE] = operations.start_totp_enrolment(user)
    secret = operations.enrolment_secret(user, nonce)
    if form.validate_on_submit():
        try:
            codes = operations.confirm_totp_enrolment(user, secret, form.code.data,
                                                      current=form.current.data if again else None)
        except operations.AccountError as exc:
            if exc.field == "current":
                attempt_failed()
            attach_error(form, exc.field, str(exc))
            form.code.data = ""
        else:
            session.pop(ENROL_NONCE, None)
            return on_done(codes)
    uri = totp.provisioning_uri(secret, user.email)
    status = 400 if form.is_submitted() else 200
    return render_template("auth/enrol.html", form=form, qr=totp.qr_svg(uri), secret=secret,
                           required=template_after == "login", again=again), status


@bp.route("/logga-in/tvafaktor", methods=["GET", "POST"])
@public
def enrol_at_login():
    """Production requires a second factor: a user without one enrols before the login completes."""
    user = _pending_user("enrol")
    if user is None:
        flash(_("Inloggningen tog för lång tid eller avbröts. Logga in igen."), "warning")
        return redirect(url_for("auth.login"))

    def done(codes):
        next_url = session.get(PENDING, {}).get("next")
        _start_session(user)
        operations.record_login(user)
        return render_template("auth/recovery_codes.html", codes=codes, next_url=_safe_next(next_url))

    return _enrol(user, "login", done)


@bp.route("/konto/tvafaktor", methods=["GET", "POST"])
@login_only
@limiter.limit(_per_account, key_func=_own_account_key, methods=["POST"])
def enrol():
    again = current_user.is_totp_enabled

    def done(codes):
        # Setting it up again ended the account's other sessions: renew this one so it alone stays.
        _start_session(current_user._get_current_object())
        if again:
            flash(_("Tvåfaktorsinloggningen är inställd på nytt. Andra inloggningar med ditt konto har avslutats."),
                  "success")
        else:
            flash(_("Tvåfaktorsinloggning är påslagen."), "success")
        return render_template("auth/recovery_codes.html", codes=codes, next_url=url_for("auth.account"))

    return _enrol(current_user, "account", done)


@bp.route("/konto", methods=["GET"])
@login_only
def account():
    return render_template("auth/account.html", button=ButtonForm())


@bp.route("/konto/losenord", methods=["GET", "POST"])
@login_only
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            operations.change_password(current_user, current=form.current.data, new=form.new.data,
                                       repeat=form.repeat.data)
        except operations.AccountError as exc:
            attach_error(form, exc.field, str(exc))
        else:
            # The session version changed: renew this session so only it stays logged in.
            _start_session(current_user._get_current_object())
            flash(_("Lösenordet är bytt. Andra inloggningar med ditt konto har avslutats."), "success")
            return redirect(url_for("auth.account"))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/change_password.html", form=form), status


@bp.route("/logga-ut", methods=["POST"])
@login_only
def logout():
    form = ButtonForm()
    if form.validate_on_submit():
        operations.record_logout(current_user)
        logout_user()
        session.clear()
        flash(_("Du är utloggad."), "success")
    return redirect(url_for("auth.login"))
