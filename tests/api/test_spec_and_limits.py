"""The OpenAPI document is generated, valid OpenAPI 3.1 and public; its page renders within the CSP; calls are
throttled per key."""
from __future__ import annotations

from openapi_spec_validator import validate
from openapi_spec_validator.versions import consts as spec_versions
from openapi_spec_validator.versions.shortcuts import get_spec_version

from portal.api import tokens
from portal.clock import today
from portal.db import db


def test_the_document_is_valid_openapi_3_1_and_names_every_endpoint(app, client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    validate(document)
    assert get_spec_version(document) == spec_versions.OPENAPIV31
    operations = {(m.upper(), p) for p, ops in document["paths"].items() for m in ops}
    rules = {(method, rule.rule.replace("<int:", "{").replace("<", "{").replace(">", "}"))
             for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")
             and rule.endpoint != "api_docs.openapi_json" for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert operations == rules
    assert document["components"]["schemas"]["ReferralCreate"]["additionalProperties"] is False


def test_the_page_for_people_renders_the_document_without_scripts(app, client):
    response = client.get("/api-dokumentation")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "POST /api/v1/referrals/{referral_id}/steps" in text and "ReferralCreate" in text
    assert "<script" not in text and "cdn" not in text.lower()
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_calls_are_throttled_per_key(make_app, orgs, make_user):
    limited = make_app(RATELIMIT_ENABLED=True, API_RATE_LIMIT="3 per minute")
    client = limited.test_client()
    keys = []
    for user in (make_user(org="af"), make_user(org="ami")):
        keys.append(tokens.create_personal(by=user, name="x", scopes=["referral.view"], expires_on=today()).secret)
    db.session.commit()
    statuses = [client.get("/api/v1/organisations", headers={"Authorization": f"Bearer {keys[0]}"}).status_code
                for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = client.get("/api/v1/organisations", headers={"Authorization": f"Bearer {keys[0]}"})
    assert refused.get_json()["error"]["code"] == "throttled"
    other = client.get("/api/v1/organisations", headers={"Authorization": f"Bearer {keys[1]}"})
    assert other.status_code == 200  # another key has its own budget


def test_a_flood_of_made_up_keys_meets_429_from_the_same_address(make_app, orgs, make_user):
    limited = make_app(RATELIMIT_ENABLED=True, API_BAD_KEY_LIMIT="3 per minute")
    client = limited.test_client()
    statuses = [client.get("/api/v1/organisations", headers={"Authorization": f"Bearer dua_{n}_{'x' * 43}"}
                           ).status_code for n in range(1, 6)]
    assert statuses == [401, 401, 401, 429, 429]
    assert client.get("/api/v1/organisations", headers={"Authorization": "Bearer dua_9_y"}
                      ).get_json()["error"]["code"] == "throttled"


def test_a_body_above_one_megabyte_is_413_on_a_read_endpoint_too(app, client, make_user):
    key = tokens.create_personal(by=make_user(org="af"), name="x", scopes=["referral.view"],
                                 expires_on=today()).secret
    db.session.commit()
    response = client.get("/api/v1/organisations", data=b"x" * (1024 * 1024 + 1),
                          headers={"Authorization": f"Bearer {key}", "Content-Type": "application/octet-stream"})
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"
