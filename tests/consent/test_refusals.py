"""Refusals of the consent operations: who may withdraw, replace, print or open a consent, and what a withdrawn
or replaced consent can no longer be used for."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.db import db
from portal.errors import NotPermitted
from portal.notifications import Notice
from portal.people import consent as consents
from portal.people import documents, holders, identity
from portal.people.gate import gate
from portal.people.models import Consent, Disclosure
from tests.helpers import count_events, events
from tests.people import factories as f

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


@pytest.fixture
def taken(app, orgs, make_user):
    """A consent AMI took for a person it works with, naming AMI and Arbetsförmedlingen, with a signed scan."""
    ami_user = make_user(org="ami")
    p = f.person(ami_user)
    c = consents.register_consent(p, by=ami_user, organisation_ids=[orgs["af"].id], purposes=["samordning"],
                                  categories=["kontakt", "utbildning"], valid_from=identity.today(),
                                  valid_until=identity.today() + timedelta(days=100), method="blankett",
                                  scan=("samtycke.pdf", PDF))
    db.session.commit()
    return {"person": p, "consent": c, "ami_user": ami_user, "af_user": make_user(org="af")}


def test_an_organisation_outside_the_consent_may_not_withdraw_it(taken, make_user):
    c = taken["consent"]
    with pytest.raises(NotPermitted) as refused:
        consents.withdraw_consent(c, by=make_user(org="skola"), reason="Någon annans begäran")
    assert refused.value.reason == "consent.not_involved" and refused.value.object_id == c.id
    db.session.rollback()
    assert db.session.get(Consent, c.id).withdrawn_dt is None
    assert db.session.scalar(select(func.count()).select_from(Notice).where(
        Notice.key.like("consent-withdrawn-%"))) == 0


def test_a_named_organisation_may_withdraw_it(taken):
    c = consents.withdraw_consent(taken["consent"], by=taken["af_user"], reason="Den unge ringde AF.")
    assert c.withdrawn_dt is not None and c.withdrawn_by_id == taken["af_user"].id


def test_a_withdrawn_consent_cannot_be_withdrawn_replaced_or_printed(taken, orgs):
    p, c, ami_user, af_user = taken["person"], taken["consent"], taken["ami_user"], taken["af_user"]
    consents.withdraw_consent(c, by=ami_user, reason="Den unges begäran")
    db.session.commit()
    with pytest.raises(consents.ConsentError, match="redan återkallat"):
        consents.withdraw_consent(c, by=ami_user, reason="En gång till")
    with pytest.raises(consents.ConsentError, match="redan återkallats eller ersatts") as replaced:
        consents.register_consent(p, by=ami_user, organisation_ids=[orgs["af"].id], purposes=["samordning"],
                                  categories=["utbildning"], valid_from=identity.today(),
                                  valid_until=identity.today() + timedelta(days=30), method="digital",
                                  supersedes=c)
    assert replaced.value.field is None
    db.session.rollback()
    # Arbetsförmedlingen no longer sees the person, so it may not print the consent with their identity.
    view = gate(af_user, p, record=False)
    assert not view.allowed
    with pytest.raises(NotPermitted):
        documents.consent_form(c, p, view, by=af_user)
    assert count_events("consent.form") == 0


def test_a_replaced_consent_cannot_be_withdrawn(taken, orgs):
    p, c, ami_user = taken["person"], taken["consent"], taken["ami_user"]
    consents.register_consent(p, by=ami_user, organisation_ids=[orgs["af"].id], purposes=["samordning"],
                              categories=["utbildning"], valid_from=identity.today(),
                              valid_until=identity.today() + timedelta(days=30), method="digital", supersedes=c)
    with pytest.raises(consents.ConsentError, match="ersatts av ett nyare"):
        consents.withdraw_consent(c, by=ami_user, reason="Den unges begäran")


def test_only_an_organisation_in_the_consent_may_replace_it(taken, make_user, orgs):
    p, c = taken["person"], taken["consent"]
    # The kommun registers the same personnummer: it works with the person, but is not in AMI's consent.
    kommun_user = make_user(org="kommun")
    holders.register_person(by=kommun_user, first_name="Elsa", last_name="Lindqvist", number=p.number_display)
    with pytest.raises(NotPermitted) as refused:
        consents.register_consent(p, by=kommun_user, organisation_ids=[orgs["af"].id], purposes=["samordning"],
                                  categories=["utbildning"], valid_from=identity.today(),
                                  valid_until=identity.today() + timedelta(days=30), method="digital",
                                  supersedes=c)
    assert refused.value.reason == "consent.not_involved"


def test_a_new_version_of_a_withdrawn_consent_is_explained_on_the_page(client, taken, login):
    p, c, ami_user = taken["person"], taken["consent"], taken["ami_user"]
    consents.withdraw_consent(c, by=ami_user, reason="Den unges begäran")
    db.session.commit()
    login(ami_user)
    today = identity.today()
    response = client.post(f"/deltagare/{p.ref}/samtycken/nytt?ersatter={c.id}", data={
        "organisations": [str(taken["af_user"].organisation_id)], "purposes": ["samordning"],
        "categories": ["utbildning"], "valid_from": today.isoformat(),
        "valid_until": (today + timedelta(days=30)).isoformat(), "method": "digital", "given_by_person": "y",
        "purpose_other": "Mitt eget syfte"})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "redan återkallats eller ersatts" in body and "Mitt eget syfte" in body
    assert db.session.scalar(select(func.count()).select_from(Consent)) == 1


def test_another_organisation_may_not_open_the_scan_and_the_attempt_is_audited(client, taken, login):
    p, c, af_user = taken["person"], taken["consent"], taken["af_user"]
    with pytest.raises(NotPermitted) as refused:
        consents.open_scan(c, by=af_user)
    assert refused.value.reason == "consent.scan"
    db.session.rollback()
    login(af_user)
    assert client.get(f"/deltagare/{p.ref}/samtycken/{c.id}/skanning").status_code == 403
    denied = events("access.denied", person_id=p.id)
    assert len(denied) == 1 and "consent.scan" in denied[0].details
    assert count_events("consent.scan.read") == 0


def test_the_recording_organisation_opens_the_scan_and_each_opening_is_audited(taken):
    scan = consents.open_scan(taken["consent"], by=taken["ami_user"])
    assert scan.data == PDF
    db.session.commit()
    (event,) = events("consent.scan.read")
    assert event.user_id == taken["ami_user"].id and event.person_id == taken["person"].id


def test_a_draft_form_is_only_for_an_organisation_working_with_the_person(taken):
    p, af_user = taken["person"], taken["af_user"]
    view = gate(af_user, p, record=False)  # covered by the consent, but AF did not register the person
    assert view.allowed and not view.is_own
    with pytest.raises(NotPermitted) as refused:
        documents.draft_consent_form(view, by=af_user, organisation_names=[], purposes=["samordning"],
                                     purpose_other="", categories=["utbildning"], valid_from=None,
                                     valid_until=None, second_guardian=False)
    assert refused.value.reason == "person.not_linked"
    assert count_events("consent.form") == 0


@pytest.mark.parametrize("changes, field", [
    ({"to_org_id": "own"}, "to_org"),
    ({"to_org_id": None}, "to_org"),
    ({"basis": "gissning"}, "basis"),
    ({"basis": "annan", "basis_detail": " "}, "basis_detail"),
    ({"categories": ["okand"]}, "categories"),
    ({"disclosed_on": None}, "disclosed_on"),
    ({"disclosed_on": "tomorrow"}, "disclosed_on"),
])
def test_a_disclosure_is_refused_beside_the_field_to_fix(taken, orgs, changes, field):
    p, ami_user = taken["person"], taken["ami_user"]
    data = {"to_org_id": orgs["ifo"].id, "basis": "orosanmalan", "basis_detail": "", "justification": "Oro.",
            "categories": ["social"], "disclosed_on": identity.today()}
    data.update(changes)
    if data["to_org_id"] == "own":
        data["to_org_id"] = orgs["ami"].id
    if data["disclosed_on"] == "tomorrow":
        data["disclosed_on"] = identity.today() + timedelta(days=1)
    with pytest.raises(consents.ConsentError) as refused:
        consents.record_disclosure(p, by=ami_user, **data)
    assert refused.value.field == field
    assert db.session.scalar(select(func.count()).select_from(Disclosure)) == 0
