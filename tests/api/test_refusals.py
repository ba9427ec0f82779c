"""Every endpoint refuses a key without its permission (403, audited), with no key (401), and another
organisation's records (403) — in JSON, before anything is read or written."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal.api import spec, tokens
from portal.audit import AuditEvent
from portal.db import db
from referrals.models import Referral
from tests.referrals import helpers as h


def _operations(app):
    with app.test_request_context():
        document = spec.build(app)
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            permission = operation["description"].split("Kräver behörigheten `")[-1].split("`")[0] \
                if "Kräver behörigheten" in operation["description"] else None
            yield method.upper(), re.sub(r"\{(\w+)\}", lambda m: "x" if m.group(1) == "ref" else "1", path), permission


def test_every_endpoint_declares_a_permission_except_the_organisations(app):
    unscoped = sorted(path for _m, path, permission in _operations(app) if permission is None)
    assert unscoped == ["/api/v1/organisations", "/api/v1/organisations/1"]


def test_every_endpoint_refuses_a_key_without_its_permission(app, orgs, make_user, call):
    user = make_user(org="kommun", roles=("handlaggare", "samordnare", "styrgrupp"))
    checked = 0
    for method, path, permission in _operations(app):
        if permission is None:
            continue
        others = [p for p in tokens.personal_scopes(user) if p != permission]
        issued = tokens.create_personal(by=user, name="x", scopes=others, expires_on=tokens.today())
        db.session.commit()
        response = call(issued.secret, method, path, json={})
        assert response.status_code == 403, (method, path, response.get_json())
        assert response.get_json()["error"]["code"] == "forbidden"
        checked += 1
    assert checked >= 17
    denied = db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "access.denied"))
    assert denied == checked


def test_every_endpoint_refuses_a_call_without_a_key(app):
    client = app.test_client()
    for method, path, _permission in _operations(app):
        response = client.open(path, method=method, json={})
        assert response.status_code == 401, (method, path)
        assert response.is_json


def test_a_key_of_another_organisation_cannot_read_or_move_a_referral(app, orgs, make_user, system_token, call):
    af = make_user(org="af")
    person = h.consented_person(af, orgs["ami"])
    referral = h.sent(af, orgs["ami"], person)
    outsider = system_token("ifo")
    assert call(outsider, "GET", f"/api/v1/referrals/{referral.id}").status_code == 403
    step = call(outsider, "POST", f"/api/v1/referrals/{referral.id}/steps",
                json={"action": "accept", "version": referral.version})
    assert step.status_code == 403
    comment = call(outsider, "POST", f"/api/v1/referrals/{referral.id}/comments", json={"body": "Hej"})
    assert comment.status_code == 403
    assert db.session.get(Referral, referral.id).state == "submitted"
    listed = call(outsider, "GET", "/api/v1/referrals?box=inkommande").get_json()
    assert listed == {"items": [], "next_cursor": None}


def test_the_sender_cannot_take_the_receivers_step(app, orgs, make_user, system_token, call):
    af = make_user(org="af")
    referral = h.sent(af, orgs["ami"], h.consented_person(af, orgs["ami"]))
    sender_key = system_token("af")
    response = call(sender_key, "POST", f"/api/v1/referrals/{referral.id}/steps",
                    json={"action": "accept", "version": referral.version})
    assert response.status_code == 403


def test_kaa_is_for_the_kommuns_own_staff(app, orgs, system_token, call):
    school = system_token("skola", scopes=["kaa.work", "person.view"])
    assert call(school, "GET", "/api/v1/kaa/enrolments").status_code == 403
    kommun = system_token("kommun", scopes=["kaa.work", "person.view"])
    assert call(kommun, "GET", "/api/v1/kaa/enrolments").get_json() == {"items": [], "next_cursor": None}


def test_a_missing_record_is_a_404_in_json(app, orgs, system_token, call):
    key = system_token("af", scopes=["referral.view", "agreement.read", "meeting.view", "person.view"])
    for url in ("/api/v1/referrals/999999", "/api/v1/agreements/999999/revisions", "/api/v1/meetings/999999",
                "/api/v1/people/okand", "/api/v1/organisations/999999", "/api/v1/nothing-here"):
        response = call(key, "GET", url)
        assert response.status_code == 404, url
        assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_an_unknown_method_is_a_405_in_json(app, orgs, system_token, call, method):
    response = call(system_token("af"), method, "/api/v1/referrals")
    assert response.status_code == 405 and response.get_json()["error"]["code"] == "method_not_allowed"
