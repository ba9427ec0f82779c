"""No page answers odd input with a server error: every GET endpoint, as every role, with hostile query values."""
from __future__ import annotations

import os
import time

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


EMAILS = [u[0] for u in demo.USERS if u[0].startswith((
    "kaa.", "styrgrupp@lekeberg", "admin@lekeberg", "ami.handlaggare", "systemadmin", "handlaggare@af"))]
#: Bounded by time like the other crawls: ODD_INPUT_SECONDS (default 90) per database, shared by the roles. Every
#: address is asked plainly first; the odd queries follow, page after page, as long as the role's share lasts.
BUDGET = float(os.environ.get("ODD_INPUT_SECONDS", "90")) / len(EMAILS)


@pytest.mark.parametrize("email", EMAILS)
def test_no_get_page_gives_a_server_error(app, demo_portal, email, login):
    client = app.test_client()
    user = db.session.scalar(db.select(User).where(User.email == email))
    login(user, password=demo.DEMO_PASSWORD, client=client)
    plain, odd = set(), set()
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            access = getattr(app.view_functions[rule.endpoint], "access", None)
            if rule.endpoint == "static" or "GET" not in rule.methods or (access and access[0] == PUBLIC):
                continue
            for value in (1, 2, 999999, 10**20):
                plain.add(url_for(rule.endpoint, **{arg: value for arg in rule.arguments}))
            for value in (1, 2):  # the ids the demo has: a page that exists reads its query
                url = url_for(rule.endpoint, **{arg: value for arg in rule.arguments})
                odd.update(url + query for query in ODD_QUERIES if query)
    deadline, failures, asked = time.monotonic() + BUDGET, [], 0
    for url in [*sorted(plain), *sorted(odd, key=lambda u: (u.split("?")[1], u))]:
        if asked >= len(plain) and time.monotonic() > deadline:
            break
        status = client.get(url).status_code
        asked += 1
        if status >= 500:
            failures.append((url, status))
    print(f"{email}: {asked} of {len(plain) + len(odd)} addresses asked ({len(plain)} plain)")
    assert failures == [], failures


def test_an_id_beyond_the_database_range_is_not_found(client, login_as):
    login_as(org="ami", roles=("handlaggare",))
    response = client.get(f"/deltagare/{10**20}")
    assert response.status_code == 404
    assert "Sidan finns inte" in response.get_data(as_text=True)
