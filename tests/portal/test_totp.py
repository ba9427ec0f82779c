"""Two-factor login: enrolment with a QR code, codes at login, replay, recovery codes, and enforced enrolment."""
from __future__ import annotations

import re
import time

import pyotp
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.auth import operations as accounts
from portal.db import db
from tests.helpers import PASSWORD

WRONG_CODE = "Koden stämmer inte eller har redan använts."


def _secret(html: str) -> str:
    match = re.search(r'<code class="secret">([A-Z2-7]+)</code>', html)
    assert match, "no secret on the enrolment page"
    return match.group(1)


def _code(secret: str, offset_steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * offset_steps)


def _enrol(client) -> tuple[str, list[str]]:
    """Enrol through /konto/tvafaktor; returns the secret and the recovery codes shown."""
    secret = _secret(client.get("/konto/tvafaktor").get_data(as_text=True))
    response = client.post("/konto/tvafaktor", data={"code": _code(secret)})
    assert response.status_code == 200
    codes = re.findall(r"<code>([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})</code>", response.get_data(as_text=True))
    return secret, codes


def _password_step(client, user):
    return client.post("/logga-in", data={"email": user.email, "password": PASSWORD})


def _failed_events() -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "login.failed")))


def test_enrolment_page_shows_an_inline_qr_code_and_the_secret(client, make_user, login):
    user = make_user()
    login(user)
    html = client.get("/konto/tvafaktor").get_data(as_text=True)
    assert "<svg" in html and "QR-kod för autentiseringsappen" in html
    assert "<img" not in html.split("<main", 1)[1]  # drawn inline, no external service sees the secret
    secret = _secret(html)
    assert len(secret) >= 16
    db.session.expire_all()
    assert user.is_totp_enabled is False  # nothing changes until a correct code is given


def test_a_wrong_enrolment_code_gets_a_swedish_message_and_keeps_the_qr_code(client, make_user, login):
    user = make_user()
    login(user)
    secret = _secret(client.get("/konto/tvafaktor").get_data(as_text=True))
    wrong = "000000" if _code(secret) != "000000" else "111111"
    response = client.post("/konto/tvafaktor", data={"code": wrong})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Koden stämmer inte. Kontrollera klockan i telefonen" in html
    assert 'id="code-fel"' in html
    assert _secret(html) == secret  # the same QR code to try again with
    response = client.post("/konto/tvafaktor", data={"code": ""})
    assert response.status_code == 400 and "Ange koden som appen visar." in response.get_data(as_text=True)
    db.session.expire_all()
    assert user.is_totp_enabled is False


def test_the_right_code_enables_two_factor_and_shows_ten_recovery_codes_once(client, make_user, login):
    user = make_user()
    login(user)
    _secret_value, codes = _enrol(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    db.session.expire_all()
    assert user.is_totp_enabled is True
    account = client.get("/konto").get_data(as_text=True)
    assert not any(c in account for c in codes)
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "user.totp_enabled"))


def test_an_abandoned_re_enrolment_leaves_two_factor_as_it_was(client, make_user, login):
    user = make_user()
    login(user)
    secret, _codes = _enrol(client)
    client.get("/konto/tvafaktor")  # start again, then walk away
    db.session.expire_all()
    assert user.is_totp_enabled is True and user.totp_secret == secret
    client.post("/logga-ut")
    _password_step(client, user)
    assert client.post("/logga-in/kod", data={"code": _code(secret, 1)}).status_code == 302


def test_next_login_asks_for_the_code_and_refuses_a_wrong_one(client, make_user, login):
    user = make_user()
    login(user)
    secret, _codes = _enrol(client)
    client.post("/logga-ut")
    response = _password_step(client, user)
    assert response.status_code == 302 and response.headers["Location"].endswith("/logga-in/kod")
    assert client.get("/").status_code == 302  # not logged in yet
    html = client.get("/logga-in/kod").get_data(as_text=True)
    assert "Ange kod" in html
    wrong = "123456" if "123456" not in {_code(secret, k) for k in (-1, 0, 1)} else "654321"
    response = client.post("/logga-in/kod", data={"code": wrong})
    assert response.status_code == 401
    body = response.get_data(as_text=True)
    assert WRONG_CODE in body and 'id="code-fel"' in body
    assert client.get("/").status_code == 302
    assert _failed_events()[-1].details.count("bad_second_factor") == 1
    response = client.post("/logga-in/kod", data={"code": _code(secret, 1)})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_the_same_code_cannot_be_used_twice(client, make_user, login):
    user = make_user()
    login(user)
    secret, _codes = _enrol(client)
    client.post("/logga-ut")
    code = _code(secret, 1)
    _password_step(client, user)
    assert client.post("/logga-in/kod", data={"code": code}).status_code == 302
    client.post("/logga-ut")
    _password_step(client, user)
    response = client.post("/logga-in/kod", data={"code": code})
    assert response.status_code == 401 and WRONG_CODE in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_a_recovery_code_works_once_only(client, make_user, login):
    user = make_user()
    login(user)
    _secret_value, codes = _enrol(client)
    client.post("/logga-ut")
    _password_step(client, user)
    assert client.post("/logga-in/kod", data={"code": codes[0]}).status_code == 302
    assert client.get("/").status_code == 200
    client.post("/logga-ut")
    _password_step(client, user)
    response = client.post("/logga-in/kod", data={"code": codes[0]})
    assert response.status_code == 401 and WRONG_CODE in response.get_data(as_text=True)
    # Another code, typed in upper case without dashes, still works.
    assert client.post("/logga-in/kod", data={"code": codes[1].replace("-", "").upper()}).status_code == 302
    used = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "login.recovery_code_used")).all()
    assert len(used) == 2


def test_check_second_factor_tries_a_recovery_code_whenever_the_input_is_not_a_totp_code(make_user):
    user = make_user()
    secret = accounts.enrolment_secret(user, accounts.start_totp_enrolment(user))
    codes = accounts.confirm_totp_enrolment(user, secret, _code(secret))
    db.session.commit()
    short = codes[2].replace("-", "")[:11]
    assert accounts.check_second_factor(user, short) is False  # not a code at all
    assert accounts.check_second_factor(user, " " + codes[2].replace("-", " ") + " ") is True
    assert accounts.check_second_factor(user, codes[2]) is False
    assert accounts.check_second_factor(user, "") is False


def test_the_code_step_expires_and_needs_the_password_step_first(client, make_user, login):
    user = make_user()
    response = client.get("/logga-in/kod", follow_redirects=True)
    assert "Logga in igen" in response.get_data(as_text=True)
    login(user)
    _secret_value, _codes = _enrol(client)
    client.post("/logga-ut")
    _password_step(client, user)
    with client.session_transaction() as sess:
        sess["pending_login"] = {**sess["pending_login"], "at": sess["pending_login"]["at"] - 301}
    response = client.get("/logga-in/kod")
    assert response.status_code == 302 and "/logga-in" in response.headers["Location"]


def test_required_two_factor_makes_a_new_user_enrol_before_login_completes(make_app, make_user):
    app = make_app(REQUIRE_TWO_FACTOR=True)
    client = app.test_client()
    user = make_user()
    response = _password_step(client, user)
    assert response.status_code == 302 and response.headers["Location"].endswith("/logga-in/tvafaktor")
    html = client.get("/logga-in/tvafaktor").get_data(as_text=True)
    assert "Portalen kräver tvåfaktorsinloggning" in html and "<svg" in html
    assert client.get("/").status_code == 302  # not logged in until enrolled
    assert client.get("/konto").status_code == 302
    secret = _secret(html)
    response = client.post("/logga-in/tvafaktor", data={"code": "000000" if _code(secret) != "000000" else "1"})
    assert response.status_code == 400 and client.get("/").status_code == 302
    response = client.post("/logga-in/tvafaktor", data={"code": _code(secret)})
    assert response.status_code == 200
    assert len(re.findall(r"<code>[a-z0-9-]{14}</code>", response.get_data(as_text=True))) == 10
    assert client.get("/").status_code == 200
    client.post("/logga-ut")
    response = _password_step(client, user)
    assert response.headers["Location"].endswith("/logga-in/kod")


def test_resetting_two_factor_ends_the_session_and_asks_for_enrolment_again(make_app, make_user):
    app = make_app(REQUIRE_TWO_FACTOR=True)
    client = app.test_client()
    user = make_user()
    _password_step(client, user)
    secret = _secret(client.get("/logga-in/tvafaktor").get_data(as_text=True))
    client.post("/logga-in/tvafaktor", data={"code": _code(secret)})
    assert client.get("/").status_code == 200
    db.session.refresh(user)  # the app under test has its own session; load what it saved
    accounts.reset_two_factor(user, by=None)
    db.session.commit()
    assert client.get("/").status_code == 302
    response = _password_step(client, user)
    assert response.headers["Location"].endswith("/logga-in/tvafaktor"), response.headers["Location"]


def test_a_session_without_two_factor_ends_when_two_factor_becomes_required(make_app, make_user, login):
    user = make_user()
    relaxed = make_app(REQUIRE_TWO_FACTOR=False)
    client = relaxed.test_client()
    login(user, client=client)
    strict = make_app(REQUIRE_TWO_FACTOR=True)  # same secret key: the cookie is still valid
    strict_client = strict.test_client()
    with client.session_transaction() as sess:
        cookie = dict(sess)
    with strict_client.session_transaction() as sess:
        sess.update(cookie)
    response = strict_client.get("/")
    assert response.status_code == 302 and "/logga-in" in response.headers["Location"]
    html = strict_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Portalen kräver tvåfaktorsinloggning" in html


def test_odd_input_in_the_code_fields_is_refused_without_a_server_error(client, make_user, login):
    user = make_user()
    login(user)
    secret = _secret(client.get("/konto/tvafaktor").get_data(as_text=True))
    for odd in ("١٢٣٤٥٦", "12 34 5x", "ａｂｃｄ-ｅｆｇｈ-ｊｋｍｎ", "x" * 10):
        assert client.post("/konto/tvafaktor", data={"code": odd}).status_code == 400
    _enrol_codes = client.post("/konto/tvafaktor", data={"code": _code(secret)})
    assert _enrol_codes.status_code == 200
    client.post("/logga-ut")
    _password_step(client, user)
    for odd in ("١٢٣٤٥٦", "ａｂｃｄ-ｅｆｇｈ-ｊｋｍｎ", "'; DROP TABLE users; --", "x" * 40):
        assert client.post("/logga-in/kod", data={"code": odd}).status_code == 401, odd


def test_the_session_cookie_never_carries_the_secret_being_enrolled(client, make_user, login):
    login(make_user())
    secret = _secret(client.get("/konto/tvafaktor").get_data(as_text=True))
    with client.session_transaction() as sess:
        assert secret not in repr(dict(sess))
    # A new visit offers a new secret.
    assert _secret(client.get("/konto/tvafaktor").get_data(as_text=True)) != secret
