"""Adoption by every party: members approve for their own party, coordinators record a party's signed decision,
the last approval adopts; refusals for twice, a party with members, no scan, an expired period and a stale state."""
from __future__ import annotations

import io
from datetime import date

import pytest

from agreements import adoption
from agreements import operations as ops
from agreements.revision_files import PartyApproval
from portal.db import db
from tests.agreements.helpers import url
from tests.helpers import events

PDF = b"%PDF-1.4 beslut"


def _record(revision, party, by, **changes):
    values = dict(party_id=party.id, decided_on=date(2018, 1, 12), filename="beslut AF.pdf", data=PDF,
                  confirm_expired=True)
    return adoption.record_decision(revision, **{**values, **changes}, by=by)


def test_a_coordinator_records_the_decision_of_a_party_without_a_member_and_the_last_approval_adopts(
        proposed, make_user):
    revision = proposed.revisions[1]
    kommun, af = proposed.parties
    member = make_user(org="kommun", roles=("styrgrupp",))
    coordinator = make_user(org="ami", roles=("samordnare",))
    assert adoption.parties_to_record(revision) == [af]  # the kommun has a member: it approves itself
    approval = _record(revision, af, coordinator)
    assert (approval.kind, approval.by_id, approval.scan_filename, approval.scan_mimetype) == (
        "recorded", coordinator.id, "beslut AF.pdf", "application/pdf")
    assert revision.is_proposed and revision.parties_still_to_approve() == [kommun]
    adoption.adopt(revision, adopted_on=date(2018, 1, 10), confirm_expired=True, by=member)
    db.session.commit()
    assert revision.is_adopted and revision.adopted_on == date(2018, 1, 12)  # the last decision's date
    assert revision.adopted_document is not None
    [recorded] = events("agreement.revision.record_decision", user_id=coordinator.id)
    assert recorded.object_id == str(revision.id)
    assert len(events("agreement.revision.approve", user_id=member.id)) == 1
    assert len(events("agreement.revision.adopt", user_id=member.id)) == 1


#: name → (change to the call, message, field)
REFUSED = {
    "party with a member": (lambda kommun, af: {"party_id": kommun.id}, "har styrgruppsledamöter", "party"),
    "no such party": (lambda kommun, af: {"party_id": -1}, "Välj en av överenskommelsens parter", "party"),
    "no scan": (lambda kommun, af: {"data": b"", "filename": ""}, "Välj en fil", "scan"),
    "not a scan": (lambda kommun, af: {"data": b"hello"}, "PDF, JPEG eller PNG", "scan"),
    "expired, unconfirmed": (lambda kommun, af: {"confirm_expired": False}, "giltighetstid gick ut",
                             "confirm_expired"),
    "no date": (lambda kommun, af: {"decided_on": None}, "Ange datum för beslutet", "adopted_on"),
}


@pytest.mark.parametrize("name", REFUSED)
def test_recording_a_decision_is_refused_beside_its_field_and_nothing_is_stored(proposed, make_user, name):
    change, message, field = REFUSED[name]
    make_user(org="kommun", roles=("styrgrupp",))
    kommun, af = proposed.parties
    with pytest.raises(ops.AgreementError, match=message) as refused:
        _record(proposed.revisions[1], af, make_user(org="kommun", roles=("samordnare",)), **change(kommun, af))
    assert refused.value.field == field
    db.session.rollback()
    assert db.session.scalars(db.select(PartyApproval).filter_by(revision_id=proposed.revisions[1].id)).all() == []


def test_recording_twice_and_a_draft_are_refused(lekeberg, make_user):
    coordinator = make_user(org="kommun", roles=("samordnare",))
    kommun, af = lekeberg.parties
    with pytest.raises(ops.AgreementError, match="måste föreslås"):
        _record(lekeberg.revisions[1], af, coordinator)
    ops.propose(lekeberg.revisions[1], by=None)
    _record(lekeberg.revisions[1], af, coordinator)
    with pytest.raises(ops.AgreementError, match="Arbetsförmedlingen Hallsberg har redan godkänt"):
        _record(lekeberg.revisions[1], af, coordinator)


def test_a_member_of_another_party_cannot_approve_twice_for_the_same(proposed, make_user):
    first, second = make_user(org="af", roles=("styrgrupp",)), make_user(org="af", roles=("styrgrupp",))
    adoption.adopt(proposed.revisions[1], adopted_on=date(2018, 1, 10), confirm_expired=True, by=first)
    with pytest.raises(ops.AgreementError, match="redan godkänt"):
        adoption.adopt(proposed.revisions[1], adopted_on=date(2018, 1, 10), confirm_expired=True, by=second)


def test_a_revision_still_valid_needs_no_confirmation(proposed, make_user):
    revision = proposed.revisions[1]
    revision.valid_to = date.today().replace(year=date.today().year + 1)
    adoption.adopt(revision, adopted_on=date(2018, 1, 10), by=make_user(org="af", roles=("styrgrupp",)))
    assert len(revision.approvals) == 1


def test_recording_a_decision_through_the_page(proposed, client, login_as):
    login_as(org="kommun", roles=("samordnare",))
    form = client.get(url(proposed, 2, "/partsbeslut")).get_data(as_text=True)
    assert "Arbetsförmedlingen Hallsberg" in form and 'name="confirm_expired"' in form
    bad = client.post(url(proposed, 2, "/partsbeslut"), data={
        "party": str(proposed.parties[1].id), "adopted_on": "2018-01-12", "confirm_expired": "y"})
    assert bad.status_code == 400 and "Välj en fil" in bad.get_data(as_text=True)
    response = client.post(url(proposed, 2, "/partsbeslut"), data={
        "party": str(proposed.parties[1].id), "adopted_on": "2018-01-12", "confirm_expired": "y",
        "scan": (io.BytesIO(PDF), "beslut.pdf")})
    assert response.status_code == 302
    page = client.get(url(proposed, 2)).get_data(as_text=True)
    assert "Partens beslut registrerat" in page and "beslut.pdf" in page
    approval = proposed.revisions[1].approvals[0]
    download = client.get(url(proposed, 2, f"/partsbeslut/{approval.id}"))
    assert download.status_code == 200 and download.data == PDF
    assert client.get(url(proposed, 2, "/partsbeslut/999999")).status_code == 404


@pytest.mark.parametrize("role", ["styrgrupp", "handlaggare"])
def test_only_coordinators_record_decisions(proposed, client, login_as, role):
    login_as(org="kommun", roles=(role,))
    assert client.get(url(proposed, 2, "/partsbeslut")).status_code == 403


def test_an_expired_adopted_revision_says_so(lekeberg, client, login_as):
    login_as(org="af", roles=("handlaggare",))
    assert "Giltig till 2017-12-31 — har gått ut" in client.get(url(lekeberg, 1)).get_data(as_text=True)
    assert "Giltig till 2017-12-31 — har gått ut" in client.get("/overenskommelser/").get_data(as_text=True)
