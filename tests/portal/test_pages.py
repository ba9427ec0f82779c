"""The health check, error pages, CSRF refusal, accessibility statement, language switch and cookie flags."""
from __future__ import annotations

import pytest
from flask import Blueprint
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.auth.models import User
from portal.db import db
from portal.permissions import requires
from tests.helpers import PASSWORD, csrf_token


def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize("url", ["postgresql+psycopg://postgres@127.0.0.1:1/finns_inte?connect_timeout=2",
                                 "sqlite:////finns/inte/katalog/portal.sqlite3"])
def test_healthz_is_503_when_the_database_is_unreachable(make_app, url):
    app = make_app(SQLALCHEMY_DATABASE_URI=url)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "nere"


def test_404_page_is_swedish(client):
    response = client.get("/finns-inte")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Sidan finns inte" in html and '<html lang="sv">' in html


def test_405_page_is_swedish(client):
    response = client.get("/sprak")
    assert response.status_code == 405
    assert "Metoden är inte tillåten" in response.get_data(as_text=True)


def _app_with_protected_page(make_app, **settings):
    app = make_app(**settings)
    extra = Blueprint("extra", __name__)

    @extra.route("/granskning-test")
    @requires("audit.search")
    def protected():
        from portal import audit

        audit.record("test.should_roll_back", by=None)
        return "hemligt"

    @extra.route("/krasch")
    @requires("audit.search")
    def crash():
        raise RuntimeError("boom")

    app.register_blueprint(extra)
    return app


def test_403_page_is_swedish_and_the_refusal_is_audited(make_app, make_user, login):
    app = _app_with_protected_page(make_app)
    client = app.test_client()
    user = make_user(roles=("handlaggare",))
    login(user, client=client)
    response = client.get("/granskning-test")
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "Åtkomst nekad" in html and "hemligt" not in html
    denied = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "access.denied")).all()
    assert len(denied) == 1
    assert denied[0].user_id == user.id and "audit.search" in denied[0].details
    assert "/granskning-test" in denied[0].details


def test_right_permission_opens_the_page(make_app, make_user, login):
    app = _app_with_protected_page(make_app)
    client = app.test_client()
    login(make_user(roles=("org_admin",)), client=client)
    assert client.get("/granskning-test").get_data(as_text=True) == "hemligt"


def test_500_page_is_swedish_and_nothing_is_saved(make_app, make_user, login):
    app = _app_with_protected_page(make_app, PROPAGATE_EXCEPTIONS=False)
    client = app.test_client()
    login(make_user(roles=("org_admin",)), client=client)
    response = client.get("/krasch")
    assert response.status_code == 500
    assert "Ett fel uppstod i portalen" in response.get_data(as_text=True)


def test_accessibility_statement_renders(client):
    response = client.get("/tillganglighet")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Tillgänglighetsredogörelse" in html
    assert "digg.se" in html.lower()


def test_language_switch_stores_the_language(client):
    response = client.post("/sprak", data={"lang": "en", "next": "/tillganglighet"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/tillganglighet")
    with client.session_transaction() as sess:
        assert sess["lang"] == "en"
    assert '<html lang="en">' in client.get("/logga-in").get_data(as_text=True)
    client.post("/sprak", data={"lang": "sv"})
    with client.session_transaction() as sess:
        assert sess["lang"] == "sv"


def test_language_switch_ignores_unknown_languages_and_foreign_targets(client):
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        response = client.post("/sprak", data={"lang": "xx", "next": target})
        assert response.status_code == 302 and "evil" not in response.headers["Location"]
    with client.session_transaction() as sess:
        assert "lang" not in sess


def test_language_choice_is_kept_on_the_account(client, make_user, login):
    user = make_user()
    login(user)
    client.post("/sprak", data={"lang": "en"})
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "en"
    client.post("/logga-ut")
    with client.session_transaction() as sess:
        sess.clear()
    login(user)
    with client.session_transaction() as sess:
        assert sess["lang"] == "en"


def test_missing_csrf_token_gets_a_swedish_page_that_keeps_what_was_typed(make_app, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    client.get("/logga-in")
    response = client.post("/logga-in", data={"email": "anna@lekeberg.example", "password": "hemligt-losen-1",
                                              "kommentar": "<b>fet</b> text"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Formuläret behöver skickas igen" in html
    assert 'value="anna@lekeberg.example"' in html
    assert "&lt;b&gt;fet&lt;/b&gt; text" in html  # shown back, escaped
    assert "hemligt-losen-1" not in html  # secrets are never echoed
    # The page carries a fresh token, so sending again works.
    user = make_user(email="anna@lekeberg.example")
    token = csrf_token(html)
    response = client.post("/logga-in", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302


def test_csrf_page_keeps_every_value_of_a_repeated_field(make_app, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    login_user = make_user()
    html = client.get("/logga-in").get_data(as_text=True)
    client.post("/logga-in", data={"email": login_user.email, "password": PASSWORD, "csrf_token": csrf_token(html)})
    response = client.post("/sprak", data={"roles": ["handlaggare", "samordnare"]})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'value="handlaggare"' in html and 'value="samordnare"' in html


def test_session_cookie_is_httponly_and_lax_and_secure_when_configured(make_app, make_user):
    user = make_user()
    dev = make_app()
    cookie = dev.test_client().post("/logga-in", data={"email": user.email, "password": PASSWORD}).headers[
        "Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    secure = make_app(SESSION_COOKIE_SECURE=True)
    cookie = secure.test_client().post("/logga-in", data={"email": user.email, "password": PASSWORD}).headers[
        "Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_pages_carry_security_headers(client):
    response = client.get("/logga-in")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_csrf_page_never_echoes_codes_on_login_pages_but_keeps_an_organisation_code(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    html = client.post("/logga-in/kod", data={"code": "123456"}).get_data(as_text=True)
    assert "123456" not in html
    html = client.post("/sprak", data={"code": "lekeberg-ami", "new_token": "x-secret-x"}).get_data(as_text=True)
    assert 'value="lekeberg-ami"' in html and "x-secret-x" not in html


def test_a_language_picked_on_the_login_page_survives_login(client, make_user, login):
    user = make_user()
    client.post("/sprak", data={"lang": "en", "next": "/logga-in"})
    login(user)
    with client.session_transaction() as sess:
        assert sess["lang"] == "en"


def test_a_logged_in_users_pages_are_not_stored(client, login_as):
    assert "Cache-Control" not in client.get("/logga-in").headers
    login_as()
    assert client.get("/").headers["Cache-Control"] == "no-store"
    assert client.get("/tillganglighet").headers["Cache-Control"] == "no-store"
    client.post("/logga-ut")
    assert "Cache-Control" not in client.get("/logga-in").headers


def test_csrf_page_names_the_fields_in_swedish_and_keeps_choices(make_app, make_user, orgs):
    """A consent form posted with an expired token: each field by its Swedish label, typed text editable, the
    chosen organisations and check boxes sent back unchanged and shown in words, never `organisations 5`."""
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    user = make_user(org="ami")
    html = client.get("/logga-in").get_data(as_text=True)
    client.post("/logga-in", data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(html)})
    af = orgs["af"].id
    response = client.post("/deltagare/abc/samtycken/nytt", data={
        "organisations": [str(af)], "purposes": ["samordning", "remiss"], "categories": ["utbildning"],
        "purpose_other": "Sommarjobb", "method_note": "Sagt vid mötet", "method": "muntlig", "given_by_person": "y"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Formuläret behöver skickas igen" in html
    for label in ("Annat syfte", "Syften", "Uppgifter som får utbytas", "Hur samtycket lämnades",
                  "Anteckning om hur samtycket lämnades", "Organisationer som får utbyta uppgifter"):
        assert label in html, label
    assert "Samordning av insatser, Remiss och överlämning" in html and "Muntligt, antecknat av handläggaren" in html
    assert 'value="Sommarjobb"' in html and ">Sagt vid mötet</textarea>" in html
    assert f'type="hidden" name="organisations" value="{af}"' in html
    assert 'type="hidden" name="purposes" value="remiss"' in html
    for technical in (">organisations<", ">purpose_other<", ">method_note<", f"organisations {af}"):
        assert technical not in html
