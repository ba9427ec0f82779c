"""Nothing is reachable by accident: every endpoint declares its access, and the public ones are few."""
from __future__ import annotations

import pytest

from portal.permissions import PERMISSIONS, PUBLIC

#: The only endpoints anybody may open without logging in.
PUBLIC_ALLOWLIST = {
    "static",
    "main.healthz",
    "main.accessibility",
    "main.set_language",
    "auth.login",
    "auth.second_factor",
    "auth.enrol_at_login",
    # Glömt lösenordet: asking for a link answers the same for any address; the link page needs the token.
    "auth.forgot_password",
    "auth.reset_password",
    # Sign-in with e-legitimation: the button (a link) and the provider's callback (state, PKCE, nonce).
    "auth.oidc_start",
    "auth.oidc_callback",
    # A calendar program fetches the personal meeting feed without a session: the secret token (stored hashed,
    # revocable) is the key, and the feed holds times and places only, never an agenda's details.
    "meetings.feed_ics",
    # The API's OpenAPI document and its page for people describe the API and hold no data; integrators read
    # them before they have a key. Every other /api/ endpoint needs a key (401 without one).
    "api_docs.openapi_json",
    "api_keys.documentation",
}


def _declared(app):
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        yield rule, getattr(view, "access", None)


def test_every_endpoint_declares_its_access(app):
    undeclared = [rule.rule for rule, access in _declared(app) if access is None and rule.endpoint != "static"]
    assert undeclared == [], f"endpoints without a declared permission: {undeclared}"


def test_declared_permissions_exist(app):
    for rule, access in _declared(app):
        if access and access[0] in ("permission", "api") and access[1] is not None:
            assert access[1] in PERMISSIONS, rule.rule


def test_only_the_allowlist_is_public(app):
    public = {rule.endpoint for rule, access in _declared(app) if access and access[0] == PUBLIC}
    assert public <= PUBLIC_ALLOWLIST, f"public endpoints not on the allowlist: {public - PUBLIC_ALLOWLIST}"


def _build(app, rule, values):
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def test_anonymous_is_sent_to_login_everywhere(app, client):
    for rule, access in _declared(app):
        if not access or access[0] == PUBLIC or rule.endpoint == "static":
            continue
        method = "GET" if "GET" in rule.methods else "POST"
        url = _build(app, rule, {arg: 1 for arg in rule.arguments})
        response = client.open(url, method=method)
        if access[0] == "api":  # another system has no login page to go to: 401 and what to send
            assert response.status_code == 401 and response.is_json, (url, response.status_code)
            continue
        assert response.status_code == 302, (url, response.status_code)
        assert "/logga-in" in response.headers["Location"], url


@pytest.mark.parametrize("url", ["/healthz", "/tillganglighet", "/logga-in"])
def test_public_pages_open_without_login(client, url):
    assert client.get(url).status_code == 200
