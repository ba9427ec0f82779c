"""A referral's whole way over the API, with the same audit events and notices as the pages; the inbox's filters
and cursor pages."""
from __future__ import annotations

from sqlalchemy import select

from portal.api import tokens
from portal.audit import AuditEvent
from portal.db import db
from portal.people import consent as consents
from referrals import operations as ops
from referrals.models import Referral
from tests.referrals import helpers as h


def _actions() -> list[tuple[str, int | None]]:
    return [(e.action, e.user_id) for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.action.like("referral.%")).order_by(AuditEvent.seq))]


def test_send_receive_accept_comment_and_close_as_two_systems(app, orgs, make_user, system_token, call):
    af = make_user(org="af")
    person = h.consented_person(af, orgs["ami"], first="Saga")
    sender, receiver = system_token("af"), system_token("ami")
    made = call(sender, "POST", "/api/v1/referrals", json={
        "type": "overlamning", "to_org_id": orgs["ami"].id, "person_number": person.id_number,
        "categories": ["utbildning"], "reason": "Behöver praktik.", "help_requested": "Kartläggning.",
        "submit": True, "form_key": "treserva-1"})
    assert made.status_code == 201, made.get_json()
    referral = made.get_json()
    assert referral["state"] == "submitted" and referral["reference"].startswith("R-")
    again = call(sender, "POST", "/api/v1/referrals", json={
        "type": "overlamning", "to_org_id": orgs["ami"].id, "person_number": person.id_number,
        "categories": ["utbildning"], "reason": "Behöver praktik.", "help_requested": "Kartläggning.",
        "submit": True, "form_key": "treserva-1"})
    assert again.get_json()["id"] == referral["id"]  # the same key twice: the same referral
    url = f"/api/v1/referrals/{referral['id']}"
    seen = call(receiver, "GET", url).get_json()
    assert seen["actions"] == ["receive", "comment"] and seen["state"] == "submitted"
    version = seen["version"]
    for action in ("receive", "accept"):
        step = call(receiver, "POST", f"{url}/steps", json={"action": action, "version": version})
        assert step.status_code == 200, step.get_json()
        version = step.get_json()["version"]
    comment = call(receiver, "POST", f"{url}/comments", json={"body": "Första mötet bokat."})
    assert comment.status_code == 201
    closed = call(receiver, "POST", f"{url}/steps", json={"action": "close", "version": version,
                                                          "outcome": "praktik"})
    assert closed.get_json()["state"] == "closed"
    shown = call(sender, "GET", url).get_json()
    assert [c["body"] for c in shown["comments"]] == ["Första mötet bokat."]
    assert [e["action"] for e in shown["events"]] == ["submit", "receive", "accept", "close"]
    service = {t.organisation_id: t.user_id for t in db.session.scalars(select(tokens.ApiToken))}
    assert _actions() == [("referral.create", service[orgs["af"].id]), ("referral.submit", service[orgs["af"].id]),
                          ("referral.receive", service[orgs["ami"].id]), ("referral.accept", service[orgs["ami"].id]),
                          ("referral.comment", service[orgs["ami"].id]), ("referral.close", service[orgs["ami"].id])]


def test_the_inbox_filters_and_pages_by_cursor(app, orgs, make_user, system_token, call):
    af = make_user(org="af")
    person = h.consented_person(af, orgs["ami"])
    made = [h.sent(af, orgs["ami"], person) for _ in range(5)]
    h.draft(af, orgs["ami"], person)
    key = system_token("ami")
    first = call(key, "GET", "/api/v1/referrals?limit=2").get_json()
    assert [r["id"] for r in first["items"]] == [made[4].id, made[3].id]
    second = call(key, "GET", f"/api/v1/referrals?limit=2&cursor={first['next_cursor']}").get_json()
    third = call(key, "GET", f"/api/v1/referrals?limit=2&cursor={second['next_cursor']}").get_json()
    assert [r["id"] for r in second["items"] + third["items"]] == [made[2].id, made[1].id, made[0].id]
    assert third["next_cursor"] is None  # the draft is not in the receiver's box
    outgoing = call(system_token("af"), "GET", "/api/v1/referrals?box=utgaende&state=draft").get_json()
    assert len(outgoing["items"]) == 1 and outgoing["items"][0]["state"] == "draft"
    by_reference = call(key, "GET", f"/api/v1/referrals?q={made[2].reference}").get_json()
    assert [r["id"] for r in by_reference["items"]] == [made[2].id]
    assert db.session.get(Referral, made[0].id).state == "submitted"  # reading changed nothing


def test_a_name_is_searched_in_the_body_never_in_the_address(app, orgs, make_user, system_token, call):
    af = make_user(org="af")
    person = h.consented_person(af, orgs["ami"], first="Noa", last="Åkerblom")
    other = h.consented_person(af, orgs["ami"], first="Lo", last="Berg")
    made = h.sent(af, orgs["ami"], person)
    h.sent(af, orgs["ami"], other)
    key = system_token("ami")
    in_address = call(key, "GET", f"/api/v1/referrals?q={person.last_name}")
    assert in_address.status_code == 400 and "q" in in_address.get_json()["error"]["fields"]
    found = call(key, "POST", "/api/v1/referrals/search", json={"q": person.last_name, "limit": 10})
    assert found.status_code == 200
    assert [r["id"] for r in found.get_json()["items"]] == [made.id]
    assert found.get_json()["items"][0]["person"]["last_name"] == person.last_name
    empty = call(key, "POST", "/api/v1/referrals/search", json={"q": "Ingen-Sådan"}).get_json()
    assert empty["items"] == []


def test_the_inbox_sends_as_many_statements_for_twelve_referrals_as_for_three(app, orgs, make_user, system_token,
                                                                              call, count_queries):
    af = make_user(org="af")
    key = system_token("ami")
    counted = []
    for total in (3, 12):
        while db.session.query(Referral).count() < total:
            h.sent(af, orgs["ami"], h.consented_person(af, orgs["ami"]))
        call(key, "GET", "/api/v1/referrals?limit=50")  # the key's last use is written once a minute at most
        with count_queries() as statements:
            assert len(call(key, "GET", "/api/v1/referrals?limit=50").get_json()["items"]) == total
        counted.append(statements[0])
    assert counted[0] == counted[1]


def test_the_senders_step_notes_are_hidden_from_the_receiver_once_the_basis_no_longer_holds(
        app, orgs, make_user, system_token, call):
    af, ami = make_user(org="af"), make_user(org="ami")
    referral = h.received(af, orgs["ami"], ami, h.consented_person(af, orgs["ami"]))
    ops.withdraw(referral, by=af, reason="Den unge har flyttat till Örebro.")
    db.session.commit()
    url = f"/api/v1/referrals/{referral.id}"
    receiver = system_token("ami")
    assert "Den unge har flyttat till Örebro." in [e["note"] for e in call(receiver, "GET", url).get_json()["events"]]
    consents.withdraw_consent(referral.consent, by=af, reason="Den unge ringde.")
    db.session.commit()
    shown = call(receiver, "GET", url).get_json()
    assert [e["action"] for e in shown["events"]][:3] == ["submit", "receive", "withdraw"]
    assert all("Örebro" not in e["note"] for e in shown["events"])  # as the page: the sender's part is closed
    assert shown["reason"] is None
    # The sender still reads its own note.
    own = call(system_token("af"), "GET", url).get_json()
    assert "Den unge har flyttat till Örebro." in [e["note"] for e in own["events"]]
