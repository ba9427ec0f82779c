"""Token lifecycle: shown once and kept hashed, scoped, last used, revoked, expired; the key pages and who may use
them."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.api import tokens
from portal.audit import AuditEvent
from portal.clock import today
from portal.db import db, utcnow
from portal.errors import NotPermitted


def test_a_personal_key_is_shown_once_and_only_its_hash_is_stored(app, make_user, call):
    user = make_user(org="af")
    issued = tokens.create_personal(by=user, name="Mitt skript", scopes=["referral.view"],
                                    expires_on=today() + timedelta(days=10))
    db.session.commit()
    secret = issued.secret.split("_", 2)[2]
    row = db.session.get(tokens.ApiToken, issued.token.id)
    assert issued.secret.startswith(f"dua_{row.id}_")
    assert secret not in row.secret_hash and row.secret_hash == tokens.hash_secret(secret)
    assert call(issued.secret, "GET", "/api/v1/referrals").status_code == 200
    assert row.last_used_dt is not None


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer nonsense", "Basic dXNlcjpwdw==", "Bearer dua_1_x",
                                    "Bearer dua_99999999999_x", "Bearer dua_abc_def"])
def test_a_missing_or_unknown_key_is_a_401_in_json(app, client, header):
    response = client.get("/api/v1/organisations", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] in ("unauthorized", "invalid_token")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_wrong_secret_for_a_real_id_is_refused(app, make_user, personal_token, call):
    key = personal_token(make_user(org="af"))
    assert call(key[:-2] + "xx", "GET", "/api/v1/organisations").get_json()["error"]["code"] == "invalid_token"


def test_a_revoked_key_is_refused_at_once_and_revoking_is_audited(app, make_user, personal_token, call):
    user = make_user(org="af")
    key = personal_token(user)
    token = db.session.scalar(select(tokens.ApiToken))
    tokens.revoke(token, by=user)
    db.session.commit()
    response = call(key, "GET", "/api/v1/organisations")
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "token_revoked"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "api.token.revoke")) is not None


def test_an_expired_key_is_refused(app, make_user, personal_token, call):
    key = personal_token(make_user(org="af"))
    token = db.session.scalar(select(tokens.ApiToken))
    token.expires_dt = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert call(key, "GET", "/api/v1/organisations").get_json()["error"]["code"] == "token_expired"


def test_a_deactivated_owner_takes_the_key_with_them(app, make_user, personal_token, call):
    user = make_user(org="af")
    key = personal_token(user)
    user.is_active_account = False
    db.session.commit()
    assert call(key, "GET", "/api/v1/organisations").status_code == 401


def test_a_personal_key_gets_no_scope_beyond_the_users_roles(app, make_user):
    styrgrupp = make_user(org="af", roles=("styrgrupp",))
    with pytest.raises(tokens.TokenError) as refused:
        tokens.create_personal(by=styrgrupp, name="x", scopes=["referral.send"], expires_on=today())
    assert refused.value.errors[0][0] == "scopes"


@pytest.mark.parametrize("days", [-1, tokens.MAX_DAYS + 1])
def test_a_key_lives_from_today_and_at_most_a_year(app, make_user, days):
    with pytest.raises(tokens.TokenError):
        tokens.create_personal(by=make_user(org="af"), name="x", scopes=["referral.view"],
                               expires_on=today() + timedelta(days=days))


def test_the_scopes_limit_what_the_users_roles_would_allow(app, make_user, personal_token, call):
    user = make_user(org="af", roles=("samordnare",))
    key = personal_token(user, scopes=["person.view"])
    assert call(key, "GET", "/api/v1/referrals").status_code == 403
    assert call(key, "GET", "/api/v1/people/nobody").status_code == 404


def test_a_system_key_acts_as_its_own_service_user_and_the_audit_trail_names_it(app, orgs, system_token, call):
    key = system_token("af", scopes=["agreement.read"])
    token = db.session.scalar(select(tokens.ApiToken))
    assert token.kind == "system" and token.user.organisation_id == orgs["af"].id
    assert token.user.role_names == ["handlaggare", "samordnare", "styrgrupp"]
    assert call(key, "GET", "/api/v1/agreements").status_code == 200
    assert call(key, "GET", "/api/v1/referrals").status_code == 403  # its roles would, its scopes do not
    refusal = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "access.denied"))
    assert refusal is not None and refusal.user_id == token.user_id


def test_revoking_a_system_key_deactivates_its_service_user(app, orgs, make_user, system_token):
    system_token("af")
    token = db.session.scalar(select(tokens.ApiToken))
    admin = make_user(org="af", roles=("org_admin",))
    tokens.revoke(token, by=admin)
    db.session.commit()
    assert not token.user.is_active


def test_only_an_org_admin_of_the_organisation_makes_or_revokes_its_system_keys(app, orgs, make_user,
                                                                                 system_token):
    system_token("af")
    token = db.session.scalar(select(tokens.ApiToken))
    for outsider in (make_user(org="kommun", roles=("org_admin",)), make_user(org="af", roles=("samordnare",))):
        with pytest.raises(NotPermitted):
            tokens.revoke(token, by=outsider)
        with pytest.raises(NotPermitted):
            tokens.create_system(orgs["af"], by=outsider, name="x", scopes=["referral.view"], expires_on=today())


def test_the_org_admin_page_shows_a_new_key_once_and_lists_it(app, orgs, login_as, client):
    login_as(org="af", roles=("org_admin",))
    page = client.get("/admin/api-nycklar")
    assert page.status_code == 200 and "Ny systemnyckel" in page.get_data(as_text=True)
    made = client.post("/admin/api-nycklar", data={"name": "Treserva", "scopes": ["referral.view", "person.view"],
                                                  "expires_on": (today() + timedelta(days=30)).isoformat()})
    text = made.get_data(as_text=True)
    token = db.session.scalar(select(tokens.ApiToken))
    assert made.status_code == 200 and f"dua_{token.id}_" in text
    again = client.get("/admin/api-nycklar").get_data(as_text=True)
    assert "Treserva" in again and f'value="dua_{token.id}_' not in again
    revoked = client.post(f"/api-nycklar/{token.id}/aterkalla")
    assert revoked.status_code == 303
    assert db.session.get(tokens.ApiToken, token.id).revoked_dt is not None


def test_the_org_admin_page_refuses_bad_input_beside_each_field(app, login_as, client):
    login_as(org="af", roles=("org_admin",))
    response = client.post("/admin/api-nycklar", data={"name": "", "scopes": ["user.manage"],
                                                      "expires_on": "2001-01-01"})
    assert response.status_code == 400
    assert db.session.scalar(select(tokens.ApiToken)) is None


def test_a_caseworker_cannot_open_the_org_admin_page_but_has_a_personal_one(app, login_as, client):
    login_as(org="af", roles=("handlaggare",))
    assert client.get("/admin/api-nycklar").status_code == 403
    made = client.post("/konto/api-nycklar", data={"name": "Skript", "scopes": ["referral.view"],
                                                  "expires_on": today().isoformat()})
    assert made.status_code == 200 and "dua_" in made.get_data(as_text=True)
    refused = client.post("/konto/api-nycklar", data={"name": "Skript", "scopes": ["user.manage"],
                                                     "expires_on": today().isoformat()})
    assert refused.status_code == 400


def test_another_users_personal_key_cannot_be_revoked_by_a_colleague(app, make_user, personal_token, login_as,
                                                                      client):
    personal_token(make_user(org="af"))
    token = db.session.scalar(select(tokens.ApiToken))
    login_as(org="af", roles=("handlaggare",))
    assert client.post(f"/api-nycklar/{token.id}/aterkalla").status_code == 403
    assert db.session.get(tokens.ApiToken, token.id).revoked_dt is None
