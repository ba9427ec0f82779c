"""Bad input gets the right 4xx with a clear message, never a 500, and nothing partly written."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.db import db
from referrals.models import Referral, ReferralComment
from tests.referrals import helpers as h


def _referrals() -> int:
    return db.session.scalar(select(func.count()).select_from(Referral))


@pytest.fixture
def sender(app, orgs, make_user, system_token):
    af = make_user(org="af")
    person = h.consented_person(af, orgs["ami"])
    return {"key": system_token("af"), "person": person, "to": orgs["ami"].id}


def _new(sender, **changes) -> dict:
    body = {"type": "overlamning", "to_org_id": sender["to"], "person_number": sender["person"].id_number,
            "categories": ["utbildning"], "reason": "Behöver praktik.", "help_requested": "Kartläggning."}
    body.update(changes)
    return body


@pytest.mark.parametrize("raw, code", [(b"{not json", "malformed_json"), (b"[1, 2]", "malformed_json"),
                                       (b"\xff\xfe", "malformed_json"), (b"", "malformed_json")])
def test_a_body_that_is_not_a_json_object_is_a_400(sender, call, raw, code):
    response = call(sender["key"], "POST", "/api/v1/referrals", data=raw, content_type="application/json")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == code
    assert _referrals() == 0


def test_a_body_that_is_not_json_at_all_is_a_415(sender, call):
    response = call(sender["key"], "POST", "/api/v1/referrals", data="type=overlamning")
    assert response.status_code == 415


@pytest.mark.parametrize("changes, field", [
    ({"to_org_id": "5"}, "to_org_id"), ({"to_org_id": 2**40}, "to_org_id"), ({"categories": "utbildning"},
                                                                                "categories"),
    ({"submit": "yes"}, "submit"), ({"reason": None}, "reason"), ({"type": "okand"}, "type"),
    ({"surprise": 1}, "surprise"), ({"categories": ["hemligt"]}, "categories.0"),
])
def test_wrong_types_unknown_fields_and_values_are_a_400_beside_the_field(sender, call, changes, field):
    response = call(sender["key"], "POST", "/api/v1/referrals", json=_new(sender, **changes))
    assert response.status_code == 400
    assert field in response.get_json()["error"]["fields"]
    assert _referrals() == 0


def test_a_missing_field_is_named(sender, call):
    body = _new(sender)
    del body["reason"]
    response = call(sender["key"], "POST", "/api/v1/referrals", json=body)
    assert response.get_json()["error"]["fields"]["reason"] == ["Fältet måste finnas med."]


def test_the_code_is_the_same_whatever_language_is_asked_for(sender, call):
    response = call(sender["key"], "POST", "/api/v1/referrals", json=_new(sender, surprise=1),
                    headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_body"


def test_a_body_above_one_megabyte_is_a_413_and_nothing_is_written(sender, call):
    response = call(sender["key"], "POST", "/api/v1/referrals",
                    json=_new(sender, reason="x" * (1024 * 1024 + 10)))
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "too_large"
    assert _referrals() == 0


def test_a_rule_violation_is_a_422_with_every_problem_and_nothing_written(sender, call):
    response = call(sender["key"], "POST", "/api/v1/referrals",
                    json=_new(sender, to_org_id=sender["person"].id and 999999, help_requested="", categories=[]))
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert {"to_org_id", "help_requested", "categories"} <= set(fields)
    assert _referrals() == 0


def test_a_number_the_sender_does_not_hold_is_refused_as_in_the_form(sender, call):
    response = call(sender["key"], "POST", "/api/v1/referrals", json=_new(sender, person_number="19000101-0008"))
    assert response.status_code == 422
    assert "person_number" in response.get_json()["error"]["fields"]


def test_sending_without_a_consent_rolls_the_draft_back_too(app, orgs, make_user, system_token, call):
    af = make_user(org="af")
    from tests.people import factories as f

    person = f.person(af)  # no consent
    response = call(system_token("af"), "POST", "/api/v1/referrals", json={
        "type": "overlamning", "to_org_id": orgs["ami"].id, "person_number": person.id_number,
        "categories": ["utbildning"], "reason": "Skäl.", "help_requested": "Stöd.", "submit": True})
    assert response.status_code == 422
    assert list(response.get_json()["error"]["fields"]) == ["person_number"]  # beside the field the body has
    assert _referrals() == 0  # the draft save_draft made is not kept: nothing partly written


def test_a_stale_version_is_a_409_and_changes_nothing(app, orgs, make_user, system_token, call):
    af = make_user(org="af")
    referral = h.sent(af, orgs["ami"], h.consented_person(af, orgs["ami"]))
    key = system_token("ami")
    old = referral.version
    received = call(key, "POST", f"/api/v1/referrals/{referral.id}/steps", json={"action": "receive",
                                                                                 "version": old})
    assert received.status_code == 200 and received.get_json()["state"] == "received"
    stale = call(key, "POST", f"/api/v1/referrals/{referral.id}/steps", json={"action": "accept", "version": old})
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "stale_version"
    message = stale.get_json()["error"]["message"]
    assert message.startswith("Någon annan har ändrat uppgifterna") and "nedan" not in message  # no form here
    assert stale.headers["X-Current-Version"] == str(db.session.get(Referral, referral.id).version)
    assert db.session.get(Referral, referral.id).state == "received"


def test_a_step_the_table_does_not_allow_now_is_a_422(app, orgs, make_user, system_token, call):
    af = make_user(org="af")
    referral = h.sent(af, orgs["ami"], h.consented_person(af, orgs["ami"]))
    response = call(system_token("ami"), "POST", f"/api/v1/referrals/{referral.id}/steps",
                    json={"action": "accept", "version": referral.version})
    assert response.status_code == 422  # not received yet
    assert db.session.get(Referral, referral.id).state == "submitted"


def test_an_empty_comment_is_a_422_and_no_row(app, orgs, make_user, system_token, call):
    af = make_user(org="af")
    referral = h.sent(af, orgs["ami"], h.consented_person(af, orgs["ami"]))
    response = call(system_token("ami"), "POST", f"/api/v1/referrals/{referral.id}/comments", json={"body": "  "})
    assert response.status_code == 422 and "body" in response.get_json()["error"]["fields"]
    assert db.session.scalar(select(func.count()).select_from(ReferralComment)) == 0


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=x", "cursor=%%%", "cursor=eyJhZnRlciI6IC0xfQ",
                                   "box=annan", "sida=2", "limit=1&limit=2"])
def test_odd_query_values_are_a_400(sender, call, query):
    response = call(sender["key"], "GET", f"/api/v1/referrals?{query}")
    assert response.status_code == 400, query
    assert response.get_json()["error"]["fields"]


def test_a_nul_byte_is_a_400_not_a_500(sender, call):
    response = call(sender["key"], "GET", "/api/v1/referrals?q=a%00b")
    assert response.status_code == 400 and response.is_json


def test_errors_are_swedish_by_default_and_english_on_request(make_app, tmp_path):
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    from portal.config import ROOT

    for po in (ROOT / "portal" / "translations").glob("*/LC_MESSAGES/messages.po"):
        mo = tmp_path / po.relative_to(ROOT / "portal" / "translations").with_suffix(".mo")
        mo.parent.mkdir(parents=True, exist_ok=True)
        with po.open("rb") as source, mo.open("wb") as target:
            write_mo(target, read_po(source))
    client = make_app(BABEL_TRANSLATION_DIRECTORIES=str(tmp_path)).test_client()
    swedish = client.get("/api/v1/organisations").get_json()["error"]
    english = client.get("/api/v1/organisations", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_json()["error"]
    assert swedish["code"] == english["code"] == "unauthorized"
    assert swedish["message"].startswith("Ange en giltig API-nyckel")
    assert english["message"].startswith("Give a valid API key")


def test_a_value_outside_the_choices_or_limits_is_named_in_swedish(sender, call):
    box = call(sender["key"], "GET", "/api/v1/referrals?box=incoming").get_json()["error"]
    assert box["fields"]["box"] == ["Välj ett av: inkommande, utgaende, mina."]
    limit = call(sender["key"], "GET", "/api/v1/referrals?limit=500").get_json()["error"]
    assert limit["fields"]["limit"] == ["Ange ett värde från 1 till 100."]
    search = call(sender["key"], "POST", "/api/v1/referrals/search", json={"q": "a" * 101}).get_json()["error"]
    assert search["fields"]["q"] == ["Mellan 1 och 100 tecken eller värden."]
