"""Files on agenda items: checked by content and size, and read as the item is: a case item's file only by those
who may see the case."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from meetings import agenda
from meetings.attachments import AgendaAttachment
from portal.db import db
from portal.people import consent as consents
from tests.meetings.helpers import text_of

PDF = b"%PDF-1.4\n% Underlag\n%%EOF\n"


def _post(client, meeting, item, data: bytes, name: str):
    return client.post(f"/moten/mote/{meeting.id}/punkt/{item.id}/bilagor",
                       data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data",
                       follow_redirects=True)


def test_the_proposer_attaches_a_pdf_and_members_download_it(client, login, vagen, ami_worker, coordinator,
                                                             make_user):
    meeting = vagen.meetings[0]
    item = agenda.propose_item(meeting, kind="information", title="Statistik", by=ami_worker)
    agenda.accept_item(meeting, item, by=coordinator)
    db.session.commit()
    login(ami_worker)
    page = text_of(_post(client, meeting, item, PDF, "statistik 2026.pdf").get_data(as_text=True))
    stored = db.session.scalars(select(AgendaAttachment)).one()
    assert "Filen är bifogad." in page and stored.filename.endswith(".pdf") and stored.filename in page
    other = client.application.test_client()
    login(make_user(org="af", roles=("handlaggare",)), client=other)
    response = other.get(f"/moten/mote/{meeting.id}/punkt/{item.id}/bilagor/{stored.id}")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf" and "attachment" in response.headers[
        "Content-Disposition"]
    # another member organisation may not add files to AMI's item
    assert other.post(f"/moten/mote/{meeting.id}/punkt/{item.id}/bilagor",
                      data={"file": (io.BytesIO(PDF), "x.pdf")}).status_code == 403


@pytest.mark.parametrize("data, name, message", [
    (b"MZ\x90\x00 not a document", "rapport.pdf", "måste vara en PDF"),
    (b"", "tom.pdf", "Välj en fil"),
    (b"%PDF-" + b"x" * (10 * 1024 * 1024), "stor.pdf", "för stor"),
])
def test_bad_files_are_refused_with_a_message(client, login, vagen, coordinator, data, name, message):
    meeting = vagen.meetings[0]
    item = agenda.propose_item(meeting, kind="information", title="Underlag", by=coordinator)
    db.session.commit()
    login(coordinator)
    page = text_of(_post(client, meeting, item, data, name).get_data(as_text=True))
    assert message in page
    assert db.session.scalar(select(AgendaAttachment)) is None


def test_a_case_items_file_is_not_given_to_a_member_the_consent_does_not_cover(
        client, login, vagen, person, consent_for, orgs, fk, ami_worker, coordinator, make_user):
    consent = consent_for(person, [orgs["kommun"], orgs["ami"], orgs["ifo"], orgs["af"], fk])
    meeting = vagen.meetings[0]
    item = agenda.propose_item(meeting, kind="arende", title="Ärendedragning", person_ref=person.ref, by=ami_worker)
    agenda.accept_item(meeting, item, by=coordinator)
    db.session.commit()
    login(ami_worker)
    _post(client, meeting, item, PDF, "utredning.pdf")
    stored = db.session.scalars(select(AgendaAttachment)).one()
    consents.withdraw_consent(consent, by=ami_worker, reason="Den unge vill inte.")
    db.session.commit()
    other = client.application.test_client()
    login(make_user(org="af", roles=("handlaggare",)), client=other)
    assert "utredning.pdf" not in other.get(f"/moten/mote/{meeting.id}").get_data(as_text=True)
    assert other.get(f"/moten/mote/{meeting.id}/punkt/{item.id}/bilagor/{stored.id}").status_code == 403
    outsider = client.application.test_client()
    login(make_user(org="skola", roles=("handlaggare",)), client=outsider)
    assert outsider.get(f"/moten/mote/{meeting.id}/punkt/{item.id}/bilagor/{stored.id}").status_code == 403


def test_the_proposer_adds_no_file_once_the_deadline_has_passed_but_the_coordinator_still_may(
        client, login, vagen, ami_worker, coordinator):
    meeting = vagen.meetings[0]
    item = agenda.propose_item(meeting, kind="information", title="Statistik", by=ami_worker)
    agenda.accept_item(meeting, item, by=coordinator)
    vagen.proposal_days = 60  # the last day for proposals (and their files) is now behind us
    db.session.commit()
    login(ami_worker)
    assert "Bifoga" not in text_of(client.get(f"/moten/mote/{meeting.id}").get_data(as_text=True))
    assert client.post(f"/moten/mote/{meeting.id}/punkt/{item.id}/bilagor",
                       data={"file": (io.BytesIO(PDF), "sen.pdf")}).status_code == 403
    assert db.session.scalar(select(AgendaAttachment)) is None
    karin = client.application.test_client()
    login(coordinator, client=karin)
    assert "Filen är bifogad." in text_of(_post(karin, meeting, item, PDF, "underlag.pdf").get_data(as_text=True))
