"""Agreement → goals → meetings → revision: a goal follow-up item shows the agreement's goals as of the meeting day,
and a decision marked "till revideringen" is listed on the agreement's draft revision with a link to the minutes."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from agreements import demo as agreements_demo
from agreements.models import Agreement
from meetings import agenda, minutes
from portal.db import db
from tests.meetings.helpers import make_series, text_of


@pytest.fixture
def styrgrupp(orgs, coordinator):
    agreements_demo.seed({"lekeberg": orgs["kommun"], "af-hallsberg": orgs["af"]})
    db.session.commit()
    agreement = db.session.scalars(select(Agreement)).one()
    return make_series([orgs["kommun"], orgs["af"]], coordinator, name="Styrgrupp DUA Lekeberg",
                       agreement_id=agreement.id), agreement


def test_a_goal_follow_up_item_shows_the_goals_and_their_latest_values(client, login, styrgrupp, coordinator):
    series, agreement = styrgrupp
    meeting = series.meetings[0]
    agenda.propose_item(meeting, kind="mal", title="Uppföljning av målen", by=coordinator)
    db.session.commit()
    login(coordinator)
    page = text_of(client.get(f"/moten/mote/{meeting.id}").get_data(as_text=True))
    assert f"Mål i {agreement.title} per {meeting.on_date.isoformat()}" in page
    for goal in agreement.goals:
        assert goal.indicator in page
    assert f'/overenskommelser/{agreement.id}/mal/{agreement.goals[0].id}"' in client.get(
        f"/moten/mote/{meeting.id}").get_data(as_text=True)  # a figure is recorded on the goal's page


def test_a_decision_goes_to_the_draft_revision_with_a_link_back(client, login, styrgrupp, coordinator):
    series, agreement = styrgrupp
    meeting = series.meetings[0]
    item = agenda.propose_item(meeting, kind="beslut", title="Nya mål för unga utrikes födda", by=coordinator)
    with pytest.raises(minutes.MeetingError, match="Skriv beslutet"):
        minutes.send_to_revision(meeting, item, by=coordinator)
    minutes.save_minutes(meeting, content={"items": {str(item.id): {
        "decision": "Målet för utrikes födda skärps till 15 %."}}}, version=0, by=coordinator)
    db.session.commit()
    login(coordinator)
    page = client.get(f"/moten/mote/{meeting.id}/minnesanteckningar").get_data(as_text=True)
    assert "Till revideringen: Nya mål för unga utrikes födda" in page
    response = client.post(f"/moten/mote/{meeting.id}/punkt/{item.id}/till-revideringen")
    assert response.status_code == 303
    draft = agreement.open_revision()
    revision = text_of(client.get(f"/overenskommelser/{agreement.id}/revisioner/{draft.number}").get_data(
        as_text=True))
    assert "Beslut från möten till revideringen" in revision
    assert "Målet för utrikes födda skärps till 15 %." in revision
    html = client.get(f"/overenskommelser/{agreement.id}/revisioner/{draft.number}").get_data(as_text=True)
    assert f'href="/moten/mote/{meeting.id}/minnesanteckningar#punkt-{item.id}"' in html
    # sending it again keeps one entry
    client.post(f"/moten/mote/{meeting.id}/punkt/{item.id}/till-revideringen")
    html = client.get(f"/overenskommelser/{agreement.id}/revisioner/{draft.number}").get_data(as_text=True)
    assert html.count("Målet för utrikes födda skärps till 15 %.") == 1


def test_only_decisions_of_a_series_with_an_agreement_go_to_a_revision(vagen, coordinator):
    meeting = vagen.meetings[0]
    item = agenda.propose_item(meeting, kind="beslut", title="Beslut", by=coordinator)
    info = agenda.propose_item(meeting, kind="information", title="Information", by=coordinator)
    with pytest.raises(minutes.MeetingError, match="följer inte upp"):
        minutes.send_to_revision(meeting, item, by=coordinator)
    with pytest.raises(minutes.MeetingError, match="beslutspunkt"):
        minutes.send_to_revision(meeting, info, by=coordinator)
