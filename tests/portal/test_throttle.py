"""Throttling of failed logins per account and per IP (Flask-Limiter), with memory and Redis storage."""
from __future__ import annotations

import time
import uuid

import pytest
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.db import db
from tests.helpers import PASSWORD

TOO_MANY = "För många försök"


def _limited_app(make_app, **overrides):
    settings = {"RATELIMIT_ENABLED": True, "LOGIN_LIMIT_PER_ACCOUNT": "3 per minute",
                "LOGIN_LIMIT_PER_IP": "5 per minute", **overrides}
    return make_app(**settings)


def _attempt(client, email, password="fel-losenord-123", ip="10.0.0.1"):
    return client.post("/logga-in", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": ip})


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_the_fourth_failed_attempt_on_an_account_is_refused_from_any_ip(make_app, make_user):
    client = _limited_app(make_app).test_client()
    user = make_user()
    for n in range(3):
        assert _attempt(client, user.email, ip=f"10.0.1.{n}").status_code == 401
    response = _attempt(client, user.email, ip="10.0.1.99")
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert TOO_MANY in html and "Vänta en stund" in html
    # Even the right password is refused while the account is throttled ...
    assert _attempt(client, user.email, PASSWORD, ip="10.0.1.100").status_code == 429
    # ... but other accounts from the same addresses are not.
    other = make_user()
    assert _attempt(client, other.email, PASSWORD, ip="10.0.1.0").status_code == 302
    throttled = _events("login.throttled")
    assert len(throttled) == 2
    assert user.email in throttled[0].details
    assert len(_events("login.failed")) == 3


def test_the_account_key_ignores_case_and_spaces(make_app, make_user):
    client = _limited_app(make_app).test_client()
    user = make_user()
    for variant in (user.email, user.email.upper(), f"  {user.email} "):
        assert _attempt(client, variant, ip="10.0.2.1").status_code == 401
    assert _attempt(client, user.email, ip="10.0.2.2").status_code == 429


def test_one_ip_is_throttled_across_accounts(make_app, make_user):
    client = _limited_app(make_app).test_client()
    for n in range(5):
        assert _attempt(client, f"finns-inte-{n}@lekeberg.example", ip="10.0.3.1").status_code == 401
    assert _attempt(client, "finns-inte-99@lekeberg.example", ip="10.0.3.1").status_code == 429
    user = make_user()
    assert _attempt(client, user.email, PASSWORD, ip="10.0.3.1").status_code == 429
    assert _attempt(client, user.email, PASSWORD, ip="10.0.3.2").status_code == 302  # another address is fine


def test_successful_logins_do_not_count(make_app, make_user):
    client = _limited_app(make_app).test_client()
    user = make_user()
    for _ in range(6):
        assert _attempt(client, user.email, PASSWORD, ip="10.0.4.1").status_code == 302
        client.post("/logga-ut")
    assert _attempt(client, user.email, ip="10.0.4.1").status_code == 401


def test_form_errors_do_not_count(make_app):
    client = _limited_app(make_app).test_client()
    for _ in range(6):
        assert client.post("/logga-in", data={"email": "", "password": ""},
                           environ_base={"REMOTE_ADDR": "10.0.5.1"}).status_code == 400


def test_the_code_step_is_throttled_too(make_app, make_user):
    import pyotp

    from portal.auth import operations as accounts

    client = _limited_app(make_app).test_client()
    user = make_user()
    secret = accounts.enrolment_secret(user, accounts.start_totp_enrolment(user))
    accounts.confirm_totp_enrolment(user, secret, pyotp.TOTP(secret).now())
    db.session.commit()
    assert _attempt(client, user.email, PASSWORD, ip="10.0.6.1").status_code == 302
    valid = {pyotp.TOTP(secret).at(time.time() + 30 * k) for k in (-2, -1, 0, 1, 2)}
    wrong = next(c for c in ("111111", "222222", "333333", "444444") if c not in valid)
    for _ in range(3):
        assert client.post("/logga-in/kod", data={"code": wrong}).status_code == 401
    assert client.post("/logga-in/kod", data={"code": wrong}).status_code == 429


def _redis_reachable(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


def test_redis_storage_throttles(make_app, make_user):
    url = "redis://127.0.0.1:6379"
    if not _redis_reachable(url):
        pytest.skip("Redis is not reachable on 127.0.0.1:6379")
    prefix = f"dua-test-{uuid.uuid4().hex}"
    client = _limited_app(make_app, RATELIMIT_STORAGE_URI=url, RATELIMIT_KEY_PREFIX=prefix).test_client()
    user = make_user()
    try:
        for _ in range(3):
            assert _attempt(client, user.email, ip="10.0.7.1").status_code == 401
        assert _attempt(client, user.email, ip="10.0.7.1").status_code == 429
        import redis

        keys = redis.Redis.from_url(url).keys(f"*{prefix}*")
        assert keys, "the limiter did not write to Redis"
    finally:
        import redis

        conn = redis.Redis.from_url(url)
        for key in conn.scan_iter(f"*{prefix}*"):
            conn.delete(key)


def test_an_unreachable_redis_does_not_break_login(make_app, make_user):
    client = _limited_app(make_app, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1").test_client()
    user = make_user()
    assert _attempt(client, user.email, ip="10.0.8.1").status_code == 401
    assert _attempt(client, user.email, PASSWORD, ip="10.0.8.1").status_code == 302
    client.post("/logga-ut")
    for _ in range(2):  # memory fallback keeps throttling
        assert _attempt(client, user.email, ip="10.0.8.2").status_code == 401
    assert _attempt(client, user.email, ip="10.0.8.3").status_code == 429


def test_behind_a_trusted_proxy_each_client_address_is_throttled_and_audited(make_app, make_user):
    client = _limited_app(make_app, TRUSTED_PROXIES=1).test_client()
    user = make_user()

    def attempt(email, client_ip, password="fel-losenord-123"):
        return client.post("/logga-in", data={"email": email, "password": password},
                           environ_base={"REMOTE_ADDR": "10.9.9.9"}, headers={"X-Forwarded-For": client_ip})

    for n in range(5):
        assert attempt(f"okand{n}@lekeberg.example", "203.0.113.5").status_code == 401
    assert attempt("okand9@lekeberg.example", "203.0.113.5").status_code == 429
    # Another client behind the same proxy is not locked out.
    assert attempt(user.email, "203.0.113.6", PASSWORD).status_code == 302
    ips = {e.ip for e in _events("login.failed")} | {e.ip for e in _events("login")}
    assert ips == {"203.0.113.5", "203.0.113.6"}


def test_without_trusted_proxies_a_forwarded_header_is_ignored(make_app, make_user):
    client = _limited_app(make_app).test_client()
    for n in range(5):
        client.post("/logga-in", data={"email": f"x{n}@lekeberg.example", "password": "fel-losenord-123"},
                    environ_base={"REMOTE_ADDR": "10.0.9.1"}, headers={"X-Forwarded-For": f"203.0.113.{n}"})
    response = client.post("/logga-in", data={"email": "y@lekeberg.example", "password": "fel-losenord-123"},
                           environ_base={"REMOTE_ADDR": "10.0.9.1"}, headers={"X-Forwarded-For": "203.0.113.77"})
    assert response.status_code == 429  # spoofing the header does not escape the per-IP limit


def test_the_next_app_built_starts_with_a_healthy_storage(make_app, make_user):
    """After an app whose Redis was down, the next app's own storage is used again (not the memory fallback)."""
    from portal.auth import limiter

    client = _limited_app(make_app, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1").test_client()
    assert _attempt(client, make_user().email, ip="10.0.10.1").status_code == 401  # storage down: fallback
    _limited_app(make_app)
    assert limiter._storage_dead is False


def test_every_app_in_the_process_keeps_its_own_throttling_switch(make_app, make_user, client):
    """The limiter is one object per process, and an app built later does not switch throttling on or off
    for the apps built before it."""
    from portal.auth import limiter

    throttled = _limited_app(make_app)
    unthrottled = make_app(RATELIMIT_ENABLED=False)  # built after, sharing the one limiter
    assert throttled.extensions["limiter"] == {limiter}
    user = make_user()
    for _ in range(6):
        assert _attempt(unthrottled.test_client(), user.email, ip="10.0.11.1").status_code == 401
        assert _attempt(client, user.email, ip="10.0.11.1").status_code == 401  # the test app: throttling off
    own = throttled.test_client()
    for _ in range(3):
        assert _attempt(own, user.email, ip="10.0.11.2").status_code == 401
    assert _attempt(own, user.email, ip="10.0.11.2").status_code == 429
