"""Glömt lösenordet: a single-use link by e-mail for 30 minutes; the same answer whether the address exists or not."""
from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import ForeignKey, String, select, update
from sqlalchemy.orm import Mapped, mapped_column
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired

from portal import audit, notifications
from portal.auth import attempt_failed, bp, limiter
from portal.auth.models import User
from portal.auth.operations import AccountError, by_email
from portal.auth.passwords import hash_password, password_problems
from portal.auth.views import _per_account, _per_ip  # the login page's limits, shared
from portal.db import UTCDateTime, db, utcnow
from portal.forms import PortalForm, attach_error
from portal.permissions import public

#: How long a link works.
VALID_FOR = timedelta(minutes=30)


class PasswordReset(db.Model):
    """A link to set a new password: only its hash is kept, it works once, and for VALID_FOR."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    #: SHA-256 of the token in the link: the database alone never lets anyone reset a password.
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    expires_dt: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    #: Set when the link is used, or when a newer password makes it void.
    used_dt: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ForgotPasswordForm(PortalForm):
    class Meta:
        model = User

    email = EmailField(_l("E-postadress"), validators=[DataRequired(_l("Ange din e-postadress."))],
                       description=_l("Den adress du loggar in med."), render_kw={"autocomplete": "username"})


class NewPasswordForm(PortalForm):
    new = PasswordField(_l("Nytt lösenord"), validators=[DataRequired(_l("Ange ett nytt lösenord."))],
                        description=_l("Minst 12 tecken. Gärna en mening av flera ord."),
                        render_kw={"autocomplete": "new-password"})
    repeat = PasswordField(_l("Upprepa det nya lösenordet"),
                           validators=[DataRequired(_l("Skriv det nya lösenordet en gång till."))],
                           render_kw={"autocomplete": "new-password"})


# --- Operations --------------------------------------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def request_reset(email: str) -> None:
    """Queue a link for an active account with this address; for any other address do nothing, so the answer
    (and the work done) tells nobody whether the address exists."""
    user = by_email(email)
    if user is None or not user.is_active:
        return
    token = secrets.token_urlsafe(32)
    db.session.add(PasswordReset(user_id=user.id, token_hash=_digest(token), expires_dt=utcnow() + VALID_FOR))
    link = current_app.config["PORTAL_URL"].rstrip("/") + url_for("auth.reset_password", token=token)
    from flask_babel import force_locale

    with force_locale(user.locale or "sv"):
        notifications.queue_mail(
            user.email, _("Nytt lösenord till DUA-portalen"),
            _("Hej!\n\nNågon, förhoppningsvis du, har bett om ett nytt lösenord till ditt konto i DUA-portalen. "
              "Öppna länken inom 30 minuter och välj ett nytt lösenord:\n%(link)s\n\nLänken fungerar en gång. "
              "Har du inte bett om ett nytt lösenord kan du bortse från e-posten: ditt lösenord är oförändrat.",
              link=link))


def user_for_token(token: str) -> tuple[PasswordReset, User] | None:
    """The unused, unexpired link and its active user, or None."""
    if not token or len(token) > 100:
        return None
    row = db.session.scalar(select(PasswordReset).where(PasswordReset.token_hash == _digest(token)))
    if row is None or row.used_dt is not None or row.expires_dt <= utcnow():
        return None
    user = db.session.get(User, row.user_id)
    return (row, user) if user is not None and user.is_active else None


def complete_reset(token: str, *, new: str, repeat: str) -> User:
    """Set the new password through a valid link; the link and every other open link of the account become
    void, and every session of the account ends."""
    found = user_for_token(token)
    if found is None:
        raise AccountError(_l("Länken har gått ut eller har redan använts. Be om en ny länk."), field=None)
    row, user = found
    if new != repeat:
        raise AccountError(_l("Lösenorden stämmer inte överens."), field="repeat")
    problems = password_problems(new, email=user.email, name=user.name)
    if problems:
        raise AccountError(" ".join(problems), field="new")
    # Claimed by a conditional UPDATE: of two submits of one link, only one sets a password.
    claimed = db.session.execute(update(PasswordReset).where(PasswordReset.id == row.id,
                                                             PasswordReset.used_dt.is_(None))
                                 .values(used_dt=utcnow()).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise AccountError(_l("Länken har gått ut eller har redan använts. Be om en ny länk."), field=None)
    db.session.execute(update(PasswordReset).where(PasswordReset.user_id == user.id, PasswordReset.used_dt.is_(None))
                       .values(used_dt=utcnow()).execution_options(synchronize_session=False))
    user.password_hash = hash_password(new)
    user.password_changed_dt = utcnow()
    user.session_version += 1
    db.session.flush()
    audit.record("user.password_change", obj=user, by=user, details={"via": "reset"})
    return user


# --- Pages -------------------------------------------------------------------------------------------------


def _reset_account_key() -> str:
    return "reset:" + (request.form.get("email") or "").strip().lower()


@bp.route("/glomt-losenord", methods=["GET", "POST"])
@public
@limiter.limit(_per_ip, methods=["POST"])
@limiter.limit(_per_account, key_func=_reset_account_key, methods=["POST"])
def forgot_password():
    if current_user.is_authenticated:
        return redirect(url_for("auth.change_password"))
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        attempt_failed()  # every request counts against the limits, not only failed ones: each may send a mail
        request_reset(form.email.data)
        return render_template("auth/reset_sent.html")
    return render_template("auth/forgot_password.html", form=form), 400 if form.is_submitted() else 200


@bp.route("/glomt-losenord/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_per_ip, methods=["POST"])
def reset_password(token: str):
    if user_for_token(token) is None:
        return render_template("auth/reset_invalid.html"), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            user = complete_reset(token, new=form.new.data, repeat=form.repeat.data)
        except AccountError as exc:
            attach_error(form, exc.field, str(exc))
        else:
            return _continue_login(user)
    return render_template("auth/reset_password.html", form=form), 400 if form.is_submitted() else 200


def _continue_login(user: User):
    """The new password stands for the password step: with two-factor login the code is still asked for (or
    enrolment, where the portal requires it) before anyone is logged in."""
    from portal.auth.views import PENDING, _finish_login

    if user.is_totp_enabled or current_app.config["REQUIRE_TWO_FACTOR"]:
        stage = "code" if user.is_totp_enabled else "enrol"
        chosen = session.get("lang") if session.get("lang") in current_app.config["LANGUAGES"] else None
        session.clear()
        if chosen:
            session["lang"] = chosen
        session[PENDING] = {"uid": user.id, "sv": user.session_version, "stage": stage,
                            "at": datetime.now(UTC).timestamp(), "next": url_for("main.index")}
        flash(_("Lösenordet är bytt. Ange koden från din app för att logga in.") if stage == "code" else
              _("Lösenordet är bytt. Slå på tvåfaktorsinloggning för att logga in."), "success")
        return redirect(url_for("auth.second_factor" if stage == "code" else "auth.enrol_at_login"))
    response = _finish_login(user, url_for("main.index"))  # a fresh session: the message goes in after it
    flash(_("Lösenordet är bytt."), "success")
    return response
