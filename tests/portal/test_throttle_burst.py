"""Login throttling holds under a burst: parallel wrong passwords against a real threaded server."""
from __future__ import annotations

import http.client
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest
from werkzeug.serving import make_server

from tests.helpers import PASSWORD, events

BURST = 60
LIMIT = 5


@pytest.fixture
def server(make_app):
    """The portal served by werkzeug with a thread per request, as `flask run` does."""
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_LIMIT_PER_ACCOUNT=f"{LIMIT} per minute",
                   LOGIN_LIMIT_PER_IP="1000 per minute")
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_port
    httpd.shutdown()
    thread.join(timeout=10)


def _post_login(port: int, email: str, password: str, barrier: threading.Barrier | None = None) -> int:
    body = urlencode({"email": email, "password": password})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.connect()
        if barrier is not None:
            barrier.wait()  # every connection is open: send all requests at the same moment
        conn.request("POST", "/logga-in", body=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
        return conn.getresponse().status
    finally:
        conn.close()


def test_a_burst_of_wrong_passwords_is_checked_only_up_to_the_limit(server, make_user):
    email = make_user().email
    barrier = threading.Barrier(BURST)
    with ThreadPoolExecutor(max_workers=BURST) as pool:
        statuses = list(pool.map(lambda n: _post_login(server, email, f"fel-losenord-{n:03}", barrier),
                                 range(BURST)))
    assert statuses.count(401) == LIMIT, statuses
    assert statuses.count(429) == BURST - LIMIT, statuses
    assert len(events("login.failed")) == LIMIT  # only five passwords were checked at all
    # The right password straight after the burst is refused too, and the refusal is audited.
    assert _post_login(server, email, PASSWORD) == 429
    assert len(events("login.throttled")) == BURST - LIMIT + 1
    assert events("login") == []


def test_a_right_password_in_the_burst_does_not_use_up_the_limit(server, make_user):
    email = make_user().email
    barrier = threading.Barrier(LIMIT)
    with ThreadPoolExecutor(max_workers=LIMIT) as pool:
        passwords = [PASSWORD] + [f"fel-losenord-{n}" for n in range(LIMIT - 2)] + [PASSWORD]
        statuses = list(pool.map(lambda pw: _post_login(server, email, pw, barrier), passwords))
    assert sorted(statuses) == [302, 302] + [401] * (LIMIT - 2)
    # The two successes gave their reservations back: two more wrong tries are checked, then the limit holds.
    assert [_post_login(server, email, f"fel-{n}") for n in range(3)] == [401, 401, 429]
