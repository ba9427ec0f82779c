"""No page answers odd input with a server error: every GET endpoint, as every role, with hostile query values."""
from __future__ import annotations

import pytest
from flask import url_for

from portal import demo
from portal.auth.models import User
from portal.db import db
from portal.permissions import PUBLIC

ODD_QUERIES = ["", "?page=abc", "?page=-1", "?page=99999999999999999999", "?fran=x&till=y&q=%27%22%3C",
               "?date_from=2026-13-45&date_to=igår&action=%00&person_id=x"]


@pytest.fixture
def demo_portal(app, demo):
    """The demo seeded."""


@pytest.mark.parametrize("email", [u[0] for u in demo.USERS if u[0].startswith((
    "kaa.", "styrgrupp@lekeberg", "admin@lekeberg", "ami.handlaggare", "systemadmin", "handlaggare@af"))])
def test_no_get_page_gives_a_server_error(app, demo_portal, email, login):
    client = app.test_client()
    user = db.session.scalar(db.select(User).where(User.email == email))
    login(user, password=demo.DEMO_PASSWORD, client=client)
    with app.test_request_context():
        urls = []
        for rule in app.url_map.iter_rules():
            access = getattr(app.view_functions[rule.endpoint], "access", None)
            if rule.endpoint == "static" or "GET" not in rule.methods or (access and access[0] == PUBLIC):
                continue
            for value in (1, 2, 999999, 10**20):
                urls.append(url_for(rule.endpoint, **{arg: value for arg in rule.arguments}))
    failures = []
    for url in sorted(set(urls)):
        for query in ODD_QUERIES:
            status = client.get(url + query).status_code
            if status >= 500:
                failures.append((url + query, status))
    assert failures == [], failures


def test_an_id_beyond_the_database_range_is_not_found(client, login_as):
    login_as(org="ami", roles=("handlaggare",))
    response = client.get(f"/deltagare/{10**20}")
    assert response.status_code == 404
    assert "Sidan finns inte" in response.get_data(as_text=True)
