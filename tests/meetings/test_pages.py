"""The series pages: create and change with every problem at once and nothing typed lost, a stale change refused,
and constant SQL statements for an agenda of 5 and of 30 items (also with case items and action items)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from meetings import agenda, minutes
from meetings.models import Meeting, MeetingSeries
from portal.clock import today
from portal.db import db
from tests.meetings.helpers import text_of


def _form(orgs, **changes):
    start = today() + timedelta(days=3)
    data = {"name": "Arbetsgrupp UBK", "kind": "arbetsgrupp", "organisations": [str(orgs["kommun"].id),
            str(orgs["af"].id)], "place": "Teams", "start_time": "13:30", "length_minutes": "60",
            "recurrence": "monthly", "weekday": "1", "nth": "1", "interval_weeks": "", "fixed_dates": "",
            "starts_on": start.isoformat(), "ends_on": (start + timedelta(days=100)).isoformat(),
            "holiday_policy": "move", "proposal_days": "3", "agreement_id": ""}
    data.update(changes)
    return data


def test_a_coordinator_creates_a_monthly_series(client, login, orgs, coordinator):
    login(coordinator)
    assert client.get("/moten/ny").status_code == 200
    response = client.post("/moten/ny", data=_form(orgs))
    assert response.status_code == 302
    series = db.session.scalars(select(MeetingSeries)).one()
    assert series.member_org_ids == {orgs["kommun"].id, orgs["af"].id}
    assert series.coordinator_ids == {coordinator.id}
    assert all(m.on_date.weekday() == 1 and m.on_date.day <= 7 or m.is_moved for m in series.meetings)
    page = text_of(client.get(response.location).get_data(as_text=True))
    assert "Arbetsgrupp UBK" in page and "Karin Samordnare" in page


def test_every_problem_of_a_new_series_is_shown_at_once_and_the_form_kept(client, login, orgs, coordinator):
    login(coordinator)
    response = client.post("/moten/ny", data=_form(
        orgs, name="", start_time="25:99", length_minutes="massor", starts_on=(today() - timedelta(days=5))
        .isoformat(), ends_on=(today() - timedelta(days=9)).isoformat(), place="Rum 12\x07"))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    text = text_of(html)
    for message in ("Ange seriens namn", "Ange tiden som TT:MM", "Ange mötets längd i minuter",
                    "Slutdatumet kan inte vara före startdatumet", "Första dagen kan inte ha passerat"):
        assert message in text, message
    assert 'value="Rum 12"' in html and db.session.scalar(select(MeetingSeries)) is None


def test_a_rule_that_yields_no_date_is_refused_on_the_page(client, login, orgs, coordinator):
    # the series runs from three days ahead for a hundred days: never over a 1 July
    login(coordinator)
    response = client.post("/moten/ny", data=_form(orgs, recurrence="dates", fixed_dates="1/7"))
    assert response.status_code == 400
    assert "Regeln ger inget mötesdatum" in text_of(response.get_data(as_text=True))


def test_a_handlaggare_cannot_create_a_series(client, login, make_user, orgs):
    login(make_user(org="ami", roles=("handlaggare",)))
    assert client.get("/moten/ny").status_code == 403
    assert client.post("/moten/ny", data=_form(orgs)).status_code == 403


def test_a_stale_change_of_a_series_is_refused_with_the_form_kept(client, login, vagen, coordinator, orgs):
    login(coordinator)
    page = client.get(f"/moten/{vagen.id}/andra").get_data(as_text=True)
    assert 'name="version"' in page
    vagen.version += 1
    db.session.commit()
    response = client.post(f"/moten/{vagen.id}/andra", data=_form(orgs, name="Vägen (nytt namn)", version="1",
                                                                   recurrence="weekly", interval_weeks="2"))
    assert response.status_code == 409
    assert "Vägen (nytt namn)" in response.get_data(as_text=True)
    assert db.session.get(MeetingSeries, vagen.id).name == "Vägen"


def test_extending_and_moving_through_the_pages(client, login, vagen, coordinator):
    login(coordinator)
    before = len(vagen.meetings)
    response = client.post(f"/moten/{vagen.id}/forlang",
                           data={"until": (vagen.ends_on + timedelta(days=28)).isoformat()})
    assert response.status_code == 302
    assert len(db.session.scalars(select(Meeting)).all()) == before + 2
    meeting = vagen.meetings[0]
    response = client.post(f"/moten/mote/{meeting.id}/flytta", data={
        "on_date": (today() - timedelta(days=1)).isoformat(), "start_time": "10:00", "place": "", "note": "",
        "version": str(meeting.version)})
    assert response.status_code == 400
    assert "har passerat" in text_of(response.get_data(as_text=True))
    response = client.post(f"/moten/mote/{meeting.id}/flytta", data={
        "on_date": meeting.on_date.isoformat(), "start_time": "09:00", "place": "", "note": "Sjukdom",
        "version": str(meeting.version), "installt": "1"})
    assert response.status_code == 303 and db.session.get(Meeting, meeting.id).is_cancelled


def _fill(meeting, coordinator, n):
    for number in range(n):
        kind = ("information", "beslut", "arende", "mal", "ovrigt")[number % 5]
        extra = {"anonymised_text": "Ung person utan sysselsättning."} if kind == "arende" else {}
        agenda.propose_item(meeting, kind=kind, title=f"Punkt {number}", by=coordinator, **extra)
        minutes.add_action(meeting, what=f"Åtagande {number}", owner_user_id=coordinator.id, by=coordinator)
    db.session.commit()


@pytest.mark.parametrize("path", ["/moten/mote/{id}", "/moten/mote/{id}/minnesanteckningar",
                                  "/moten/mote/{id}/minnesanteckningar/skriv", "/moten/mote/{later}",
                                  "/moten/mote/{id}/utskrift",
                                  "/moten/mina-ataganden"])
def test_an_agenda_of_5_and_of_30_items_sends_the_same_statements(client, login, orgs, fk, coordinator,
                                                                  count_queries, make_series_pair, path):
    urls = []
    for series, n in zip(make_series_pair, (5, 30), strict=True):
        _fill(series.meetings[0], coordinator, n)
        urls.append(path.format(id=series.meetings[0].id, later=series.meetings[1].id))
    login(coordinator)
    counts = []
    for url in urls:
        client.get(url)
        db.session.expunge_all()
        with count_queries() as counted:
            assert client.get(url).status_code == 200
        counts.append(counted[0])
    assert counts[0] == counts[1], counts


@pytest.fixture
def make_series_pair(orgs, fk, coordinator):
    from tests.meetings.helpers import make_series

    return [make_series([orgs["ami"], orgs["af"], fk], coordinator, name=f"Serie {n}") for n in (1, 2)]


def test_a_second_coordinator_is_chosen_among_those_who_may_coordinate(client, login, vagen, coordinator, orgs,
                                                                       make_user):
    colleague = make_user(org="ami", roles=("samordnare",), name="Erik Samordnare")
    caseworker = make_user(org="ami", roles=("handlaggare",))
    login(coordinator)
    page = client.get(f"/moten/{vagen.id}/andra").get_data(as_text=True)
    assert "Erik Samordnare" in page and caseworker.name not in page
    members = [str(i) for i in sorted(vagen.member_org_ids)]
    data = _form(orgs, name="Vägen", recurrence="weekly", interval_weeks="2", version=str(vagen.version),
                 organisations=members, coordinators=[str(coordinator.id), str(caseworker.id)])
    refused = client.post(f"/moten/{vagen.id}/andra", data=data)
    assert refused.status_code == 400 and "Välj samordnare bland dem" in text_of(refused.get_data(as_text=True))
    data["coordinators"] = [str(coordinator.id), str(colleague.id)]
    assert client.post(f"/moten/{vagen.id}/andra", data=data).status_code == 302
    changed = db.session.get(MeetingSeries, vagen.id)
    assert changed.coordinator_ids == {coordinator.id, colleague.id}
    # the rule is not on the page and stays as it was
    assert "Återkommer" not in text_of(page) and changed.interval_weeks == 2 and changed.recurrence == "weekly"
