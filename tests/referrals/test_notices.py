"""Who hears of a referral (the receiver's handlers, the sender, the assignee — never whoever acted, never a third
organisation) and that no notice or mail names, numbers or contacts the young person, through a real SMTP server."""
from __future__ import annotations

import re
import socket
import threading
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from portal import notifications
from portal.db import db
from portal.notifications import Notice, OutboxMail, notices_for
from portal.people import consent as consents
from referrals import operations as ops
from tests.people import factories as f
from tests.referrals import helpers as h


@pytest.fixture
def cast(orgs, make_user):
    """The sender (AF), a colleague of the sender, the receiver's caseworker and coordinator (AMI), an AMI caseworker
    to assign, a steering-group member at the AMI, and a third organisation's caseworker (IFO)."""
    return {
        "af": make_user(org="af", name="Ada Sändare"),
        "af2": make_user(org="af", name="Bo Kollega"),
        "ami": make_user(org="ami", name="Cia Mottagare"),
        "boss": make_user(org="ami", roles=("samordnare",), name="Dan Samordnare"),
        "case": make_user(org="ami", name="Eva Handläggare"),
        "steer": make_user(org="ami", roles=("styrgrupp",), name="Fia Styrgrupp"),
        "ifo": make_user(org="ifo", name="Gun Tredje"),
    }


def _texts(user) -> list[str]:
    db.session.expire_all()
    return [n.text for n in notices_for(user)]


def _personal(person) -> list[str]:
    """Every form the young person's name, number and contact details could take in a text."""
    number = person.id_number.replace("-", "")
    return [*f.identifiers(person), number, number[2:], f"{number[2:8]}+{number[8:]}", "elsa@exempel.se",
            "070-123 45 67", "0701234567", "Hemliga gatan"]


def _assert_no_personal_data(person, texts):
    for text in texts:
        for word in _personal(person):
            assert word not in text, (word, text)
        assert not re.search(r"\d{6}[-+]?\d{4}", text), text


def test_a_new_referral_tells_the_receivers_handlers_only(orgs, cast):
    p = h.consented_person(cast["af"], orgs["ami"], first="Nora", last="Berglund")
    r = h.sent(cast["af"], orgs["ami"], p)
    for who in ("ami", "boss", "case"):
        assert any(r.reference in t and "Ny remiss" in t for t in _texts(cast[who])), who
    for who in ("af", "af2", "steer", "ifo"):
        assert not any(r.reference in t for t in _texts(cast[who])), who


def test_each_step_and_comment_tells_the_sender_the_assignee_and_the_handlers_but_not_who_acted(orgs, cast):
    af, ami, boss, case = cast["af"], cast["ami"], cast["boss"], cast["case"]
    p = h.consented_person(af, orgs["ami"], first="Nora", last="Berglund")
    r = h.received(af, orgs["ami"], ami, p)
    assert any("har tagits emot" in t for t in _texts(af))
    ops.assign(r, by=boss, assignee_id=case.id)
    db.session.commit()
    assert any("att handlägga" in t and r.reference in t for t in _texts(case))
    assert not any("att handlägga" in t for t in _texts(af))

    ops.comment(r, by=af, body="Nora kan börja på måndag.")
    db.session.commit()
    assert any("Ny kommentar" in t for t in _texts(case)) and any("Ny kommentar" in t for t in _texts(ami))
    assert not any("Ny kommentar" in t for t in _texts(af)), "the one who wrote it is not told"
    ops.comment(r, by=case, body="Tack, vi bokar ett möte.")
    db.session.commit()
    assert sum("Ny kommentar" in t for t in _texts(af)) == 1

    ops.accept(r, by=case)
    db.session.commit()
    assert any("har accepterats" in t for t in _texts(af))
    assert not any("har accepterats" in n.text for n in notices_for(case) if n.user_id == case.id)
    ops.close(r, by=case, outcome="praktik", note="Praktik på biblioteket.")
    db.session.commit()
    assert any("har avslutats" in t for t in _texts(af))
    for who in ("af2", "steer", "ifo"):
        assert not any(r.reference in t for t in _texts(cast[who])), who
    every = [n.text for n in db.session.scalars(select(Notice))]
    assert len(every) >= 8
    _assert_no_personal_data(p, every)
    assert not any("Nora kan börja" in t or "biblioteket" in t for t in every), "notices carry no free text"


def test_a_withdrawal_and_a_decline_tell_the_other_side(orgs, cast):
    af, ami = cast["af"], cast["ami"]
    p = h.consented_person(af, orgs["ami"])
    r = h.received(af, orgs["ami"], ami, p)
    ops.withdraw(r, by=af, reason="Fel mottagare.")
    db.session.commit()
    assert any("tagits tillbaka" in t and r.reference in t for t in _texts(ami))
    r2 = h.received(af, orgs["ami"], ami, p)
    ops.decline(r2, by=ami, reason="Vi har inga platser i vår.")
    db.session.commit()
    assert any("har avböjts" in t and r2.reference in t for t in _texts(af))
    assert not any("platser" in t for t in _texts(af))


def test_a_consent_withdrawn_tells_each_organisation_once_listing_its_open_referrals(orgs, cast):
    af, ami = cast["af"], cast["ami"]
    p = h.consented_person(af, orgs["ami"], first="Nora", last="Berglund")
    first = h.received(af, orgs["ami"], ami, p)
    second = h.sent(af, orgs["ami"], p, categories=("kontakt",))
    before = db.session.scalar(select(func.count()).select_from(Notice))
    consents.withdraw_consent(first.consent, by=af, reason="Den unge ringde.")
    db.session.commit()
    new = list(db.session.scalars(select(Notice).where(Notice.id > 0).order_by(Notice.id)))[before:]
    # One notice per organisation of the event: the referral's, which stands for the consent's own.
    assert sorted(n.organisation_id for n in new) == sorted([orgs["af"].id, orgs["ami"].id])
    for notice in new:
        assert first.reference in notice.text and second.reference in notice.text
        assert "avslutas eller fortsätta" in notice.text
    _assert_no_personal_data(p, [n.text for n in new])
    # Told again later (another area's hook, a second call): nothing more.
    from referrals import watch

    watch.consent_withdrawn(first.consent)
    assert db.session.scalar(select(func.count()).select_from(Notice)) == before + 2


def test_a_consent_without_open_referrals_keeps_its_own_notice(orgs, cast):
    af, ami = cast["af"], cast["ami"]
    p = h.consented_person(af, orgs["ami"])
    r = h.received(af, orgs["ami"], ami, p)
    ops.decline(r, by=ami, reason="Ingen plats.")
    db.session.commit()
    consents.withdraw_consent(r.consent, by=af, reason="Den unge ringde.")
    db.session.commit()
    texts = _texts(ami)
    assert any("har återkallats" in t for t in texts)
    assert not any("avslutas eller fortsätta" in t for t in texts)


def test_two_comments_each_get_their_notice(orgs, cast):
    """The comment notice's key is the comment's own: two comments never share one (on PostgreSQL two at once
    would otherwise collide on the notices' unique key and lose the second comment)."""
    af, ami = cast["af"], cast["ami"]
    p = h.consented_person(af, orgs["ami"])
    r = h.received(af, orgs["ami"], ami, p)
    one = ops.comment(r, by=af, body="Ett")
    two = ops.comment(r, by=af, body="Två")
    db.session.commit()
    keys = set(db.session.scalars(select(Notice.key).where(Notice.key.like(f"referral-{r.id}-comment-%"))))
    assert any(f"-{one.id}-" in k for k in keys) and any(f"-{two.id}-" in k for k in keys)


# --- Through a real SMTP server ------------------------------------------------------------------------------


class Inbox:
    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        with self.lock:
            self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp(app):
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    saved = {k: app.config[k] for k in ("MAIL_SERVER", "MAIL_PORT", "MAIL_TIMEOUT")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=5)
    try:
        yield inbox
    finally:
        controller.stop()
        app.config.update(saved)


def test_mail_through_smtp_carries_a_reference_and_a_link_and_nothing_of_the_person(app, orgs, cast, smtp):
    af, ami, boss, case = cast["af"], cast["ami"], cast["boss"], cast["case"]
    for user in (af, ami, boss, case):
        notifications.set_wants_mail(user, True, by=user)
    db.session.commit()
    p = h.consented_person(af, orgs["ami"], first="Nora", last="Berglund")
    r = h.received(af, orgs["ami"], ami, p, reason="Nora Berglund 070-123 45 67 behöver stöd.")
    ops.assign(r, by=boss, assignee_id=case.id)
    ops.comment(r, by=af, body=f"Noras personnummer är {p.id_number}.")
    ops.accept(r, by=case)
    db.session.commit()
    consents.withdraw_consent(r.consent, by=af, reason="Nora ringde.")
    db.session.commit()
    queued = db.session.scalars(select(OutboxMail)).all()
    assert {m.to_address for m in queued} >= {af.email, ami.email, boss.email, case.email}

    result = app.test_cli_runner().invoke(args=["send-mail"])
    assert result.exit_code == 0, result.output
    print(f"SMTP: {len(smtp.messages)} referral mails read from the server on 127.0.0.1")
    assert len(smtp.messages) == len(queued) >= 8
    link = app.config["PORTAL_URL"].rstrip("/")
    for message in smtp.messages:
        body = message.get_payload(decode=True).decode("utf-8")
        whole = f"{message['Subject']}\n{body}"
        _assert_no_personal_data(p, [whole])
        assert "Nora" not in whole and p.pseudonym not in whole
        assert re.search(r"\b[MR]-\d+", message["Subject"]), message["Subject"]
        assert link in body
    # Each recipient heard of each event once: no two mails to one address for the same notice.
    pairs = [(m["To"], m["Subject"]) for m in smtp.messages]
    assert len(pairs) == len(set(pairs))
