"""Sign-in with e-legitimation against a real OIDC provider (oidc-provider-mock) on 127.0.0.1: the cases that work."""
from __future__ import annotations

import base64
import hashlib
import json

import pytest
from sqlalchemy import select

from portal.auth import oidc_signin
from portal.auth.models import User, UserIdentity
from portal.db import db
from tests.helpers import PASSWORD, events
from tests.oidc_mock import LOA3

WELCOME = "Välkommen"


def provider_settings(mock, **overrides) -> dict:
    """Lekeberg's broker serves two of the kommun's units; LOA3 is required and the orgnr claim is checked."""
    return {"lekeberg": {"label": "Lekebergs kommun", "issuer": mock.url, "client_id": "dua-portalen",
                         "client_secret": "hemligt", "organisations": ["lekeberg-ami", "lekeberg-ifo"],
                         "orgnr_claim": "orgnr", "acr": [LOA3], **overrides}}


@pytest.fixture
def portal(make_app, mock, orgs):
    return make_app(OIDC_PROVIDERS=provider_settings(mock))


@pytest.fixture
def client(portal):
    return portal.test_client()


def claims(email, *, verified=True, acr=LOA3, orgnr="212000-2981", **more) -> dict:
    result = {"email": email, "email_verified": verified, "name": "Test Testsson", "orgnr": orgnr, **more}
    if acr is not None:
        result["acr"] = acr
    return result


def sign_in(client, mock, sub, claims_=None, *, provider="lekeberg", next_url=None):
    """Follow the provider's button (a link), sign in at the provider as `sub`, and follow the provider back."""
    if claims_ is not None:
        mock.set_user(sub, **claims_)
    start = client.get(f"/logga-in/e-legitimation/{provider}" + (f"?next={next_url}" if next_url else ""))
    assert start.status_code == 302, start.get_data(as_text=True)[:500]
    return client.get(mock.authorize(start.headers["Location"], sub))


def logged_in(client) -> bool:
    return client.get("/konto").status_code == 200


def test_the_login_page_shows_a_button_per_provider_beside_the_password_form(client):
    html = client.get("/logga-in").get_data(as_text=True)
    assert "Logga in via Lekebergs kommun" in html
    assert 'name="password"' in html


def test_first_sign_in_links_the_subject_to_the_verified_email_and_logs_in(client, mock, make_user):
    user = make_user(org="ami", email="ahmed@lekeberg.example")
    response = sign_in(client, mock, "sub-ahmed", claims("Ahmed@Lekeberg.example"))
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert WELCOME in client.get("/").get_data(as_text=True)
    assert logged_in(client)
    identity = db.session.scalar(select(UserIdentity).where(UserIdentity.subject == "sub-ahmed"))
    assert identity.user_id == user.id and identity.provider == "lekeberg"
    login = events("login", user_id=user.id)[-1]
    assert json.loads(login.details) == {"method": "oidc", "provider": "lekeberg"}
    assert len(events("user.identity_link", user_id=user.id)) == 1


def test_later_sign_ins_match_by_subject_not_by_email(client, mock, make_user):
    user = make_user(org="ifo", email="sara@lekeberg.example")
    sign_in(client, mock, "sub-sara", claims("sara@lekeberg.example"))
    client.post("/logga-ut")
    # The provider now says another, unverified address: the stored subject still finds Sara.
    response = sign_in(client, mock, "sub-sara", claims("sara.berg@annat.example", verified=False))
    assert response.headers["Location"] == "/"
    assert client.get("/konto").get_data(as_text=True).count(user.email) >= 1
    assert len(events("user.identity_link")) == 1


def test_the_client_sends_pkce_s256_state_and_nonce(client, mock, make_user):
    """The mock does not enforce PKCE, so the client's side is checked here: the verifier sent with the code
    must hash to the challenge sent with the authorization request."""
    make_user(org="ami", email="pkce@lekeberg.example")
    sign_in(client, mock, "sub-pkce", claims("pkce@lekeberg.example"))
    sent = mock.authorize_queries[0]
    assert sent["code_challenge_method"] == "S256"
    assert sent["state"] and sent["nonce"] and sent["acr_values"] == LOA3
    verifier = mock.token_forms[0]["code_verifier"]
    expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert sent["code_challenge"] == expected and len(verifier) >= 43


def test_sign_in_renews_the_session_and_leaves_no_flow_data_behind(client, mock, make_user):
    make_user(org="ami", email="fix@lekeberg.example")
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    sign_in(client, mock, "sub-fix", claims("fix@lekeberg.example"))
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert not [key for key in sess if key.startswith("_state_")]
        assert sess["signed_in_with"] == "lekeberg"


def test_sign_in_counts_as_two_factor(make_app, mock, make_user):
    client = make_app(REQUIRE_TWO_FACTOR=True, OIDC_PROVIDERS=provider_settings(mock)).test_client()
    user = make_user(org="ami", email="tva@lekeberg.example")
    assert not user.is_totp_enabled
    assert sign_in(client, mock, "sub-tva", claims(user.email)).headers["Location"] == "/"
    assert client.get("/").status_code == 200 and logged_in(client)
    # The same account with its password still has to enrol an authenticator app.
    other = make_app(REQUIRE_TWO_FACTOR=True, OIDC_PROVIDERS=provider_settings(mock)).test_client()
    response = other.post("/logga-in", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"].endswith("/logga-in/tvafaktor")


def test_next_is_followed_on_this_site_only(client, mock, make_user):
    make_user(org="ami", email="next@lekeberg.example")
    response = sign_in(client, mock, "sub-next", claims("next@lekeberg.example"), next_url="/konto")
    assert response.headers["Location"] == "/konto"
    client.post("/logga-ut")
    response = sign_in(client, mock, "sub-next", next_url="//evil.example/")
    assert response.headers["Location"] == "/"


def test_an_account_is_created_only_where_the_org_admin_allowed_it(client, mock, orgs):
    sign_in(client, mock, "sub-ny", claims("ny@lekeberg.example"))
    assert db.session.scalar(select(User).where(User.email == "ny@lekeberg.example")) is None
    providers = client.application.extensions["portal_oidc"][0]
    oidc_signin.update_signin_settings(orgs["ami"], password_login_allowed=True, creating=["lekeberg"],
                                       providers=providers, by=None)
    db.session.commit()
    response = sign_in(client, mock, "sub-ny")
    assert response.headers["Location"] == "/"
    db.session.rollback()
    created = db.session.scalar(select(User).where(User.email == "ny@lekeberg.example"))
    assert created.organisation_id == orgs["ami"].id and created.role_names == ["handlaggare"]
    assert created.name == "Test Testsson"


def test_no_account_is_created_when_the_token_cannot_tell_which_unit(client, mock, orgs):
    providers = client.application.extensions["portal_oidc"][0]
    for unit in ("ami", "ifo"):  # both units allow it and share the kommun's orgnr: no guessing
        oidc_signin.update_signin_settings(orgs[unit], password_login_allowed=True, creating=["lekeberg"],
                                           providers=providers, by=None)
    db.session.commit()
    response = sign_in(client, mock, "sub-tvetydig", claims("tvetydig@lekeberg.example"))
    assert response.status_code == 403 and "Det finns inget konto" in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email == "tvetydig@lekeberg.example")) is None


def test_password_login_switched_off_leaves_e_legitimation(client, mock, make_user, orgs):
    user = make_user(org="ami", email="bara-eleg@lekeberg.example")
    providers = client.application.extensions["portal_oidc"][0]
    oidc_signin.update_signin_settings(orgs["ami"], password_login_allowed=False, creating=[], providers=providers,
                                       by=None)
    db.session.commit()
    response = client.post("/logga-in", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 403
    assert "stängt av inloggning med lösenord" in response.get_data(as_text=True)
    assert not logged_in(client)
    assert json.loads(events("login.failed")[-1].details)["reason"] == "password_login_off"
    # A wrong password still gets the usual answer: nothing tells a guesser the account exists.
    wrong = client.post("/logga-in", data={"email": user.email, "password": "fel-losenord-123"})
    assert wrong.status_code == 401 and "stängt av" not in wrong.get_data(as_text=True)
    assert sign_in(client, mock, "sub-bara", claims(user.email)).headers["Location"] == "/"
