"""In-app notices ("meddelanden") to a user or an organisation, and the e-mail outbox filled inside the transaction."""
from __future__ import annotations

import json
import secrets
from datetime import datetime

from flask import current_app
from flask_babel import gettext
from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, and_, func, or_, select
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import UTCDateTime, db, utcnow
from portal.permissions import check_by, permissions_of


class Notice(db.Model):
    """A notice shown in the portal, to one user or to everyone in one organisation, read or unread."""

    __tablename__ = "notices"
    __table_args__ = (
        CheckConstraint("user_id IS NOT NULL OR organisation_id IS NOT NULL", name="has_recipient"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), nullable=True, index=True)
    #: The Swedish message id (marked with N_), translated when shown, so each reader gets their language.
    #: Never a young person's name (a pseudonym at most): notices may be read on shared screens.
    message: Mapped[str] = mapped_column(Text, nullable=False)
    #: JSON of the values for the message's %(name)s placeholders.
    params: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    #: A path inside the portal where the matter is handled.
    url: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    #: For an organisation notice: only its users holding this permission see it (None: everybody there).
    permission: Mapped[str | None] = mapped_column(String(60), nullable=True)
    #: Makes a notice idempotent: the same key is only ever created once.
    key: Mapped[str | None] = mapped_column(String(120), nullable=True, unique=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    #: For an organisation notice, the first user who marked it read marks it read for everybody there.
    read_dt: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    read_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    @property
    def text(self) -> str:
        """The notice in the reader's language."""
        return gettext(self.message, **json.loads(self.params or "{}"))


class OutboxMail(db.Model):
    """An e-mail queued in the request's transaction; `flask send-mail` (portal/mail.py) delivers it after the
    commit, at least once: a row is claimed before it is sent, so two senders never take the same one."""

    __tablename__ = "mail_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254), nullable=False)
    subject: Mapped[str] = mapped_column(String(200), nullable=False)
    #: Never personal data about a young person: a neutral reference and a link into the portal.
    body: Mapped[str] = mapped_column(Text, nullable=False)
    #: Fixed when queued, so a mail sent again after a crash is recognisable as the same one.
    message_id: Mapped[str | None] = mapped_column(String(200), nullable=True, unique=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    sent_dt: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: The sender run that holds the row now (None: free); a claim older than MAIL_CLAIM_SECONDS is free again.
    claim_token: Mapped[str | None] = mapped_column(String(32), nullable=True)
    claimed_dt: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: Not tried again before this (exponential backoff after a failure).
    next_attempt_dt: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    #: Given up after MAIL_MAX_ATTEMPTS; listed for the system admin.
    failed_dt: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class NoticeMailSetting(db.Model):
    """A user who wants each notice meant for them by e-mail as well (a neutral reference and a link)."""

    __tablename__ = "notice_mail_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)



#: Called with each new notice that may go by e-mail too: portal.mail registers itself (`mails_notices`), so
#: notices know nothing of mail and its recipients.
_MAILERS: list = []


def mails_notices(mailer):
    """Register `mailer(notice, *, not_mailed=frozenset())`, called for each new notice created with mail=True."""
    if mailer not in _MAILERS:
        _MAILERS.append(mailer)
    return mailer


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext_noop marker, extracted by Babel
    """Mark a notice text for translation; it is translated when shown, not when stored."""
    return message


def _create(*, user_id: int | None, organisation_id: int | None, message: str, params: dict | None, url: str,
            key: str | None, permission: str | None = None) -> Notice | None:
    if key is not None and db.session.scalar(select(Notice.id).where(Notice.key == key)) is not None:
        return None
    notice = Notice(user_id=user_id, organisation_id=organisation_id, message=message,
                    params=json.dumps(params or {}, ensure_ascii=False), url=url, key=key, permission=permission)
    db.session.add(notice)
    db.session.flush()
    return notice


def notify_user(user_id: int, message: str, *, params: dict | None = None, url: str = "",
                key: str | None = None, mail: bool = False) -> Notice | None:
    """Create a notice for one user (None if a notice with `key` exists already); `message` is marked N_().
    With `mail`, the user also gets an e-mail if they asked for notices by e-mail."""
    notice = _create(user_id=user_id, organisation_id=None, message=message, params=params, url=url, key=key)
    if notice is not None and mail:
        for mail_it in _MAILERS:
            mail_it(notice)
    return notice


def notify_organisation(organisation_id: int, message: str, *, permission: str, params: dict | None = None,
                        url: str = "", key: str | None = None, mail: bool = False,
                        not_mailed: frozenset[int] = frozenset()) -> Notice | None:
    """Create a notice for the users of an organisation who hold `permission`, i.e. who can act on it
    (None if a notice with `key` exists already). With `mail`, those of them who asked for notices by e-mail get
    one too (except the users in `not_mailed`, who are told another way)."""
    notice = _create(user_id=None, organisation_id=organisation_id, message=message, params=params, url=url,
                     key=key, permission=permission)
    if notice is not None and mail:
        for mail_it in _MAILERS:
            mail_it(notice, not_mailed=not_mailed)
    return notice


def queue_mail(to_address: str, subject: str, body: str) -> OutboxMail:
    """Queue an e-mail in the current transaction: rolled back with the request, sent only after a commit.
    Its Message-ID is fixed now, so every attempt to send it carries the same one."""
    mail = OutboxMail(to_address=to_address, subject=str(subject), body=str(body))
    db.session.add(mail)
    db.session.flush()
    domain = str(current_app.config.get("MAIL_DEFAULT_SENDER") or "localhost").rpartition("@")[2] or "localhost"
    mail.message_id = f"<outbox-{mail.id}.{secrets.token_hex(8)}@{domain.strip('<> ')}>"
    db.session.flush()
    return mail


def wants_mail(user) -> bool:
    """The user asked for notices by e-mail."""
    return db.session.get(NoticeMailSetting, user.id) is not None


def set_wants_mail(user, wanted: bool, *, by) -> None:
    """Turn notices by e-mail on or off; only for oneself."""
    check_by(by, lambda actor, target: actor.id == target.id, user, "notice:mail_setting_of_other")
    row = db.session.get(NoticeMailSetting, user.id)
    if wanted and row is None:
        db.session.add(NoticeMailSetting(user_id=user.id))
    elif not wanted and row is not None:
        db.session.delete(row)
    db.session.flush()


def _for(user):
    granted = sorted(permissions_of(user))
    to_org = and_(Notice.organisation_id == user.organisation_id,
                  or_(Notice.permission.is_(None), Notice.permission.in_(granted)))
    return or_(Notice.user_id == user.id, to_org)


def notices_for(user, *, limit: int = 100) -> list[Notice]:
    return list(db.session.scalars(select(Notice).where(_for(user))
                                   .order_by(Notice.created_dt.desc(), Notice.id.desc()).limit(limit)))


def unread_count(user) -> int:
    return db.session.scalar(select(func.count()).select_from(Notice).where(_for(user), Notice.read_dt.is_(None))) or 0


def is_recipient(user, notice: Notice) -> bool:
    """The rule: the notice is in the user's own list (the same test as `notices_for`), i.e. it is to them, or to
    their organisation and meant for a permission they hold. Marking an organisation's notice read marks it for
    everybody there, so someone it was not meant for (an org admin without the permission) must not."""
    if notice.user_id is not None and notice.user_id == user.id:
        return True
    return (notice.organisation_id is not None and notice.organisation_id == user.organisation_id
            and (notice.permission is None or notice.permission in permissions_of(user)))


def notice_for(user, notice_id: int) -> Notice | None:
    """The notice with this id if it is in the user's own list; anybody else's is as if it did not exist."""
    notice = db.session.get(Notice, notice_id)
    return notice if notice is not None and is_recipient(user, notice) else None


def mark_read(notice: Notice, *, by) -> None:
    """Mark a notice read (an organisation's notice for everybody there); only a recipient may."""
    check_by(by, is_recipient, notice, "notice:not_recipient")
    if notice.read_dt is None:
        notice.read_dt = utcnow()
        notice.read_by_id = by.id
        db.session.flush()
