"""Stopping a run (reason required, audited, stale-aware, shown on the run page and the board) and a run's
documents with their files (checked by content, downloaded through rule and gate, each opening audited)."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from docx import Document

from portal.audit import AuditEvent
from portal.clock import today
from portal.db import db
from portal.errors import NotPermitted, StaleEdit
from referrals import routines as runs
from referrals.routine_models import RoutineRun, RunDocument
from tests.referrals.routines import helpers as h

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def token(page: str) -> str:
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    return found.group(1) if found else ""


def actions(name):
    return db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == name)).all()


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    Document().save(buffer)
    return buffer.getvalue()


def test_a_run_is_stopped_with_a_reason_from_a_confirming_page_and_leaves_the_steps_of_the_board(
        referred, ami, af, client, login):
    run = h.started(ami, referred)
    run.follow_up_on = today() + timedelta(days=3)
    db.session.commit()
    login(ami)
    page = client.get(f"/remisser/rutiner/{run.id}").get_data(as_text=True)
    assert f'href="/remisser/rutiner/{run.id}/avbryt"' in page
    confirm = client.get(f"/remisser/rutiner/{run.id}/avbryt").get_data(as_text=True)
    assert "kan inte tas upp igen" in confirm and "Varför rutinen avbryts" in confirm and "button warning" in confirm
    empty = client.post(f"/remisser/rutiner/{run.id}/avbryt", data={"csrf_token": token(confirm),
                                                                    "avbryt-version": str(run.version),
                                                                    "avbryt-reason": "   "})
    assert empty.status_code == 400 and "Skriv varför rutinen avbryts." in empty.get_data(as_text=True)
    done = client.post(f"/remisser/rutiner/{run.id}/avbryt", data={
        "csrf_token": token(confirm), "avbryt-version": str(run.version),
        "avbryt-reason": "Elsa har fått en fast anställning."})
    assert done.status_code == 302
    db.session.expire_all()
    run = db.session.get(RoutineRun, run.id)
    assert (run.state, run.stop_reason, run.stopped_by_id, run.follow_up_on) == (
        "stopped", "Elsa har fått en fast anställning.", ami.id, None)
    assert len(actions("routine.run.stop")) == 1
    page = client.get(f"/remisser/rutiner/{run.id}").get_data(as_text=True)
    assert "Avbruten vid steg 1" in page and "Elsa har fått en fast anställning." in page
    assert "Markera steget som klart" not in page and "Avbryt rutinen …" not in page
    board = client.get("/remisser/rutiner").get_data(as_text=True)
    assert 'href="/remisser/rutiner/tavla/utbildningskontrakt/avbrutna">1</a>' in board
    stopped = client.get("/remisser/rutiner/tavla/utbildningskontrakt/avbrutna").get_data(as_text=True)
    assert "Elsa Lindqvist" in stopped and "Avbruten vid steg" in stopped
    assert "Elsa" not in client.get("/remisser/rutiner/tavla/utbildningskontrakt/1").get_data(as_text=True)
    assert "Elsa" not in client.get("/remisser/rutiner/uppfoljningar").get_data(as_text=True)
    # nothing more can be done with it: stopping again (a double click, a stale page) says it is already stopped
    for again in (client.get(f"/remisser/rutiner/{run.id}/avbryt"), client.post(
            f"/remisser/rutiner/{run.id}/avbryt", data={"csrf_token": token(confirm),
                                                        "avbryt-version": str(run.version - 1),
                                                        "avbryt-reason": "Dubbelklick."})):
        assert again.status_code == 302 and again.location.endswith(f"/remisser/rutiner/{run.id}")
    assert "Rutinen är redan avbruten." in client.get(f"/remisser/rutiner/{run.id}").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(RoutineRun, run.id).stop_reason == "Elsa har fått en fast anställning."
    assert len(actions("routine.run.stop")) == 1 and not actions("access.denied")
    with pytest.raises(runs.RoutineError, match="avslutad"):
        runs.complete(run, "1", by=af)
    db.session.rollback()


def test_a_stale_stop_is_refused_with_where_the_run_stands_and_the_reason_kept(referred, ami, af, client, login):
    run = h.started(ami, referred)
    login(ami)
    confirm = client.get(f"/remisser/rutiner/{run.id}/avbryt").get_data(as_text=True)
    opened = run.version
    h.complete(run, "1", af)  # AF acts meanwhile
    response = client.post(f"/remisser/rutiner/{run.id}/avbryt", data={
        "csrf_token": token(confirm), "avbryt-version": str(opened), "avbryt-reason": "Flyttar till Göteborg."})
    text = response.get_data(as_text=True)
    assert response.status_code == 409 and "Den står nu på steg 2." in text and "Flyttar till Göteborg." in text
    with pytest.raises(StaleEdit):
        runs.stop(run, by=ami, reason="x", expected_version=opened)
    db.session.rollback()
    assert db.session.get(RoutineRun, run.id).state == "active"


def test_only_staff_of_the_run_stop_it(referred, ami, make_user):
    run = h.started(ami, referred)
    for outsider in (make_user("ifo", ("handlaggare",)), make_user("ami", ("styrgrupp",))):
        with pytest.raises(NotPermitted):
            runs.stop(run, by=outsider, reason="Nej")
        db.session.rollback()


def test_a_document_is_uploaded_checked_by_content_and_downloaded_through_the_gate(referred, ami, af, make_user,
                                                                                  client, login):
    run = h.started(ami, referred)
    login(ami)
    page = client.get(f"/remisser/rutiner/{run.id}").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and 'name="dok-file"' in page
    fake = client.post(f"/remisser/rutiner/{run.id}/dokument", data={
        "csrf_token": token(page), "dok-kind": "studieplan", "dok-title": "Studieplan vt",
        "dok-dated_on": today().isoformat(), "dok-file": (io.BytesIO(b"MZ\x90\x00 not a pdf"), "studieplan.pdf")},
        content_type="multipart/form-data")
    text = fake.get_data(as_text=True)
    assert fake.status_code == 400 and "PDF, JPEG, PNG eller Word-fil" in text and "Studieplan vt" in text
    assert db.session.scalar(db.select(db.func.count()).select_from(RunDocument)) == 0
    ok = client.post(f"/remisser/rutiner/{run.id}/dokument", data={
        "csrf_token": token(page), "dok-kind": "studieplan", "dok-title": "Studieplan vt",
        "dok-dated_on": today().isoformat(), "dok-file": (io.BytesIO(PDF), "Studieplan Elsa.pdf")},
        content_type="multipart/form-data")
    assert ok.status_code == 302
    runs.record_document(run, by=ami, kind="avtal", title="Avtal", dated_on=today(), filename="avtal.docx",
                         data=docx_bytes())
    runs.record_document(run, by=ami, kind="betyg", title="Betyg (på papper)", dated_on=today())
    db.session.commit()
    studieplan, avtal, betyg = run.documents
    assert (studieplan.filename, studieplan.content_type, studieplan.size) == ("Studieplan Elsa.pdf",
                                                                             "application/pdf", len(PDF))
    assert avtal.filename == "avtal.docx" and betyg.size is None
    page = client.get(f"/remisser/rutiner/{run.id}").get_data(as_text=True)
    assert f"/remisser/rutiner/{run.id}/dokument/{studieplan.id}" in page
    assert f"/dokument/{betyg.id}" not in page  # a record without a file has nothing to download
    download = client.get(f"/remisser/rutiner/{run.id}/dokument/{studieplan.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert len(actions("routine.document.read")) == 1
    assert client.get(f"/remisser/rutiner/{run.id}/dokument/{betyg.id}").status_code == 404
    assert client.get(f"/remisser/rutiner/{run.id}/dokument/99999").status_code == 404
    # AF works on the run under the consent: it opens the file too
    other = client.application.test_client()
    login(af, client=other)
    assert other.get(f"/remisser/rutiner/{run.id}/dokument/{studieplan.id}").status_code == 200
    # an organisation outside the run gets 403, and no byte of the file
    outsider = client.application.test_client()
    login(make_user("ifo", ("handlaggare",)), client=outsider)
    refused = outsider.get(f"/remisser/rutiner/{run.id}/dokument/{studieplan.id}")
    assert refused.status_code == 403 and PDF not in refused.data


def test_after_the_consent_is_withdrawn_no_one_who_saw_the_person_through_it_downloads_the_file(
        referred, ami, af, client, login):
    from portal.people import consent as consents

    run = h.started(ami, referred)
    document = runs.record_document(run, by=ami, kind="studieplan", title="Studieplan", dated_on=today(),
                                    filename="plan.pdf", data=PDF)
    db.session.commit()
    consent = db.session.scalars(db.select(consents.Consent).where(
        consents.Consent.person_id == run.person_id)).one()
    consents.withdraw_consent(consent, by=af, reason="Vill inte längre.")
    db.session.commit()
    login(ami)  # AMI held the run but saw Elsa only through AF's consent
    page = client.get(f"/remisser/rutiner/{run.id}").get_data(as_text=True)
    assert f"/dokument/{document.id}" not in page and "med fil" in page
    response = client.get(f"/remisser/rutiner/{run.id}/dokument/{document.id}")
    assert response.status_code == 403 and PDF not in response.data


def test_a_file_over_ten_megabytes_is_refused(referred, ami):
    run = h.started(ami, referred)
    with pytest.raises(runs.RoutineError, match="för stor"):
        runs.record_document(run, by=ami, kind="studieplan", title="Stor", dated_on=today(), filename="stor.pdf",
                             data=PDF + b"0" * (10 * 1024 * 1024))
    db.session.rollback()
