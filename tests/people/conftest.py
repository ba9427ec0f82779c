"""Make each test request start with a fresh `g`, as in production.

The shared `app` fixture keeps one app context pushed for the whole test, and Flask reuses it for every test
request, so `g` (Flask-Login's cached user, the per-request audit de-duplication) would leak between requests
and between clients.
"""
from __future__ import annotations

import pytest
from flask import g


@pytest.fixture(autouse=True)
def fresh_g_per_request(app):
    def reset():
        for name in ("_login_user", "_audited_reads"):
            g.pop(name, None)

    app.before_request_funcs.setdefault(None, []).insert(0, reset)
    yield
