"""The gate over the API: an organisation the consent does not cover gets the pseudonym, never the name; a lookup
answers the same whether the number is unknown or known only to others."""
from __future__ import annotations

from portal.db import db
from portal.people import consent as consents
from tests.people import factories as f
from tests.referrals import helpers as h


def test_an_uncovered_organisation_gets_the_pseudonym_never_the_name(app, orgs, make_user, system_token, call):
    af = make_user(org="af")
    person = f.person(af, first="Saga", last="Nordin")
    f.consent(person, af, [af.organisation_id, orgs["ami"].id])
    covered = call(system_token("ami"), "GET", f"/api/v1/people/{person.ref}")
    assert covered.get_json()["first_name"] == "Saga"
    response = call(system_token("ifo"), "GET", f"/api/v1/people/{person.ref}")
    body = response.get_json()
    assert response.status_code == 200 and body["allowed"] is False
    assert body["first_name"] is None and body["id_number"] is None and body["pseudonym"]
    text = response.get_data(as_text=True)
    for identifier in f.identifiers(person):
        assert identifier not in text


def test_a_lookup_answers_alike_for_an_unknown_number_and_one_known_only_to_others(app, orgs, make_user,
                                                                                   system_token, call):
    af = make_user(org="af")
    person = f.person(af, first="Saga", last="Nordin")
    key = system_token("ifo")
    known = call(key, "POST", "/api/v1/people/lookup", json={"number": person.id_number})
    unknown = call(key, "POST", "/api/v1/people/lookup", json={"number": f.pnr(f.born(17), "998")})
    assert known.status_code == unknown.status_code == 200
    assert known.get_json() == unknown.get_json() == {"items": []}
    own = call(system_token("af"), "POST", "/api/v1/people/lookup", json={"number": person.id_number})
    assert [p["first_name"] for p in own.get_json()["items"]] == ["Saga"]


def test_a_bad_number_is_refused_beside_the_field(app, orgs, system_token, call):
    response = call(system_token("af"), "POST", "/api/v1/people/lookup", json={"number": "12345"})
    assert response.status_code == 422
    assert "number" in response.get_json()["error"]["fields"]


def test_a_referrals_receiver_sees_the_person_only_while_the_consent_holds(app, orgs, make_user, system_token, call):
    af = make_user(org="af")
    person = h.consented_person(af, orgs["ami"], first="Saga", last="Nordin")
    referral = h.sent(af, orgs["ami"], person)
    key = system_token("ami")
    shown = call(key, "GET", f"/api/v1/referrals/{referral.id}").get_json()
    assert shown["person"]["first_name"] == "Saga" and shown["reason"]
    consents.withdraw_consent(referral.consent, by=af, reason="Vill inte längre.")
    db.session.commit()
    after = call(key, "GET", f"/api/v1/referrals/{referral.id}")
    body = after.get_json()
    assert body["person"]["allowed"] is False and body["person"]["first_name"] is None
    assert body["reason"] is None
    assert "Saga" not in after.get_data(as_text=True)


def test_the_inbox_shows_the_pseudonym_once_the_consent_is_withdrawn(app, orgs, make_user, system_token, call):
    af = make_user(org="af")
    person = h.consented_person(af, orgs["ami"], first="Saga", last="Nordin")
    referral = h.sent(af, orgs["ami"], person)
    key = system_token("ami")
    listed = call(key, "GET", "/api/v1/referrals?box=inkommande").get_json()
    assert [r["person"]["first_name"] for r in listed["items"]] == ["Saga"]
    consents.withdraw_consent(referral.consent, by=af, reason="Vill inte längre.")
    db.session.commit()
    response = call(key, "GET", "/api/v1/referrals?box=inkommande")
    assert [r["person"]["allowed"] for r in response.get_json()["items"]] == [False]
    assert "Saga" not in response.get_data(as_text=True)


def test_the_senders_note_in_the_timeline_is_hidden_from_the_receiver_once_the_consent_is_withdrawn(
        app, orgs, make_user, system_token, call):
    # As on the page: after a withdrawal the receiver sees that the sender took a step, not what they wrote.
    af = make_user(org="af")
    person = h.consented_person(af, orgs["ami"], first="Saga", last="Nordin")
    referral = h.sent(af, orgs["ami"], person)
    consents.withdraw_consent(referral.consent, by=af, reason="Vill inte längre.")
    db.session.commit()
    sender = system_token("af")
    version = call(sender, "GET", f"/api/v1/referrals/{referral.id}").get_json()["version"]
    taken = call(sender, "POST", f"/api/v1/referrals/{referral.id}/steps",
                 json={"action": "withdraw", "version": version, "reason": "Saga har flyttat till Malmö."})
    assert taken.status_code == 200, taken.get_json()
    assert taken.get_json()["events"][-1]["note"] == "Saga har flyttat till Malmö."  # the sender's own words
    response = call(system_token("ami"), "GET", f"/api/v1/referrals/{referral.id}")
    events = response.get_json()["events"]
    assert [e["action"] for e in events][-1] == "withdraw" and events[-1]["note"] == ""
    assert "Saga" not in response.get_data(as_text=True)
