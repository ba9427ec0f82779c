"""E-mail: notices by e-mail for those who asked, and `flask send-mail`, which delivers the outbox over SMTP."""
from __future__ import annotations

import secrets
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

import click
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select, update

from portal.auth.models import User, UserRole
from portal.db import db, utcnow
from portal.notifications import Notice, NoticeMailSetting, OutboxMail, queue_mail
from portal.permissions import roles_with


def notice_reference(notice: Notice) -> str:
    """The neutral reference a mail gives for a notice: it says nothing of the matter or the person."""
    return f"M-{notice.id}"


def _recipients(notice: Notice) -> list[User]:
    """Active users the notice is meant for who asked for notices by e-mail (one statement)."""
    stmt = (select(User).join(NoticeMailSetting, NoticeMailSetting.user_id == User.id)
            .where(User.is_active_account.is_(True)))
    if notice.user_id is not None:
        stmt = stmt.where(User.id == notice.user_id)
    else:
        stmt = stmt.where(User.organisation_id == notice.organisation_id)
        if notice.permission is not None:
            roles = roles_with(notice.permission)
            stmt = stmt.where(User.id.in_(select(UserRole.user_id).where(UserRole.role.in_(roles))))
    return list(db.session.scalars(stmt.order_by(User.id)))


def mail_notice(notice: Notice, *, not_mailed: frozenset[int] = frozenset()) -> int:
    """Queue a mail about the notice to each of its recipients who asked for one: a reference and a link, never
    what the notice says (it may name a pseudonym, an organisation, a matter). Returns how many were queued."""
    link = current_app.config["PORTAL_URL"].rstrip("/") + "/meddelanden"
    count = 0
    for user in _recipients(notice):
        if user.id in not_mailed:
            continue
        with force_locale(user.locale or "sv"):
            subject = _("Nytt meddelande i DUA-portalen (%(ref)s)", ref=notice_reference(notice))
            body = _("Hej!\n\nDet finns ett nytt meddelande till dig i DUA-portalen, referens %(ref)s. Av "
                     "sekretesskäl står inget om ärendet i e-posten. Logga in och läs det under Meddelanden:\n"
                     "%(link)s\n\nDu får e-posten eftersom du har valt att få meddelanden även med e-post. "
                     "Du stänger av det under Meddelanden i portalen.", ref=notice_reference(notice), link=link)
        queue_mail(user.email, subject, body)
        count += 1
    return count


# --- Sending ------------------------------------------------------------------------------------------------


@dataclass
class SendResult:
    sent: int = 0
    retrying: int = 0
    gave_up: int = 0


def _due(now: datetime):
    """A row waiting to be sent now that no live sender holds (a claim older than MAIL_CLAIM_SECONDS was left by a
    sender that died: the mail may have gone, but at-least-once means it is sent again, same Message-ID)."""
    stale = now - timedelta(seconds=current_app.config["MAIL_CLAIM_SECONDS"])
    return and_(OutboxMail.sent_dt.is_(None), OutboxMail.failed_dt.is_(None),
                or_(OutboxMail.next_attempt_dt.is_(None), OutboxMail.next_attempt_dt <= now),
                or_(OutboxMail.claim_token.is_(None), OutboxMail.claimed_dt < stale))


def claim(limit: int, now: datetime | None = None) -> list[OutboxMail]:
    """Claim up to `limit` due rows for this sender and commit the claim, before anything is sent.

    PostgreSQL: the candidates are locked `FOR UPDATE SKIP LOCKED` (a second sender passes over them instead of
    waiting) and then marked, in one transaction; the lock is taken by its own SELECT because a LIMIT in a
    subquery of the UPDATE may be run more than once and claim more rows than asked. SQLite: one conditional
    UPDATE; SQLite runs one writer at a time, so a second sender's UPDATE sees the first one's claim and takes
    other rows. Either way no two senders hold the same row.
    """
    now = now or utcnow()
    token = secrets.token_hex(16)
    candidates = select(OutboxMail.id).where(_due(now)).order_by(OutboxMail.id).limit(limit)
    if db.engine.dialect.name == "postgresql":
        ids = list(db.session.scalars(candidates.with_for_update(skip_locked=True)))
        if not ids:
            db.session.commit()
            return []
        chosen = OutboxMail.id.in_(ids)
    else:
        chosen = OutboxMail.id.in_(candidates.scalar_subquery())
    db.session.execute(update(OutboxMail).where(chosen, _due(now)).values(claim_token=token, claimed_dt=now)
                       .execution_options(synchronize_session=False))
    db.session.commit()
    return list(db.session.scalars(select(OutboxMail).where(OutboxMail.claim_token == token)
                                   .order_by(OutboxMail.id)))


def _message(row: OutboxMail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = row.to_address
    message["Subject"] = row.subject
    message["Message-ID"] = row.message_id or f"<outbox-{row.id}@localhost>"
    message["Date"] = format_datetime(row.created_dt)
    message.set_content(row.body)
    return message


def _sent(row: OutboxMail, now: datetime) -> None:
    row.attempts += 1
    row.sent_dt, row.claim_token, row.claimed_dt, row.last_error = now, None, None, None


def _failed(row: OutboxMail, error: Exception, now: datetime, result: SendResult) -> None:
    """Count the attempt; try again after MAIL_RETRY_SECONDS · 2^(attempts−1), or give up after MAIL_MAX_ATTEMPTS
    (the system admin's list of mail that did not go out shows it with the error)."""
    config = current_app.config
    row.attempts += 1
    row.last_error = f"{type(error).__name__}: {error}"[:500]
    row.claim_token, row.claimed_dt = None, None
    if row.attempts >= config["MAIL_MAX_ATTEMPTS"]:
        row.failed_dt = now
        result.gave_up += 1
    else:
        delay = min(config["MAIL_RETRY_SECONDS"] * 2 ** (row.attempts - 1), 24 * 3600)
        row.next_attempt_dt = now + timedelta(seconds=delay)
        result.retrying += 1


def _connect() -> smtplib.SMTP:
    config = current_app.config
    smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"])
    try:
        if config["MAIL_USE_TLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def send_pending(*, batch: int = 50, now: datetime | None = None) -> SendResult:
    """Deliver what is due, batch by batch, until nothing due is left; each row is committed as sent (or failed)
    right after its attempt, so a crash resends at most the one mail in flight."""
    result = SendResult()
    while rows := claim(batch, now):
        try:
            smtp = _connect()
        except (OSError, smtplib.SMTPException) as exc:
            for row in rows:
                _failed(row, exc, now or utcnow(), result)
            db.session.commit()
            break  # the server is unreachable: the rest waits for the next run
        with smtp:
            for row in rows:
                try:
                    smtp.send_message(_message(row))
                except (OSError, smtplib.SMTPException) as exc:
                    _failed(row, exc, now or utcnow(), result)
                else:
                    _sent(row, now or utcnow())
                    result.sent += 1
                db.session.commit()
    return result


def undelivered(limit: int = 200) -> list[OutboxMail]:
    """Mail that failed at least once and is not sent, newest first: given up, or waiting to be tried again."""
    return list(db.session.scalars(
        select(OutboxMail).where(OutboxMail.sent_dt.is_(None), OutboxMail.attempts > 0)
        .order_by(OutboxMail.failed_dt.is_(None), OutboxMail.id.desc()).limit(limit)))


def count_given_up(_user=None) -> int:
    """How many mails were given up (the system admin's start-page card)."""
    return db.session.scalar(select(func.count()).select_from(OutboxMail).where(
        OutboxMail.failed_dt.is_not(None))) or 0


def init_app(app) -> None:
    """The `send-mail` command."""

    @app.cli.command("send-mail")
    @click.option("--batch", default=50, show_default=True, help="Hur många e-postmeddelanden som tas åt gången.")
    def send_mail(batch: int):
        """Skicka köad e-post över SMTP (MAIL_*-inställningarna). Kör den var minut, t.ex. från cron."""
        result = send_pending(batch=max(1, batch))
        click.echo(f"{result.sent} skickade, {result.retrying} misslyckades och försöks igen, "
                   f"{result.gave_up} gav upp.")
        if result.retrying or result.gave_up:
            raise SystemExit(1)
