"""Setting up two-factor login again: only with the password or a current code, and it ends the other sessions."""
from __future__ import annotations

import re
import time

import pyotp

from portal.db import db
from tests.helpers import PASSWORD, events

WRONG_OWNER = "Lösenordet eller koden stämmer inte."


def _secret(html: str) -> str:
    match = re.search(r'<code class="secret">([A-Z2-7]+)</code>', html)
    assert match, "no secret on the enrolment page"
    return match.group(1)


def _code(secret: str, offset_steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * offset_steps)


def _enrolled(client, user, login) -> str:
    """Log in and switch two-factor login on for the first time (no proof asked); returns the secret."""
    login(user, client=client)
    secret = _secret(client.get("/konto/tvafaktor").get_data(as_text=True))
    assert client.post("/konto/tvafaktor", data={"code": _code(secret)}).status_code == 200
    return secret


def _log_in_with_code(client, user, code: str) -> None:
    assert client.post("/logga-in", data={"email": user.email, "password": PASSWORD}).status_code == 302
    assert client.post("/logga-in/kod", data={"code": code}).status_code == 302


def test_setting_it_up_again_asks_for_the_password_or_a_current_code(client, make_user, login):
    user = make_user()
    old = _enrolled(client, user, login)
    page = client.get("/konto/tvafaktor").get_data(as_text=True)
    assert "Ställ in tvåfaktorsinloggning på nytt" in page and 'name="current"' in page
    new = _secret(page)
    response = client.post("/konto/tvafaktor", data={"code": _code(new)})
    assert response.status_code == 400
    assert "Ange ditt lösenord eller en kod från den app du använder nu." in response.get_data(as_text=True)
    response = client.post("/konto/tvafaktor", data={"current": "fel-losenord-123", "code": _code(new)})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and WRONG_OWNER in html and 'id="current-fel"' in html
    assert _secret(html) == new  # the same QR code to try again with
    db.session.expire_all()
    assert user.totp_secret == old
    [refused] = events("user.owner_check_failed")
    assert refused.user_id == user.id and refused.object_id == str(user.id)


def test_with_the_password_it_ends_the_other_sessions_and_keeps_this_one(app, client, make_user, login):
    user = make_user()
    old = _enrolled(client, user, login)
    elsewhere = app.test_client()
    _log_in_with_code(elsewhere, user, _code(old, 1))
    assert elsewhere.get("/konto").status_code == 200

    new = _secret(client.get("/konto/tvafaktor").get_data(as_text=True))
    response = client.post("/konto/tvafaktor", data={"current": PASSWORD, "code": _code(new)}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and len(re.findall(r"<code>[a-z0-9]{4}-", html)) == 10
    assert "Andra inloggningar med ditt konto har avslutats." in html
    assert client.get("/konto").status_code == 200  # this session was renewed
    assert elsewhere.get("/konto").headers["Location"].startswith("/logga-in")  # the other one has ended
    [enabled_again] = [e for e in events("user.totp_enabled") if '"again": true' in e.details]
    assert enabled_again.user_id == user.id

    client.post("/logga-ut")
    assert client.post("/logga-in", data={"email": user.email, "password": PASSWORD}).status_code == 302
    assert client.post("/logga-in/kod", data={"code": _code(old, 2)}).status_code == 401  # the old app is void
    assert client.post("/logga-in/kod", data={"code": _code(new, 1)}).status_code == 302


def test_a_code_from_the_current_app_proves_the_owner_once(client, make_user, login):
    user = make_user()
    old = _enrolled(client, user, login)
    proof = _code(old, 1)
    first = _secret(client.get("/konto/tvafaktor").get_data(as_text=True))
    assert client.post("/konto/tvafaktor", data={"current": proof, "code": _code(first)}).status_code == 200
    # The proof was a code of the app in use then; it does not work twice, nor once that app is replaced.
    second = _secret(client.get("/konto/tvafaktor").get_data(as_text=True))
    response = client.post("/konto/tvafaktor", data={"current": proof, "code": _code(second)})
    assert response.status_code == 400 and WRONG_OWNER in response.get_data(as_text=True)
    db.session.expire_all()
    assert user.totp_secret == first


def test_wrong_proofs_are_throttled_per_account(make_app, make_user, login):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_LIMIT_PER_ACCOUNT="3 per minute", LOGIN_LIMIT_PER_IP="100 per minute")
    client = app.test_client()
    user = make_user()
    _enrolled(client, user, login)
    new = _secret(client.get("/konto/tvafaktor").get_data(as_text=True))
    # Form errors (nothing to check) do not count; wrong passwords do.
    for _ in range(4):
        assert client.post("/konto/tvafaktor", data={"code": _code(new)}).status_code == 400
    wrong = {"current": "fel-losenord-123", "code": _code(new)}
    for _ in range(3):
        assert client.post("/konto/tvafaktor", data=wrong).status_code == 400
    response = client.post("/konto/tvafaktor", data={"current": PASSWORD, "code": _code(new)})
    assert response.status_code == 429 and "För många försök" in response.get_data(as_text=True)
