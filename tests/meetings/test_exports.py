"""Exports: the .docx opens with python-docx and LibreOffice and holds every item; the .ics parses with icalendar
with the right times across a daylight-saving change, stable UIDs and cancellations; the personal feed's token is
stored hashed, shown once and refused once revoked."""
from __future__ import annotations

import hashlib
import io
import re
import shutil
import subprocess
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from icalendar import Calendar
from sqlalchemy import select

from meetings import agenda, minutes
from meetings import operations as ops
from meetings.models import CalendarFeed
from portal.db import db
from tests.meetings.helpers import make_series, text_of

ZONE = ZoneInfo("Europe/Stockholm")


@pytest.fixture
def held(vagen, coordinator, orgs):
    meeting = vagen.meetings[0]
    items = [agenda.propose_item(meeting, kind=kind, title=title, by=coordinator, **extra) for kind, title, extra in (
        ("information", "Läget hos verksamheterna", {}), ("beslut", "Gemensam kartläggning", {}),
        ("arende", "Avidentifierat ärende", {"anonymised_text": "Ung man, 19 år."}))]
    minutes.save_minutes(meeting, content={"items": {
        str(items[0].id): {"notes": "Alla rapporterade."},
        str(items[1].id): {"notes": "Diskussion.", "decision": "AMI samordnar kartläggningen."}}}, version=0,
        by=coordinator)
    minutes.add_action(meeting, what="Boka trepartssamtal", owner_org_id=orgs["ami"].id, by=coordinator)
    db.session.commit()
    return meeting, items


def test_the_minutes_docx_holds_heading_items_decisions_and_actions(client, login, held, coordinator):
    meeting, items = held
    login(coordinator)
    response = client.get(f"/moten/mote/{meeting.id}/minnesanteckningar.docx")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    document = Document(io.BytesIO(response.data))
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[0] == "Vägen – Minnesanteckningar"
    assert any(p.startswith(f"Datum och tid: {meeting.on_date.isoformat()}") for p in paragraphs)
    assert "Plats: AMI, rum Vägen" in paragraphs
    for number, item in enumerate(items, start=1):
        assert f"{number}. {item.title}" in paragraphs
    decision = next(p for p in document.paragraphs if "AMI samordnar" in p.text)
    assert all(run.bold for run in decision.runs)
    table = document.tables[0]
    assert [c.text for c in table.rows[1].cells][:2] == ["Boka trepartssamtal", "Lekebergs kommun, AMI"]
    footer = document.sections[0].footer.paragraphs[0]._p.xml
    assert "PAGE" in footer and "NUMPAGES" in footer


@pytest.mark.libreoffice
def test_libreoffice_opens_the_agenda_and_the_minutes(client, login, held, coordinator, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        pytest.skip("libreoffice is not installed")
    meeting, items = held
    login(coordinator)
    for name in ("dagordning", "minnesanteckningar"):
        source = tmp_path / f"{name}.docx"
        source.write_bytes(client.get(f"/moten/mote/{meeting.id}/{name}.docx").data)
        for target in ("pdf", "txt:Text"):
            subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path / 'profile'}",
                            "--convert-to", target, "--outdir", str(tmp_path), str(source)], check=True,
                           capture_output=True, timeout=180)
        assert (tmp_path / f"{name}.pdf").stat().st_size > 1000
        words = " ".join((tmp_path / f"{name}.txt").read_text(encoding="utf-8-sig").split())
        assert f"Vägen – {'Dagordning' if name == 'dagordning' else 'Minnesanteckningar'}" in words
        for number, item in enumerate(items, start=1):
            assert f"{number}. {item.title}" in words
    assert "Beslut: AMI samordnar kartläggningen." in words


def test_the_ics_has_stable_uids_stockholm_time_across_dst_and_cancellations(client, login, orgs, coordinator):
    # Tuesdays 09:00 across the change to summer time (28 March 2027)
    series = make_series([orgs["ami"]], coordinator, interval_weeks=1, starts_on=date(2027, 3, 16), days=21)
    cancelled = series.meetings[1]
    ops.move_meeting(cancelled, on_date=None, start_time=None, place="", note="", cancel=True, by=None)
    db.session.commit()
    login(coordinator)
    body = client.get(f"/moten/{series.id}/kalender.ics").data
    calendar = Calendar.from_ical(body)
    events = sorted(calendar.walk("VEVENT"), key=lambda e: e.decoded("dtstart"))
    starts = [e.decoded("dtstart") for e in events]
    assert [s.astimezone(ZoneInfo("UTC")).hour for s in starts] == [8, 8, 7, 7]  # CET, CET, CEST, CEST
    assert all(s.astimezone(ZONE).time() == time(9) for s in starts)
    assert str(events[1]["status"]) == "CANCELLED" and str(events[0]["status"]) == "CONFIRMED"
    assert str(events[0]["uid"]) == f"mote-{series.id}-20270316@dua-portalen"
    assert calendar.walk("VTIMEZONE") and b"TZID=Europe/Stockholm" in body
    # moving a meeting keeps its UID, so calendars update it instead of adding one
    ops.move_meeting(series.meetings[2], on_date=date(2027, 3, 31), start_time=time(10), place="", note="",
                     by=None)
    db.session.commit()
    moved = Calendar.from_ical(client.get(f"/moten/mote/{series.meetings[2].id}/kalender.ics").data)
    event = moved.walk("VEVENT")[0]
    assert str(event["uid"]) == f"mote-{series.id}-20270330@dua-portalen"
    assert event.decoded("dtstart") == datetime(2027, 3, 31, 10, tzinfo=ZONE)


def test_the_ics_never_carries_agenda_details(client, login, held, coordinator):
    meeting, _ = held
    login(coordinator)
    body = client.get(f"/moten/mote/{meeting.id}/kalender.ics").get_data(as_text=True)
    assert "Gemensam" not in body and "Ung man" not in body and "SUMMARY:Vägen" in body


def test_the_personal_feed_token_is_shown_once_stored_hashed_and_revocable(client, login, vagen, ami_worker):
    login(ami_worker)
    html = client.post("/moten/kalenderlank", data={"atgard": "ny"}).get_data(as_text=True)
    url = re.search(r"<code>([^<]+)</code>", html).group(1)
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    stored = db.session.scalars(select(CalendarFeed)).one()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in stored.token_hash
    assert token not in client.get("/moten/kalenderlank").get_data(as_text=True)  # shown once
    anonymous = client.application.test_client()
    feed = anonymous.get(f"/moten/kalender/{token}.ics")
    assert feed.status_code == 200 and len(Calendar.from_ical(feed.data).walk("VEVENT")) == len(vagen.meetings)
    client.post("/moten/kalenderlank", data={"atgard": "aterkalla"})
    refused = anonymous.get(f"/moten/kalender/{token}.ics")
    assert refused.status_code == 404 and "gäller inte längre" in refused.get_data(as_text=True)
    assert anonymous.get("/moten/kalender/gissat.ics").status_code == 404


def test_downloads_need_membership(client, login, held, make_user):
    meeting, _ = held
    login(make_user(org="skola", roles=("handlaggare",)))
    for url in (f"/moten/mote/{meeting.id}/dagordning.docx", f"/moten/mote/{meeting.id}/minnesanteckningar.docx",
                f"/moten/mote/{meeting.id}/kalender.ics", f"/moten/{meeting.series_id}/kalender.ics"):
        assert client.get(url).status_code == 403, url


def test_the_agenda_page_and_docx_say_the_same_items(client, login, held, coordinator):
    meeting, items = held
    login(coordinator)
    page = text_of(client.get(f"/moten/mote/{meeting.id}").get_data(as_text=True))
    assert all(item.title in page for item in items)
