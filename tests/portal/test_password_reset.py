"""Glömt lösenordet: one link, once, for 30 minutes; the same answer for an unknown address; throttled; a user with
two-factor login still gives a code after choosing the new password."""
from __future__ import annotations

import re
import time
from datetime import timedelta

import pyotp
from sqlalchemy import select

from portal.auth import operations as accounts
from portal.auth.reset import PasswordReset
from portal.db import db, utcnow
from portal.notifications import OutboxMail
from tests.helpers import PASSWORD

NEW = "Ett-helt-nytt-losenord-2"


def _body(response) -> str:
    return response.get_data(as_text=True)


def _ask(client, email: str, ip: str = "10.0.0.1"):
    return client.post("/glomt-losenord", data={"email": email}, environ_base={"REMOTE_ADDR": ip})


def _link(mail: OutboxMail) -> str:
    match = re.search(r"https?://[^/\s]+(/glomt-losenord/\S+)", mail.body)
    assert match, mail.body
    return match.group(1)


def test_the_login_page_links_to_it_and_says_what_the_portal_is_for(client):
    html = _body(client.get("/logga-in"))
    assert 'href="/glomt-losenord"' in html and "Glömt lösenordet?" in html
    assert "samarbetar kommunen, Arbetsförmedlingen" in html


def test_same_answer_whether_or_not_the_address_exists(client, make_user):
    user = make_user()
    known, unknown = _ask(client, user.email.upper()), _ask(client, "ingen@lekeberg.example")
    assert known.status_code == unknown.status_code == 200
    strip = re.compile(r'name="csrf_token"[^>]*>')
    assert strip.sub("", _body(known)) == strip.sub("", _body(unknown))
    [mail] = db.session.scalars(select(OutboxMail)).all()
    assert mail.to_address == user.email and "30 minuter" in mail.body
    # Only the hash of the token is stored.
    token = _link(mail).rsplit("/", 1)[1]
    assert token not in {row.token_hash for row in db.session.scalars(select(PasswordReset))}


def test_the_link_sets_a_new_password_once_and_ends_other_sessions(app, client, make_user, login):
    user = make_user()
    elsewhere = app.test_client()
    login(user, client=elsewhere)
    _ask(client, user.email)
    link = _link(db.session.scalars(select(OutboxMail)).one())
    assert 'name="new"' in _body(client.get(link))
    mismatch = client.post(link, data={"new": NEW, "repeat": NEW + "x"})
    assert mismatch.status_code == 400 and "stämmer inte överens" in _body(mismatch)
    short = client.post(link, data={"new": "kort", "repeat": "kort"})
    assert short.status_code == 400 and "minst 12 tecken" in _body(short)
    done = client.post(link, data={"new": NEW, "repeat": NEW})
    assert done.status_code == 302
    assert "Lösenordet är bytt" in _body(client.get("/", follow_redirects=True))
    db.session.expire_all()
    assert accounts.check_password(user.email, NEW) is not None
    assert accounts.check_password(user.email, PASSWORD) is None
    assert elsewhere.get("/").status_code == 302  # the other session ended
    # Used once: the same link again, and a double submit, change nothing.
    fresh = app.test_client()
    again = fresh.get(link)
    assert again.status_code == 404 and "Be om en ny länk" in _body(again)
    other = "Annat-langt-losenord-3"
    assert fresh.post(link, data={"new": other, "repeat": other}).status_code == 404
    assert accounts.check_password(user.email, NEW) is not None


def test_a_link_older_than_30_minutes_or_made_up_does_not_work(client, make_user):
    user = make_user()
    _ask(client, user.email)
    link = _link(db.session.scalars(select(OutboxMail)).one())
    row = db.session.scalars(select(PasswordReset)).one()
    row.expires_dt = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.post(link, data={"new": NEW, "repeat": NEW}).status_code == 404
    assert client.get("/glomt-losenord/" + "x" * 43).status_code == 404
    assert client.get("/glomt-losenord/" + "x" * 500).status_code == 404
    assert accounts.check_password(user.email, PASSWORD) is not None


def test_a_deactivated_account_gets_no_link(client, make_user):
    user = make_user()
    accounts.set_active(user, False, by=None)
    db.session.commit()
    assert _ask(client, user.email).status_code == 200
    assert db.session.scalars(select(OutboxMail)).all() == []


def test_a_user_with_two_factor_login_still_gives_a_code(client, make_user, login):
    user = make_user()
    login(user)
    page = _body(client.get("/konto/tvafaktor"))
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
    client.post("/konto/tvafaktor", data={"code": pyotp.TOTP(secret).now()})
    client.post("/logga-ut")
    _ask(client, user.email)
    link = _link(db.session.scalars(select(OutboxMail)).one())
    response = client.post(link, data={"new": NEW, "repeat": NEW})
    assert response.status_code == 302 and response.headers["Location"].endswith("/logga-in/kod")
    assert client.get("/").status_code == 302  # not logged in before the code
    code = pyotp.TOTP(secret).at(time.time() + 30)
    assert client.post("/logga-in/kod", data={"code": code}).status_code == 302
    assert client.get("/").status_code == 200


def test_asking_is_throttled_per_account_and_per_address(make_app, make_user):
    client = make_app(RATELIMIT_ENABLED=True, LOGIN_LIMIT_PER_ACCOUNT="3 per minute",
                      LOGIN_LIMIT_PER_IP="5 per minute").test_client()
    user = make_user()
    for n in range(3):
        assert _ask(client, user.email, ip=f"10.0.2.{n}").status_code == 200
    assert _ask(client, user.email, ip="10.0.2.99").status_code == 429
    assert len(db.session.scalars(select(OutboxMail)).all()) == 3
    for n in range(2):
        assert _ask(client, f"annan{n}@lekeberg.example", ip="10.0.3.1").status_code == 200
    assert _ask(client, "ytterligare@lekeberg.example", ip="10.0.3.1").status_code == 200
    for n in range(3):
        _ask(client, f"fler{n}@lekeberg.example", ip="10.0.3.1")
    assert _ask(client, "sist@lekeberg.example", ip="10.0.3.1").status_code == 429
