"""Sign-in with e-legitimation refused: each case against the real provider ends on the login page with a Swedish
message, nobody logged in, nothing linked, and a login.failed event saying why."""
from __future__ import annotations

import json
import socket
import time

import httpx
import pytest
from sqlalchemy import func, select

from portal.auth import oidc
from portal.auth.models import UserIdentity
from portal.db import db
from tests.helpers import events
from tests.oidc_mock import LOA2
from tests.portal.test_oidc import claims, logged_in, provider_settings, sign_in


@pytest.fixture
def portal(make_app, mock, orgs):
    return make_app(OIDC_PROVIDERS=provider_settings(mock))


@pytest.fixture
def client(portal):
    return portal.test_client()


def refused(response, client, reason: str, message: str, status: int = 403) -> dict:
    """The login page with the message, nobody logged in, nothing linked; returns the audited details.

    A broken flow or token answers 400, an account the provider may not sign in 403."""
    html = response.get_data(as_text=True)
    assert response.status_code == status, html[:800]
    assert "Inloggningen misslyckades" in html and message in html
    assert 'name="password"' in html  # the login page, ready for another try
    assert not logged_in(client)
    assert db.session.scalar(select(func.count()).select_from(UserIdentity)) == 0
    details = json.loads(events("login.failed")[-1].details)
    assert details["method"] == "oidc" and details["reason"] == reason
    return details


def _start(client, mock, sub, claims_):
    mock.set_user(sub, **claims_)
    start = client.get("/logga-in/e-legitimation/lekeberg")
    return mock.authorize(start.headers["Location"], sub)


def test_an_account_of_an_organisation_the_provider_does_not_serve_is_refused(client, mock, make_user):
    make_user(org="af", email="af@arbetsformedlingen.example")
    response = sign_in(client, mock, "sub-af", claims("af@arbetsformedlingen.example", orgnr="202100-2114"))
    details = refused(response, client, "wrong_organisation", "hör till en organisation som inte loggar in")
    assert details["email"] == "af@arbetsformedlingen.example"


def test_an_organisation_number_other_than_the_accounts_is_refused(client, mock, make_user):
    make_user(org="ami", email="ami@lekeberg.example")
    response = sign_in(client, mock, "sub-ami", claims("ami@lekeberg.example", orgnr="202100-2114"))
    refused(response, client, "wrong_organisation", "hör till en organisation som inte loggar in")


def test_an_unknown_user_is_refused_and_no_account_is_made(client, mock):
    response = sign_in(client, mock, "sub-okand", claims("okand@lekeberg.example"))
    refused(response, client, "unknown_user", "Det finns inget konto i DUA-portalen för dig")


def test_an_unverified_email_links_nothing(client, mock, make_user):
    make_user(org="ami", email="overifierad@lekeberg.example")
    response = sign_in(client, mock, "sub-overifierad", claims("overifierad@lekeberg.example", verified=False))
    refused(response, client, "email_unverified", "har inte bekräftat din e-postadress")


@pytest.mark.parametrize("acr", [LOA2, None])
def test_a_lower_or_missing_assurance_level_is_refused(client, mock, make_user, acr):
    make_user(org="ami", email="loa@lekeberg.example")
    response = sign_in(client, mock, "sub-loa", claims("loa@lekeberg.example", acr=acr))
    refused(response, client, "assurance", "för låg tillitsnivå")


def test_a_deactivated_account_is_refused_even_when_linked(client, mock, make_user):
    from portal.auth import operations as accounts

    user = make_user(org="ami", email="slutat@lekeberg.example")
    sign_in(client, mock, "sub-slutat", claims(user.email))
    client.post("/logga-ut")
    db.session.rollback()
    accounts.set_active(user, False, by=None)
    db.session.commit()
    response = sign_in(client, mock, "sub-slutat")
    assert response.status_code == 403 and "Ditt konto är inaktiverat" in response.get_data(as_text=True)
    assert not logged_in(client)


def test_a_second_subject_for_a_linked_account_is_refused(client, mock, make_user):
    user = make_user(org="ami", email="tvillingar@lekeberg.example")
    sign_in(client, mock, "sub-ett", claims(user.email))
    client.post("/logga-ut")
    response = sign_in(client, mock, "sub-tva", claims(user.email))
    assert response.status_code == 403 and "redan kopplat till en annan identitet" in response.get_data(as_text=True)
    assert not logged_in(client)


def test_a_tampered_state_is_refused(client, mock, make_user):
    make_user(org="ami", email="state@lekeberg.example")
    back = _start(client, mock, "sub-state", claims("state@lekeberg.example"))
    tampered = back.replace("state=", "state=x")
    refused(client.get(tampered), client, "bad_state", "hörde inte till en pågående inloggning", status=400)
    # The untouched callback in another browser (which started no sign-in) is refused just the same.
    other = client.application.test_client()
    refused(other.get(back), other, "bad_state", "hörde inte till en pågående inloggning", status=400)


def test_a_replayed_callback_and_a_replayed_code_are_refused(client, mock, make_user):
    make_user(org="ami", email="replay@lekeberg.example")
    back = _start(client, mock, "sub-replay", claims("replay@lekeberg.example"))
    assert client.get(back).headers["Location"] == "/"
    client.post("/logga-ut")
    db.session.execute(UserIdentity.__table__.delete())
    db.session.commit()
    # The same callback again: its state was used once and is gone.
    refused(client.get(back), client, "bad_state", "hörde inte till en pågående inloggning", status=400)
    # The spent code under a fresh state of this browser: the provider refuses to redeem it twice.
    start = client.get("/logga-in/e-legitimation/lekeberg")
    fresh_state = dict(part.split("=", 1) for part in start.headers["Location"].split("?", 1)[1].split("&"))["state"]
    code = back.split("code=", 1)[1].split("&", 1)[0]
    replay = f"/logga-in/e-legitimation/lekeberg/klar?code={code}&state={fresh_state}"
    refused(client.get(replay), client, "code_refused", "koden kan redan ha använts", status=400)


def test_an_expired_id_token_is_refused(client, mock, make_user, monkeypatch):
    """The mock's ID tokens live an hour; the portal's clock is set two hours ahead for the check."""
    make_user(org="ami", email="gammal@lekeberg.example")
    back = _start(client, mock, "sub-gammal", claims("gammal@lekeberg.example"))
    monkeypatch.setattr(oidc, "now", lambda: time.time() + 2 * 3600)
    refused(client.get(back), client, "expired", "har gått ut", status=400)


def test_a_token_issued_to_another_client_is_refused(client, mock, make_user):
    make_user(org="ami", email="aud@lekeberg.example")
    mock.audience = "en-annan-tjanst"
    response = sign_in(client, mock, "sub-aud", claims("aud@lekeberg.example"))
    refused(response, client, "wrong_audience", "inte utfärdad till DUA-portalen", status=400)


def test_an_id_token_with_a_broken_signature_is_refused(client, mock, make_user):
    make_user(org="ami", email="sig@lekeberg.example")
    mock.break_signature = True
    response = sign_in(client, mock, "sub-sig", claims("sig@lekeberg.example"))
    refused(response, client, "bad_signature", "gick inte att bekräfta", status=400)


def test_the_user_cancelling_at_the_provider_is_said_plainly(client, mock):
    start = client.get("/logga-in/e-legitimation/lekeberg")
    back = httpx.post(start.headers["Location"], data={"action": "deny"}).headers["location"]
    refused(client.get(back), client, "provider_refused", "avbröts hos inloggningstjänsten", status=400)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_provider_that_is_down_is_said_plainly(make_app, mock, orgs):
    down = {"nere": {"issuer": f"http://127.0.0.1:{_closed_port()}", "client_id": "x", "client_secret": "y",
                     "organisations": ["lekeberg-ami"], "label": "Nere"}}
    client = make_app(OIDC_PROVIDERS=down, OIDC_HTTP_TIMEOUT=2).test_client()
    response = client.get("/logga-in/e-legitimation/nere")
    refused(response, client, "provider_unreachable", "svarar inte just nu", status=502)


def test_a_provider_that_never_answers_is_given_up_after_the_timeout(make_app, mock, orgs):
    with socket.socket() as silent:  # accepts connections (the kernel's backlog) and never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        slow = {"seg": {"issuer": f"http://127.0.0.1:{silent.getsockname()[1]}", "client_id": "x",
                        "client_secret": "y", "organisations": ["lekeberg-ami"]}}
        client = make_app(OIDC_PROVIDERS=slow, OIDC_HTTP_TIMEOUT=1).test_client()
        started = time.monotonic()
        response = client.get("/logga-in/e-legitimation/seg")
        assert time.monotonic() - started < 5
    refused(response, client, "provider_unreachable", "svarar inte just nu", status=502)


@pytest.mark.parametrize("path", ["/logga-in/e-legitimation/okand",
                                  "/logga-in/e-legitimation/okand/klar?code=a&state=b",
                                  "/logga-in/e-legitimation/%3Cscript%3E"])
def test_an_unknown_provider_name_is_a_clear_404(client, path):
    response = client.get(path)
    refused(response, client, "unknown_provider", "Det finns ingen sådan inloggningstjänst", status=404)
    assert "<script>" not in response.get_data(as_text=True)


def test_failed_callbacks_are_throttled_per_ip(make_app, mock, orgs):
    client = make_app(OIDC_PROVIDERS=provider_settings(mock), RATELIMIT_ENABLED=True,
                      LOGIN_LIMIT_PER_IP="2 per minute").test_client()
    for _ in range(2):
        assert client.get("/logga-in/e-legitimation/lekeberg/klar?code=a&state=b").status_code == 400
    response = client.get("/logga-in/e-legitimation/lekeberg/klar?code=a&state=b")
    assert response.status_code == 429 and "För många försök" in response.get_data(as_text=True)
