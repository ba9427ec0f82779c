"""KAA, meetings and agreements over the API on the demo data: the same rules and operations as their pages."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from kaa.models import KaaContact
from portal import demo
from portal.api import tokens
from portal.auth.models import User
from portal.clock import today
from portal.db import db


@pytest.fixture
def demo_portal(app):
    demo.seed()
    db.session.commit()


def _key_of(email: str, scopes=None) -> str:
    user = db.session.scalar(select(User).where(User.email == email))
    issued = tokens.create_personal(by=user, name="t", scopes=scopes or tokens.personal_scopes(user),
                                    expires_on=today())
    db.session.commit()
    return issued.secret


def test_kaa_staff_list_their_register_and_record_a_contact_by_the_pages_rules(demo_portal, call):
    key = _key_of("kaa.samordnare@lekeberg.example")
    page = call(key, "GET", "/api/v1/kaa/enrolments?limit=100").get_json()
    assert page["items"] and all(e["kommunkod"] == "1814" for e in page["items"])
    enrolment = page["items"][0]
    url = f"/api/v1/kaa/enrolments/{enrolment['id']}/contacts"
    before = db.session.scalar(select(func.count()).select_from(KaaContact))
    future = call(key, "POST", url, json={"contact_on": (today() + timedelta(days=3)).isoformat(), "channel": "sms",
                                          "outcome": "ej_svar", "with_whom": "ungdomen"})
    assert future.status_code == 422 and "contact_on" in future.get_json()["error"]["fields"]
    made = call(key, "POST", url, json={"contact_on": today().isoformat(), "channel": "telefon",
                                        "outcome": "kontakt_etablerad", "with_whom": "ungdomen", "note": "Bokat möte"})
    assert made.status_code == 201, made.get_json()
    assert db.session.scalar(select(func.count()).select_from(KaaContact)) == before + 1
    listed = call(key, "GET", url).get_json()
    assert listed["items"][0]["note"] == "Bokat möte"


def test_a_caseworker_outside_the_kommun_gets_no_kaa_contacts(demo_portal, call):
    kaa_key = _key_of("kaa.samordnare@lekeberg.example")
    enrolment = call(kaa_key, "GET", "/api/v1/kaa/enrolments").get_json()["items"][0]
    af_key = _key_of("handlaggare@af-hallsberg.example")
    assert call(af_key, "GET", f"/api/v1/kaa/enrolments/{enrolment['id']}/contacts").status_code == 403


def test_meetings_and_agendas_for_members(demo_portal, call):
    key = _key_of("kaa.samordnare@lekeberg.example")
    series = call(key, "GET", "/api/v1/meeting-series").get_json()["items"]
    assert series
    meetings = call(key, "GET", f"/api/v1/meeting-series/{series[0]['id']}/meetings?limit=3").get_json()
    assert len(meetings["items"]) <= 3
    meeting = call(key, "GET", f"/api/v1/meetings/{meetings['items'][0]['id']}")
    assert meeting.status_code == 200 and "items" in meeting.get_json()


def test_agreement_revisions_and_the_docx(demo_portal, call):
    key = _key_of("styrgrupp@lekeberg.example")
    agreements = call(key, "GET", "/api/v1/agreements").get_json()["items"]
    assert agreements
    revisions = call(key, "GET", f"/api/v1/agreements/{agreements[0]['id']}/revisions").get_json()["items"]
    adopted = [r for r in revisions if r["state"] == "adopted"]
    assert adopted
    url = f"/api/v1/agreements/{agreements[0]['id']}/revisions/{adopted[0]['number']}"
    shown = call(key, "GET", url).get_json()
    assert shown["sections"] and shown["sections"][0]["title"]
    docx = call(key, "GET", url + "/document.docx")
    assert docx.status_code == 200 and docx.data[:2] == b"PK"
    assert docx.mimetype.endswith("wordprocessingml.document")
    outsider = _key_of("handlaggare@forsakringskassan.example")
    assert call(outsider, "GET", url).status_code == 403
