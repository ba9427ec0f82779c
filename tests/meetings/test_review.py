"""Found in the review of issue 16 from outside: a coordinator of an uncovered organisation sees no case notes on a
refused (stale) minutes save, and a series can only follow an agreement the coordinator's organisation is party to."""
from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlalchemy import select

from agreements import demo as agreements_demo
from agreements.models import Agreement
from meetings import agenda, minutes
from meetings import operations as ops
from meetings.models import SeriesUser
from portal.clock import today
from portal.db import db
from tests.meetings.helpers import text_of


def test_a_stale_minutes_save_shows_no_case_notes_to_a_coordinator_the_consent_does_not_cover(
        client, login, vagen, person, consent_for, orgs, fk, ami_worker, coordinator, make_user):
    consent_for(person, [orgs["kommun"], orgs["ami"], orgs["ifo"], orgs["af"], fk])
    meeting = vagen.meetings[0]
    case = agenda.propose_item(meeting, kind="arende", title="Ärendedragning", person_ref=person.ref, by=ami_worker)
    agenda.accept_item(meeting, case, by=coordinator)
    plain = agenda.propose_item(meeting, kind="information", title="Lägesrapport", by=coordinator)
    minutes.save_minutes(meeting, content={"items": {str(case.id): {"notes": "Adam har börjat på Komvux.",
                                                                    "decision": "AMI följer upp Sandberg."}}},
                         version=0, by=coordinator)
    # a coordinator from the school, which no consent covers, opened the form at version 0
    school = make_user(org="skola", roles=("samordnare",), name="Sara Skola")
    vagen.people.append(SeriesUser(user_id=school.id, is_coordinator=True))
    db.session.commit()
    login(school)
    response = client.post(f"/moten/mote/{meeting.id}/minnesanteckningar/skriv", data={
        "version": "0", f"notes_{plain.id}": "Skolans text", f"decision_{plain.id}": "", "general": ""})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Skolans text" in html  # nothing typed is lost
    assert "Komvux" not in html and "Sandberg" not in html and "Adam" not in html
    assert "visas inte" in text_of(html)
    # the case notes are still there for those the consent covers
    saved = minutes.current_content(minutes.minutes_of(meeting))
    assert saved["items"][str(case.id)]["notes"] == "Adam har börjat på Komvux."


def _values(**extra):
    start = today() + timedelta(days=7)
    return {"name": "Styrgrupp", "kind": "styrgrupp", "place": "Kommunhuset", "start_time": time(9),
            "length_minutes": 90, "recurrence": "weekly", "interval_weeks": 4, "weekday": start.weekday(),
            "holiday_policy": "move", "proposal_days": 2, "starts_on": start, "ends_on": start + timedelta(days=60),
            **extra}


@pytest.fixture
def foreign_agreement(orgs):
    """An agreement between the kommun and Arbetsförmedlingen: Försäkringskassan is no party to it."""
    agreements_demo.seed({"lekeberg": orgs["kommun"], "af-hallsberg": orgs["af"]})
    db.session.commit()
    return db.session.scalars(select(Agreement)).one()


def test_a_series_cannot_follow_an_agreement_the_organisation_is_not_party_to(foreign_agreement, fk, make_user):
    school = make_user(org=fk, roles=("samordnare",))
    with pytest.raises(ops.MeetingError) as refused:
        ops.create_series(values=_values(agreement_id=foreign_agreement.id), member_org_ids=[], by=school)
    assert refused.value.errors[0][0] == "agreement_id"
    with pytest.raises(ops.MeetingError) as unknown:
        ops.create_series(values=_values(agreement_id=999999), member_org_ids=[], by=school)
    assert unknown.value.errors[0][0] == "agreement_id"


def test_a_changed_series_cannot_take_another_organisations_agreement(client, login, foreign_agreement, fk,
                                                                       make_user):
    school = make_user(org=fk, roles=("samordnare",))
    series = ops.create_series(values=_values(), member_org_ids=[], by=school)
    db.session.commit()
    values = {name: getattr(series, name) for name in (
        "name", "kind", "place", "start_time", "length_minutes", "proposal_days", "holiday_policy")}
    with pytest.raises(ops.MeetingError) as refused:
        ops.update_series(series, values={**values, "agreement_id": foreign_agreement.id},
                          member_org_ids=list(series.member_org_ids), by=school)
    assert refused.value.errors[0][0] == "agreement_id"
    db.session.rollback()
    login(school)
    response = client.post(f"/moten/{series.id}/andra", data={
        "version": str(series.version), "name": "Styrgrupp", "kind": "styrgrupp", "place": "Kommunhuset",
        "start_time": "09:00", "length_minutes": "90", "proposal_days": "2", "holiday_policy": "move",
        "organisations": [str(i) for i in series.member_org_ids], "coordinators": [str(school.id)],
        "agreement_id": str(foreign_agreement.id)})
    assert response.status_code == 400
    assert "Välj en överenskommelse som din organisation är part i" in text_of(response.get_data(as_text=True))
    db.session.expire_all()
    assert db.session.get(type(series), series.id).agreement_id is None


def test_a_coordinator_may_keep_an_agreement_the_series_already_follows(foreign_agreement, orgs, coordinator):
    series = ops.create_series(values=_values(agreement_id=foreign_agreement.id),
                               member_org_ids=[orgs["kommun"].id, orgs["af"].id], by=coordinator)
    db.session.commit()
    assert series.agreement_id == foreign_agreement.id


def test_a_series_planned_centuries_ahead_is_refused_with_a_message_not_an_error(client, login, coordinator):
    login(coordinator)
    response = client.post("/moten/ny", data={
        "name": "Styrgrupp", "kind": "styrgrupp", "place": "Kommunhuset", "start_time": "09:00",
        "length_minutes": "90", "recurrence": "dates", "fixed_dates": "22/2, 2/5, 5/9, 7/11",
        "starts_on": today().isoformat(), "ends_on": "2200-12-31", "holiday_policy": "move", "proposal_days": "2",
        "organisations": [str(coordinator.organisation_id)], "coordinators": [str(coordinator.id)]})
    assert response.status_code == 400
    page = text_of(response.get_data(as_text=True))
    assert "En serie kan planeras högst fem år framåt" in page and "22/2, 2/5, 5/9, 7/11" in page


def test_extending_a_series_centuries_ahead_is_refused_beside_the_field(vagen, coordinator):
    with pytest.raises(ops.MeetingError) as refused:
        ops.extend_series(vagen, until=today().replace(year=today().year + 200), by=coordinator)
    assert refused.value.errors[0][0] == "until"


def test_the_29th_of_february_is_a_fixed_date_of_the_leap_years():
    from meetings.recurrence import occurrences

    found = occurrences(recurrence="dates", starts_on=today().replace(month=1, day=1),
                        until=today().replace(year=today().year + 3, month=12, day=31), fixed_dates="29/2",
                        holiday_policy="move")
    assert found and all(o.scheduled.month == 2 and o.scheduled.day == 29 for o in found)
    assert len(found) == 1  # one leap year in any four years counted from January (2100 is far)


def test_my_action_items_from_many_meetings_cost_the_same_statements_and_name_their_series(
        client, login, orgs, fk, coordinator, count_queries):
    from tests.meetings.helpers import make_series

    for name, n in (("Serie A", 2), ("Serie B", 8)):
        series = make_series([orgs["kommun"], orgs["af"]], coordinator, name=name, interval_weeks=1, days=70)
        for meeting in series.meetings[:n]:
            minutes.add_action(meeting, what=f"Åtagande {meeting.on_date}", owner_user_id=coordinator.id,
                               by=coordinator)
        db.session.commit()
        if n == 2:  # the page with the first series' two, then with all ten
            login(coordinator)
            client.get("/moten/mina-ataganden")
            db.session.expunge_all()
            with count_queries() as counted:
                assert client.get("/moten/mina-ataganden").status_code == 200
            few = counted[0]
            coordinator = db.session.merge(coordinator)
            orgs = {key: db.session.merge(org) for key, org in orgs.items()}
    client.get("/moten/mina-ataganden")
    db.session.expunge_all()
    with count_queries() as counted:
        page = client.get("/moten/mina-ataganden")
    assert page.status_code == 200
    assert few == counted[0], (few, counted[0])
    assert "Serie B" in text_of(page.get_data(as_text=True))


def test_an_organisation_that_left_the_series_no_longer_lists_its_action_items(client, login, vagen, coordinator,
                                                                               orgs, fk, ami_worker):
    meeting = vagen.meetings[0]
    minutes.add_action(meeting, what="Boka lokal för Vägen", owner_org_id=orgs["ami"].id,
                       due_on=today() + timedelta(days=3), by=coordinator)
    db.session.commit()
    assert minutes.count_due(ami_worker) == 1
    login(ami_worker)
    assert "Boka lokal för Vägen" in text_of(client.get("/moten/mina-ataganden").get_data(as_text=True))
    values = {name: getattr(vagen, name) for name in (
        "name", "kind", "place", "start_time", "length_minutes", "proposal_days", "holiday_policy")}
    ops.update_series(vagen, values=values, member_org_ids=[orgs["kommun"].id, orgs["af"].id, fk.id],
                      by=coordinator)
    db.session.commit()
    page = text_of(client.get("/moten/mina-ataganden").get_data(as_text=True))
    assert "Boka lokal för Vägen" not in page and "Du har inga öppna åtaganden" in page
    assert minutes.count_due(ami_worker) == 0
