"""Case reviews: a named case only within a `mote` consent covering every member organisation (confirmed by the
holders); otherwise anonymised, without identifiers. Every viewer sees the case through the gate: after a
withdrawal, or in an organisation that joined later, the pseudonym and the reason — on the page, in the minutes,
the .docx and the .ics alike."""
from __future__ import annotations

import io

import pytest
from docx import Document

from meetings import agenda, minutes
from meetings import operations as ops
from portal.db import db
from portal.people import consent as consents
from portal.people import holders
from tests.meetings.helpers import text_of


def _members(orgs, fk):
    return [orgs["kommun"], orgs["ami"], orgs["ifo"], orgs["af"], fk]


def _named(vagen, person, by):
    item = agenda.propose_item(vagen.meetings[0], kind="arende", title="Ärendedragning", person_ref=person.ref,
                               description="Behöver stöd att återgå till studier.", by=by)
    db.session.commit()
    return item


def _docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_a_named_case_is_refused_when_any_member_organisation_is_not_covered(vagen, person, consent_for, orgs,
                                                                              ami_worker):
    consent_for(person, [orgs["kommun"], orgs["ifo"], orgs["af"]])  # Försäkringskassan is missing
    with pytest.raises(ops.MeetingError) as refused:
        _named(vagen, person, ami_worker)
    assert refused.value.field == "person_ref"
    assert "Försäkringskassan Örebro" in str(refused.value) and "avidentifierat" in str(refused.value)


def test_a_consent_without_the_purpose_mote_does_not_cover(vagen, person, consent_for, orgs, fk, ami_worker):
    consent_for(person, _members(orgs, fk), purposes=["samordning"])
    with pytest.raises(ops.MeetingError):
        _named(vagen, person, ami_worker)


def test_a_named_case_waits_for_every_holder_to_confirm(vagen, person, consent_for, orgs, fk, ami_worker,
                                                       make_user):
    af_worker = make_user(org="af", roles=("handlaggare",))
    holders.register_person(by=af_worker, first_name="Adam", last_name="Sandberg", number="20080520-2389")
    consent = consent_for(person, _members(orgs, fk))
    with pytest.raises(ops.MeetingError, match="bekräftat"):
        _named(vagen, person, ami_worker)
    consents.decide_consent(consent, by=af_worker, confirm=True)
    db.session.commit()
    assert _named(vagen, person, ami_worker).person_id == person.id


def test_a_named_case_is_allowed_when_all_are_covered_and_every_member_sees_the_name(
        client, login, vagen, person, consent_for, orgs, fk, ami_worker, coordinator, make_user):
    consent_for(person, _members(orgs, fk))
    item = _named(vagen, person, ami_worker)
    agenda.accept_item(vagen.meetings[0], item, by=coordinator)
    db.session.commit()
    login(make_user(org=fk, roles=("handlaggare",)))
    page = text_of(client.get(f"/moten/mote/{vagen.meetings[0].id}").get_data(as_text=True))
    assert "Adam Sandberg" in page and "Behöver stöd" in page
    printed = text_of(client.get(f"/moten/mote/{vagen.meetings[0].id}/utskrift").get_data(as_text=True))
    assert "Adam Sandberg" in printed


def test_after_a_withdrawal_every_export_shows_the_pseudonym_and_no_name(
        client, login, vagen, person, consent_for, orgs, fk, ami_worker, coordinator, make_user):
    consent = consent_for(person, _members(orgs, fk))
    item = _named(vagen, person, ami_worker)
    meeting = vagen.meetings[0]
    agenda.accept_item(meeting, item, by=coordinator)
    minutes.save_minutes(meeting, content={"items": {str(item.id): {
        "notes": "Adam har börjat på Komvux.", "decision": "AMI följer upp."}}}, version=None, by=coordinator)
    consents.withdraw_consent(consent, by=ami_worker, reason="Den unge vill inte längre.")
    db.session.commit()
    login(make_user(org="af", roles=("handlaggare",)))
    for url in (f"/moten/mote/{meeting.id}", f"/moten/mote/{meeting.id}/minnesanteckningar",
                f"/moten/mote/{meeting.id}/utskrift",
                f"/moten/mote/{meeting.id}/minnesanteckningar/versioner?version=1"):
        html = client.get(url).get_data(as_text=True)
        assert "Adam" not in html and "Sandberg" not in html and "Komvux" not in html, url
        assert "Deltagare " in text_of(html), url
    page = text_of(client.get(f"/moten/mote/{meeting.id}").get_data(as_text=True))
    assert "återkallats" in page or "Samtycke saknas" in page  # the reason is shown
    for url in (f"/moten/mote/{meeting.id}/dagordning.docx", f"/moten/mote/{meeting.id}/minnesanteckningar.docx"):
        text = _docx_text(client.get(url).data)
        assert "Adam" not in text and "Komvux" not in text and "Deltagare " in text, url
    for url in (f"/moten/mote/{meeting.id}/kalender.ics", f"/moten/{vagen.id}/kalender.ics"):
        body = client.get(url).get_data(as_text=True)
        assert "Adam" not in body and "Ärendedragning" not in body and "Deltagare" not in body


def test_an_organisation_that_joined_later_sees_the_pseudonym(client, login, vagen, person, consent_for, orgs, fk,
                                                              ami_worker, coordinator, make_user):
    consent_for(person, _members(orgs, fk))
    item = _named(vagen, person, ami_worker)
    agenda.accept_item(vagen.meetings[0], item, by=coordinator)
    values = {name: getattr(vagen, name) for name in (
        "name", "kind", "place", "start_time", "length_minutes", "proposal_days", "interval_weeks", "weekday",
        "holiday_policy")}
    ops.update_series(vagen, values=values, member_org_ids=[o.id for o in _members(orgs, fk)] + [orgs["skola"].id],
                      by=coordinator)
    db.session.commit()
    login(make_user(org="skola", roles=("handlaggare",)))
    html = client.get(f"/moten/mote/{vagen.meetings[0].id}").get_data(as_text=True)
    assert "Adam" not in html and "Behöver stöd" not in html and "Deltagare " in text_of(html)
    docx = _docx_text(client.get(f"/moten/mote/{vagen.meetings[0].id}/dagordning.docx").data)
    assert "Adam" not in docx and "Deltagare " in docx


@pytest.mark.parametrize("text, found", [
    ("Ung man 20050101-1234 har avbrutit", "personnummer eller samordningsnummer"),
    ("Född 050101, bor hos kompis", "födelsedatum"),
    ("Nås på 070-123 45 67", "telefonnummer"),
    ("Mejla adam@exempel.se", "e-postadress"),
    ("Bor på Storgatan 3 i Fjugesta", "gatuadress"),
])
def test_an_anonymised_case_holding_an_identifier_is_refused(vagen, ami_worker, text, found):
    with pytest.raises(ops.MeetingError) as refused:
        agenda.propose_item(vagen.meetings[0], kind="arende", title="Ärende", anonymised_text=text, by=ami_worker)
    assert refused.value.errors[0][0] == "anonymised_text" and found in str(refused.value)


def test_an_anonymised_case_without_identifiers_is_accepted(vagen, ami_worker):
    item = agenda.propose_item(vagen.meetings[0], kind="arende", title="Ärende",
                               anonymised_text="Ung kvinna, 20 år, långvarigt försörjningsstöd.", by=ami_worker)
    assert item.person_id is None and item.anonymised_text.startswith("Ung kvinna")


def test_naming_a_person_the_proposer_may_not_see_is_refused_as_unknown(vagen, person, make_user):
    with pytest.raises(ops.MeetingError, match="Ingen deltagare"):
        _named(vagen, person, make_user(org="ifo", roles=("handlaggare",)))


def test_a_refused_named_case_keeps_what_was_typed_on_the_page(client, login, vagen, person, consent_for, orgs,
                                                               ami_worker):
    consent_for(person, [orgs["af"]])
    login(ami_worker)
    response = client.post(f"/moten/mote/{vagen.meetings[0].id}/forslag", data={
        "p-kind": "arende", "p-title": "Ärende med namn", "p-person_ref": person.ref,
        "p-description": "Beskrivning som inte får försvinna"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Beskrivning som inte får försvinna" in html and "Försäkringskassan Örebro" in text_of(html)


def test_a_case_heading_shown_to_everyone_carries_no_name_or_number(vagen, person, consent_for, orgs, fk,
                                                                   ami_worker):
    consent_for(person, _members(orgs, fk))
    with pytest.raises(ops.MeetingError) as refused:
        agenda.propose_item(vagen.meetings[0], kind="arende", title="Adam Sandbergs studier", person_ref=person.ref,
                            by=ami_worker)
    assert refused.value.errors[0][0] == "title" and "Adam" in str(refused.value)
    with pytest.raises(ops.MeetingError) as refused:
        agenda.propose_item(vagen.meetings[0], kind="arende", title="Ärende", anonymised_text="Ung man, 19 år.",
                            description="Nås på adam@exempel.se", by=ami_worker)
    assert refused.value.errors[0][0] == "description"


def test_a_referral_under_review_is_shown_through_referrals_and_the_gate(client, login, vagen, ami_worker,
                                                                         coordinator, orgs, fk, make_user):
    from tests.referrals import helpers as referral_helpers

    referral = referral_helpers.sent(ami_worker, orgs["af"], type="konsultation")  # no person
    item = agenda.propose_item(vagen.meetings[0], kind="arende", title="Konsultation om praktik",
                               referral_ref=referral.reference.lower(), by=ami_worker)
    agenda.accept_item(vagen.meetings[0], item, by=coordinator)
    db.session.commit()
    assert item.referral_ref == referral.reference and item.person_id is None
    login(ami_worker)
    page = text_of(client.get(f"/moten/mote/{vagen.meetings[0].id}").get_data(as_text=True))
    assert f"Remiss {referral.reference}:" in page and "Arbetsförmedlingen Hallsberg" in page
    other = client.application.test_client()
    login(make_user(org=fk, roles=("handlaggare",)), client=other)
    page = text_of(other.get(f"/moten/mote/{vagen.meetings[0].id}").get_data(as_text=True))
    assert "din organisation kan inte öppna remissen" in page and "Arbetsförmedlingen Hallsberg →" not in page


def test_a_referral_another_organisation_sees_cannot_be_proposed(vagen, ami_worker, orgs, make_user):
    from tests.referrals import helpers as referral_helpers

    af_worker = make_user(org="af", roles=("handlaggare",))
    referral = referral_helpers.sent(af_worker, orgs["kommun"], type="konsultation")
    with pytest.raises(ops.MeetingError) as refused:
        agenda.propose_item(vagen.meetings[0], kind="arende", title="Remiss", referral_ref=referral.reference,
                            by=ami_worker)
    assert refused.value.errors[0][0] == "referral_ref"


def test_a_referral_about_a_person_needs_the_consent_of_every_member(vagen, ami_worker, orgs, fk, consent_for,
                                                                    person):
    from tests.referrals import helpers as referral_helpers

    consent_for(person, [orgs["af"]], purposes=("remiss",))
    referral = referral_helpers.sent(ami_worker, orgs["af"], person, categories=("sysselsattning",))
    with pytest.raises(ops.MeetingError, match="Försäkringskassan Örebro"):
        agenda.propose_item(vagen.meetings[0], kind="arende", title="Remiss", referral_ref=referral.reference,
                            by=ami_worker)
    consent_for(person, _members(orgs, fk), purposes=("mote",))
    item = agenda.propose_item(vagen.meetings[0], kind="arende", title="Remiss", referral_ref=referral.reference,
                               by=ami_worker)
    assert item.person_id == person.id
