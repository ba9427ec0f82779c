"""A meeting's agenda over the API, as on the page: a case's person by name only while a `mote` consent covers the
caller's organisation, the pseudonym after a withdrawal; a proposal only for the coordinators and its proposer."""
from __future__ import annotations

from meetings import agenda
from portal.api import tokens
from portal.clock import today
from portal.db import db
from portal.people import consent as consents


def _key(user, scopes) -> dict:
    issued = tokens.create_personal(by=user, name="t", scopes=scopes, expires_on=today())
    db.session.commit()
    return {"Authorization": f"Bearer {issued.secret}"}


def test_a_case_is_named_while_the_consent_covers_and_a_pseudonym_after_the_withdrawal(
        client, vagen, person, consent_for, orgs, fk, ami_worker, coordinator, make_user):
    consent = consent_for(person, [orgs["kommun"], orgs["ami"], orgs["ifo"], orgs["af"], fk])
    meeting = vagen.meetings[0]
    case = agenda.propose_item(meeting, kind="arende", title="Ärendedragning", person_ref=person.ref,
                               description="Behöver stöd att återgå till studier.", by=ami_worker)
    agenda.accept_item(meeting, case, by=coordinator)
    proposal = agenda.propose_item(meeting, kind="information", title="AMI:s förslag", by=ami_worker)
    db.session.commit()
    url = f"/api/v1/meetings/{meeting.id}"
    af = _key(make_user(org="af", roles=("handlaggare",)), ["meeting.view"])

    def items(headers) -> dict:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, response.get_json()
        return {i["id"]: i for i in response.get_json()["items"]}

    seen = items(af)
    assert seen[case.id]["case"]["allowed"] is True and seen[case.id]["case"]["label"] == "Adam Sandberg"
    assert proposal.id not in seen  # not accepted: the coordinators' and AMI's only
    assert proposal.id in items(_key(coordinator, ["meeting.view", "meeting.manage"]))
    assert proposal.id in items(_key(ami_worker, ["meeting.view"]))
    consents.withdraw_consent(consent, by=ami_worker, reason="Den unge vill inte längre.")
    db.session.commit()
    response = client.get(url, headers=af)
    shown = {i["id"]: i for i in response.get_json()["items"]}[case.id]["case"]
    assert shown["allowed"] is False and shown["label"].startswith("Deltagare ") and shown["reason"]
    assert "Adam" not in response.get_data(as_text=True) and "Sandberg" not in response.get_data(as_text=True)
