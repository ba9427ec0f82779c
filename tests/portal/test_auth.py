"""Login, logout, session renewal, idle timeout, deactivation and change of password, as a user meets them."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.auth import operations as accounts
from portal.db import db
from portal.errors import NotPermitted
from tests.helpers import PASSWORD

LOGIN_FAILED = "Fel e-postadress eller lösenord, eller så är kontot inaktiverat."


def _actions(action: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.seq)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(db.session.scalars(query))


def _post_login(client, email, password, **kwargs):
    return client.post("/logga-in", data={"email": email, "password": password}, **kwargs)


def test_login_page_is_swedish(client):
    html = client.get("/logga-in").get_data(as_text=True)
    assert "Logga in" in html and "E-postadress" in html and "Lösenord" in html


def test_right_password_logs_in_and_is_audited(client, make_user):
    user = make_user()
    response = _post_login(client, user.email, PASSWORD)
    assert response.status_code == 302
    html = client.get("/").get_data(as_text=True)
    assert "<h1>Att göra</h1>" in html and user.name in html
    events = _actions("login")
    assert len(events) == 1 and events[0].user_id == user.id


def test_email_is_case_and_space_insensitive(client, make_user):
    user = make_user()
    assert _post_login(client, "  " + user.email.upper() + " ", PASSWORD).status_code == 302


@pytest.mark.parametrize("case", ["wrong_password", "unknown_email", "deactivated"])
def test_failed_logins_look_the_same_and_are_audited(client, make_user, case):
    user = make_user(email="anna@lekeberg.example")
    if case == "deactivated":
        accounts.set_active(user, False, by=None)
        db.session.commit()
    email = "nobody@lekeberg.example" if case == "unknown_email" else user.email
    password = "fel-losenord-123" if case == "wrong_password" else PASSWORD
    response = _post_login(client, email, password)
    html = response.get_data(as_text=True)
    assert response.status_code == 401
    assert LOGIN_FAILED in html
    assert f'value="{email}"' in html  # what was typed is kept ...
    assert password not in html  # ... except the password
    assert client.get("/").status_code == 302  # not logged in
    failed = _actions("login.failed")
    assert len(failed) == 1  # recorded although the request rolled back
    assert failed[0].details and email in failed[0].details
    assert _actions("login") == []


def test_failed_login_responses_do_not_reveal_whether_the_email_exists(client, make_user):
    user = make_user()
    known = _post_login(client, user.email, "fel-losenord-123")
    unknown = _post_login(client, "okand@lekeberg.example", "fel-losenord-123")
    assert known.status_code == unknown.status_code == 401
    strip = lambda r, e: r.get_data(as_text=True).replace(e, "")  # noqa: E731
    assert strip(known, user.email) == strip(unknown, "okand@lekeberg.example")


def test_empty_login_form_gets_swedish_messages_beside_fields(client):
    response = _post_login(client, "", "")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Ange din e-postadress." in html and "Ange ditt lösenord." in html
    assert 'id="email-fel"' in html and 'id="password-fel"' in html


def test_login_renews_the_session(client, make_user, login):
    user = make_user()
    with client.session_transaction() as sess:
        sess["planted"] = "by-an-attacker"
    login(user)
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert "_user_id" in sess


def test_login_follows_a_local_next_only(client, make_user):
    user = make_user()
    response = client.post("/logga-in?next=/konto", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"].endswith("/konto")
    client.post("/logga-ut")
    for evil in ("//evil.example/", "https://evil.example/", "/\\evil.example", "/\t/evil.example"):
        response = client.post("/logga-in", query_string={"next": evil},
                               data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302
        assert "evil" not in response.headers["Location"], evil
        client.post("/logga-ut")


def test_anonymous_is_sent_to_login_with_next(client):
    response = client.get("/konto")
    assert response.status_code == 302
    assert "/logga-in?next=" in response.headers["Location"]


def test_logout_ends_the_session_and_is_audited(client, make_user, login):
    user = make_user()
    login(user)
    response = client.post("/logga-ut", follow_redirects=True)
    assert "Du är utloggad." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    assert [(e.user_id, e.object_type, e.object_id) for e in _actions("logout")] == [(user.id, "User", str(user.id))]


def test_logout_needs_post(client, make_user, login):
    login(make_user())
    assert client.get("/logga-ut").status_code == 405
    assert client.get("/").status_code == 200


def test_logout_without_csrf_token_is_refused(make_app, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    user = make_user()
    html = client.get("/logga-in").get_data(as_text=True)
    from tests.helpers import csrf_token

    token = csrf_token(html)
    response = client.post("/logga-in", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    assert client.post("/logga-ut").status_code == 400
    assert client.get("/").status_code == 200  # still logged in
    token = csrf_token(client.get("/").get_data(as_text=True))
    assert client.post("/logga-ut", data={"csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302


def _age_session(client, seconds: float) -> None:
    with client.session_transaction() as sess:
        sess["last_seen"] = datetime.now(UTC).timestamp() - seconds


def test_idle_timeout_logs_out_with_a_swedish_message(client, make_user, login):
    login(make_user())
    _age_session(client, 31 * 60)
    response = client.get("/konto")
    assert response.status_code == 302 and "/logga-in" in response.headers["Location"]
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Du har loggats ut efter 30 minuters inaktivitet" in html
    assert client.get("/").status_code == 302
    assert [e.details for e in _actions("logout.timeout")] == ['{"reason": "idle"}']


def test_a_session_ends_after_twelve_hours_however_active(client, make_user, login):
    login(make_user())
    with client.session_transaction() as sess:
        sess["login_at"] = datetime.now(UTC).timestamp() - 12 * 3600 - 60
    response = client.get("/konto")
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Du har varit inloggad i 12 timmar" in html
    assert client.get("/").status_code == 302


def test_activity_within_the_idle_timeout_keeps_the_session(client, make_user, login):
    login(make_user())
    _age_session(client, 29 * 60)
    assert client.get("/konto").status_code == 200
    _age_session(client, 29 * 60)  # each request restarts the clock
    assert client.get("/konto").status_code == 200


def test_idle_timeout_setting_is_honoured(make_app, make_user, login):
    app = make_app(IDLE_TIMEOUT=timedelta(minutes=2))
    client = app.test_client()
    login(make_user(), client=client)
    _age_session(client, 3 * 60)
    assert client.get("/").status_code == 302


def test_deactivation_ends_an_open_session_at_once(client, make_user, login):
    user = make_user()
    login(user)
    assert client.get("/konto").status_code == 200
    accounts.set_active(user, False, by=None)
    db.session.commit()
    response = client.get("/konto")
    assert response.status_code == 302 and "/logga-in" in response.headers["Location"]
    # Reactivation does not revive the old session either.
    accounts.set_active(user, True, by=None)
    db.session.commit()
    assert client.get("/konto").status_code == 302


def test_an_admin_cannot_deactivate_themselves(make_user):
    admin = make_user(roles=("org_admin",))
    with pytest.raises(accounts.AccountError):
        accounts.set_active(admin, False, by=admin)
    assert admin.is_active


def test_staff_without_user_manage_cannot_change_any_account(make_user):
    """The operations ask the record rule themselves: a caseworker is refused even when a view would let it by."""
    caseworker, colleague = make_user(), make_user()
    for change in (lambda: accounts.set_active(caseworker, False, by=caseworker),
                   lambda: accounts.set_active(colleague, False, by=caseworker),
                   lambda: accounts.update_user(colleague, name="X", roles=["samordnare"], by=caseworker),
                   lambda: accounts.reset_two_factor(colleague, by=caseworker)):
        with pytest.raises(NotPermitted):
            change()
    assert colleague.is_active and colleague.role_names == ["handlaggare"]


def test_an_org_admin_cannot_create_staff_in_another_organisation(make_user, orgs):
    admin = make_user(org="kommun", roles=("org_admin",))
    with pytest.raises(NotPermitted):
        accounts.create_user(email="ny@af.example", name="Ny", organisation=orgs["af"], roles=["handlaggare"],
                             password=PASSWORD, by=admin)


def _change(client, current, new, repeat=None):
    return client.post("/konto/losenord", data={"current": current, "new": new,
                                                "repeat": new if repeat is None else repeat})


def test_change_password_keeps_this_session_and_ends_the_others(app, make_user, login):
    user = make_user()
    mine, other = app.test_client(), app.test_client()
    login(user, client=mine)
    login(user, client=other)
    response = _change(mine, PASSWORD, "Ett-helt-nytt-losenord-2")
    assert response.status_code == 302
    html = mine.get(response.headers["Location"]).get_data(as_text=True)
    assert "Lösenordet är bytt" in html
    assert mine.get("/").status_code == 200
    assert other.get("/").status_code == 302
    mine.post("/logga-ut")
    assert _post_login(mine, user.email, PASSWORD).status_code == 401
    assert _post_login(mine, user.email, "Ett-helt-nytt-losenord-2").status_code == 302
    assert len(_actions("user.password_change")) == 1


@pytest.mark.parametrize(
    ("current", "new", "repeat", "field", "message"),
    [
        ("fel-losenord-123", "Ett-helt-nytt-losenord-2", None, "current", "Det nuvarande lösenordet är fel."),
        (PASSWORD, "Ett-helt-nytt-losenord-2", "Ett-annat-losenord-3", "repeat", "Lösenorden stämmer inte överens."),
        (PASSWORD, PASSWORD, None, "new", "Det nya lösenordet måste skilja sig från det nuvarande."),
        (PASSWORD, "kort-1", None, "new", "Lösenordet måste ha minst 12 tecken."),
        (PASSWORD, "aaaaaaaaaaaaaaaa", None, "new", "minst fem olika tecken"),
        (PASSWORD, "password1234", None, "new", "för lätt att gissa"),
        (PASSWORD, "Testperson-hemligt-9", None, "new", "får inte innehålla ditt namn"),
    ],
)
def test_change_password_rules_give_swedish_messages_beside_the_field(client, make_user, login, current, new,
                                                                       repeat, field, message):
    user = make_user()
    login(user)
    response = _change(client, current, new, repeat)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html
    assert f'id="{field}-fel"' in html
    assert new not in html.split("<main", 1)[1] if len(new) > 8 else True  # passwords are never echoed
    assert client.get("/").status_code == 200  # still logged in with the old password
    db.session.expire_all()
    assert _actions("user.password_change") == []


def test_create_user_refuses_a_weak_password_with_swedish_message(orgs):
    with pytest.raises(accounts.AccountError) as info:
        accounts.create_user(email="ny@lekeberg.example", name="Ny Person", organisation=orgs["kommun"],
                             roles=["handlaggare"], password="kort", by=None)
    assert info.value.field == "password"
    assert "minst 12 tecken" in str(info.value)


def test_create_user_refuses_a_duplicate_email(make_user, orgs):
    user = make_user()
    with pytest.raises(accounts.AccountError) as info:
        accounts.create_user(email=user.email.upper(), name="Dubblett", organisation=orgs["af"],
                             roles=["handlaggare"], password=PASSWORD, by=None)
    assert info.value.field == "email" and "används redan" in str(info.value)


def test_a_copy_of_the_session_cookie_is_useless_after_logout(app, make_user, login):
    user = make_user()
    browser, thief = app.test_client(), app.test_client()
    login(user, client=browser)
    with browser.session_transaction() as sess:
        stolen = dict(sess)
    browser.post("/logga-ut")
    with thief.session_transaction() as sess:
        sess.update(stolen)
    assert thief.get("/").status_code == 302
