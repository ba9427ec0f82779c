"""`flask send-mail` against a real SMTP server on 127.0.0.1 (aiosmtpd): what arrives, once, with no personal data;
failures retried with backoff, then given up and shown to the system admin; two senders never take the same row."""
from __future__ import annotations

import socket
import threading
from datetime import timedelta
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from portal import mail, notifications
from portal.db import db, utcnow
from portal.notifications import OutboxMail
from portal.people import consent as consents
from tests.people import factories as f


class Inbox:
    """The SMTP server's handler: keeps every message it accepts; refuses recipients whose address says so."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd's name
        if address.startswith("trasig"):
            return "451 4.3.0 Mailbox temporarily unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        with self.lock:
            self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"

    def message_ids(self) -> list[str]:
        return [m["Message-ID"] for m in self.messages]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(app):
    """A real SMTP server on 127.0.0.1 for the test, and the portal's MAIL_* settings pointing at it."""
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    saved = {k: app.config[k] for k in ("MAIL_SERVER", "MAIL_PORT", "MAIL_MAX_ATTEMPTS", "MAIL_TIMEOUT")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=5)
    try:
        yield inbox
    finally:
        controller.stop()
        app.config.update(saved)


def _send(app) -> object:
    return app.test_cli_runner().invoke(args=["send-mail"])


def test_send_mail_delivers_each_queued_mail_once_with_a_stable_message_id_and_no_personal_data(
        app, orgs, make_user, smtp):
    recorder = make_user(org="ami")
    colleague = make_user(org="ami")
    af_user = make_user(org="af")
    notifications.set_wants_mail(colleague, True, by=colleague)
    notifications.set_wants_mail(af_user, True, by=af_user)
    person = f.person(recorder, first="Elsa", last="Lindqvist")
    consent = f.consent(person, recorder, [orgs["af"].id])
    consents.withdraw_consent(consent, by=af_user, reason="Den unge ringde.")
    db.session.commit()
    queued = db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)).all()
    # The recorder in person; the AMI colleague and the AF caseworker because they asked for notices by e-mail
    # (AF's confirm request earlier went out the same way).
    assert {m.to_address for m in queued} >= {recorder.email, colleague.email, af_user.email}

    result = _send(app)
    assert result.exit_code == 0, result.output
    assert f"{len(queued)} skickade" in result.output
    print(f"SMTP test: {len(smtp.messages)} mails read from the SMTP server on 127.0.0.1")
    assert len(smtp.messages) == len(queued)
    assert sorted(smtp.message_ids()) == sorted(m.message_id for m in queued)
    for message in smtp.messages:
        text = message.get_payload(decode=True).decode("utf-8")
        assert "Elsa" not in text and "Lindqvist" not in text and person.pseudonym not in text
        assert "Elsa" not in message["Subject"]
    notice_mail = next(m for m in smtp.messages if m["To"] == colleague.email)
    assert "/meddelanden" in notice_mail.get_payload(decode=True).decode() and "M-" in notice_mail["Subject"]

    db.session.expire_all()
    assert all(m.sent_dt is not None and m.attempts == 1 for m in db.session.scalars(select(OutboxMail)))
    # Run again: nothing is sent twice.
    assert "0 skickade" in _send(app).output
    assert len(smtp.messages) == len(queued)


def test_a_user_without_the_setting_gets_no_notice_mail(app, orgs, make_user, smtp):
    recorder = make_user(org="ami")
    af_user = make_user(org="af")
    person = f.person(recorder)
    consents.withdraw_consent(f.consent(person, recorder, [orgs["af"].id]), by=recorder, reason="Begäran.")
    db.session.commit()
    assert db.session.scalars(select(OutboxMail)).all() == []
    assert af_user.email not in [m["To"] for m in smtp.messages]


def test_a_refused_mail_is_retried_with_backoff_then_given_up_and_shown_to_the_system_admin(
        app, client, make_user, login_as, smtp):
    app.config["MAIL_MAX_ATTEMPTS"] = 3
    good = notifications.queue_mail("handlaggare@lekeberg.example", "Ämne", "Text")
    bad = notifications.queue_mail("trasig@lekeberg.example", "Ämne", "Text")
    db.session.commit()
    start = utcnow()

    result = _send(app)
    assert result.exit_code == 1 and "1 skickade, 1 misslyckades" in result.output
    db.session.expire_all()
    assert good.sent_dt is not None and bad.sent_dt is None and bad.attempts == 1
    assert "451" in bad.last_error
    first_wait = bad.next_attempt_dt - start
    assert timedelta(seconds=55) <= first_wait <= timedelta(seconds=65)
    # Not due yet: a run now leaves it alone.
    assert mail.send_pending().retrying == 0 and db.session.get(OutboxMail, bad.id).attempts == 1

    mail.send_pending(now=bad.next_attempt_dt + timedelta(seconds=1))
    db.session.expire_all()
    assert bad.attempts == 2 and bad.next_attempt_dt - utcnow() > timedelta(seconds=100)  # 60 s, then 120 s
    gave_up = mail.send_pending(now=bad.next_attempt_dt + timedelta(seconds=1))
    db.session.expire_all()
    assert gave_up.gave_up == 1 and bad.failed_dt is not None and bad.attempts == 3
    assert mail.send_pending(now=utcnow() + timedelta(days=2)).retrying == 0  # never tried again
    assert [m["To"] for m in smtp.messages] == ["handlaggare@lekeberg.example"]

    login_as(org="kommun", roles=("system_admin",))
    start_page = client.get("/").get_data(as_text=True)
    assert "E-post som inte gick fram" in start_page and "/admin/e-post" in start_page
    page = client.get("/admin/e-post").get_data(as_text=True)
    assert "trasig@lekeberg.example" in page and "451" in page and "Gav upp" in page
    assert "handlaggare@lekeberg.example" not in page


def test_an_unreachable_server_leaves_every_mail_queued_for_the_next_run(app, make_user):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=_free_port())
    try:
        notifications.queue_mail("a@lekeberg.example", "Ämne", "Text")
        notifications.queue_mail("b@lekeberg.example", "Ämne", "Text")
        db.session.commit()
        result = _send(app)
    finally:
        app.config.update(MAIL_SERVER="localhost", MAIL_PORT=25)
    assert result.exit_code == 1 and "0 skickade, 2 misslyckades" in result.output
    rows = db.session.scalars(select(OutboxMail)).all()
    assert all(r.sent_dt is None and r.attempts == 1 and r.claim_token is None and r.last_error for r in rows)


def test_two_senders_never_claim_the_same_row_and_a_dead_senders_claim_is_taken_over(app):
    for n in range(5):
        notifications.queue_mail(f"p{n}@lekeberg.example", "Ämne", "Text")
    db.session.commit()
    first = {row.id for row in mail.claim(3)}
    second = {row.id for row in mail.claim(10)}
    assert len(first) == 3 and len(second) == 2 and not first & second
    assert mail.claim(10) == []
    # A claim older than MAIL_CLAIM_SECONDS belongs to a sender that died: another takes it over.
    later = utcnow() + timedelta(seconds=app.config["MAIL_CLAIM_SECONDS"] + 1)
    assert {row.id for row in mail.claim(10, now=later)} == first | second


def test_concurrent_senders_deliver_every_mail_exactly_once(app, shared_app, smtp):
    for n in range(40):
        notifications.queue_mail(f"p{n}@lekeberg.example", f"Ämne {n}", "Text")
    db.session.commit()
    errors = []

    def sender():
        try:
            with shared_app.app_context():
                mail.send_pending(batch=3)
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=sender) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    ids = smtp.message_ids()
    assert len(ids) == 40 and len(set(ids)) == 40
    db.session.expire_all()
    assert all(row.sent_dt is not None for row in db.session.scalars(select(OutboxMail)))
