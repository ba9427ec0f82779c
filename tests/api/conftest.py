"""Fixtures for the API: keys made through the same operations as the key pages, and a caller that sends them."""
from __future__ import annotations

from datetime import timedelta

import pytest

from portal.api import tokens
from portal.clock import today
from portal.db import db


@pytest.fixture
def personal_token(app):
    """`personal_token(user, scopes=None)` → the key (dua_<id>_<secret>) of a personal token of `user`."""

    def make(user, scopes=None, days: int = 30) -> str:
        issued = tokens.create_personal(by=user, name="Test", scopes=scopes or tokens.personal_scopes(user),
                                        expires_on=today() + timedelta(days=days))
        db.session.commit()
        return issued.secret

    return make


@pytest.fixture
def system_token(app, orgs):
    """`system_token(org="af", scopes=[...])` → the key of a system token of the organisation (made by None: a
    trusted script, as the fixtures make users)."""

    def make(org="af", scopes=("referral.view", "referral.send", "referral.handle", "person.view"),
             days: int = 30) -> str:
        organisation = orgs[org] if isinstance(org, str) else org
        issued = tokens.create_system(organisation, by=None, name=f"System {organisation.code}", scopes=list(scopes),
                                      expires_on=today() + timedelta(days=days))
        db.session.commit()
        return issued.secret

    return make


@pytest.fixture
def call(client):
    """`call(key, "GET", "/api/v1/...", json=..., **kw)` → the response (no session, no CSRF)."""

    def do(key, method: str, url: str, **kwargs):
        headers = dict(kwargs.pop("headers", {}) or {})
        if key is not None:
            headers["Authorization"] = f"Bearer {key}"
        return client.open(url, method=method, headers=headers, **kwargs)

    return do


@pytest.fixture(autouse=True)
def _forget_translations(shared_app):
    """Flask-Babel keeps each locale's catalogue for the whole process, whichever app loaded it first: a test here
    that asks for English must not leave the shared app's (uncompiled) English behind for the i18n tests."""
    from portal.i18n import babel

    with shared_app.app_context():
        babel.domain_instance.cache.clear()
    yield
    with shared_app.app_context():
        babel.domain_instance.cache.clear()
