"""The agenda: members propose until the deadline, the coordinator accepts, reorders with buttons and publishes;
members are told in the portal and by e-mail (no details); wrong role or organisation is refused."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from meetings import agenda
from meetings.models import AgendaItem
from portal.clock import today
from portal.db import db
from portal.errors import NotPermitted
from portal.notifications import Notice, OutboxMail, set_wants_mail
from tests.meetings.helpers import csrf, make_series, text_of


def _meeting(series):
    return series.meetings[0]


def test_propose_accept_publish_with_notices_and_mail(client, login, vagen, ami_worker, coordinator, make_user,
                                                      fk):
    fk_member = make_user(org=fk, roles=("handlaggare",))
    set_wants_mail(fk_member, True, by=fk_member)
    meeting = _meeting(vagen)
    login(ami_worker)
    page = client.get(f"/moten/mote/{meeting.id}").get_data(as_text=True)
    response = client.post(f"/moten/mote/{meeting.id}/forslag", data={
        "csrf_token": csrf(page), "p-kind": "information", "p-title": "Nytt om sommarjobb",
        "p-minutes_planned": "15"})
    assert response.status_code == 303
    item = db.session.scalars(select(AgendaItem)).one()
    assert item.state == "proposed" and item.presenter_org_id == ami_worker.organisation_id

    other = client.application.test_client()
    login(coordinator, client=other)
    page = other.get(f"/moten/mote/{meeting.id}").get_data(as_text=True)
    assert "Föreslagen" in text_of(page)
    other.post(f"/moten/mote/{meeting.id}/punkt/{item.id}/godkann", data={"csrf_token": csrf(page)})
    assert other.post(f"/moten/mote/{meeting.id}/publicera", data={"csrf_token": csrf(page)}).status_code == 303
    notices = db.session.scalars(select(Notice).where(Notice.key.like(f"meeting-published-{meeting.id}-%"))).all()
    assert sorted(n.organisation_id for n in notices) == sorted(vagen.member_org_ids)
    mails = db.session.scalars(select(OutboxMail)).all()
    assert [m.to_address for m in mails] == [fk_member.email]
    assert "sommarjobb" not in mails[0].body and "sommarjobb" not in mails[0].subject  # a link, no details


def test_a_member_of_another_organisation_sees_no_proposal_before_it_is_accepted(client, login, vagen, ami_worker,
                                                                                make_user):
    meeting = _meeting(vagen)
    agenda.propose_item(meeting, kind="information", title="Intern fråga från AMI", by=ami_worker)
    db.session.commit()
    login(make_user(org="af", roles=("handlaggare",)))
    assert "Intern fråga från AMI" not in client.get(f"/moten/mote/{meeting.id}").get_data(as_text=True)


def test_reorder_with_buttons_without_javascript(client, login, vagen, coordinator):
    meeting = _meeting(vagen)
    for title in ("Första", "Andra", "Tredje"):
        agenda.propose_item(meeting, kind="information", title=title, by=coordinator)
    db.session.commit()
    login(coordinator)
    page = client.get(f"/moten/mote/{meeting.id}").get_data(as_text=True)
    third = db.session.scalar(select(AgendaItem).where(AgendaItem.title == "Tredje"))
    response = client.post(f"/moten/mote/{meeting.id}/punkt/{third.id}/flytta",
                           data={"csrf_token": csrf(page), "riktning": "up", "version": str(meeting.version)})
    assert response.status_code == 303 and response.location.endswith(f"#punkt-{third.id}")
    page = client.get(f"/moten/mote/{meeting.id}").get_data(as_text=True)
    text = text_of(page)
    assert text.index("Första") < text.index("Tredje") < text.index("Andra")
    # the same page's button posted twice (a double click) is refused: the page is stale, nothing jumps twice
    stale = client.post(f"/moten/mote/{meeting.id}/punkt/{third.id}/flytta",
                        data={"csrf_token": csrf(page), "riktning": "up", "version": "1"}, follow_redirects=True)
    assert "Någon annan har ändrat" in text_of(stale.get_data(as_text=True))
    text = text_of(client.get(f"/moten/mote/{meeting.id}").get_data(as_text=True))
    assert text.index("Första") < text.index("Tredje") < text.index("Andra")


def test_a_proposal_after_the_deadline_is_refused_with_what_was_typed_kept(client, login, orgs, coordinator,
                                                                           ami_worker):
    series = make_series([orgs["ami"]], coordinator, starts_on=today() + timedelta(days=1))
    meeting = series.meetings[0]
    login(ami_worker)
    page = client.get(f"/moten/mote/{meeting.id}").get_data(as_text=True)
    assert "Tiden för förslag till det här mötet har gått ut" in text_of(page)
    with pytest.raises(agenda.MeetingError) as refused:
        agenda.propose_item(meeting, kind="information", title="Sent", by=ami_worker)
    assert "Tiden för förslag gick ut" in str(refused.value)
    response = client.post(f"/moten/mote/{meeting.id}/forslag", data={
        "csrf_token": csrf(page), "p-kind": "information", "p-title": "Sen punkt om praktik"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Tiden för förslag gick ut" in text_of(html) and 'value="Sen punkt om praktik"' in html


def test_a_proposal_to_a_past_meeting_is_refused(vagen, ami_worker):
    meeting = _meeting(vagen)
    meeting.on_date = today() - timedelta(days=3)
    with pytest.raises(agenda.MeetingError, match="redan varit"):
        agenda.propose_item(meeting, kind="information", title="För sent", by=ami_worker)


def test_bad_input_is_named_beside_each_field_at_once(client, login, vagen, ami_worker):
    meeting = _meeting(vagen)
    login(ami_worker)
    page = client.get(f"/moten/mote/{meeting.id}").get_data(as_text=True)
    response = client.post(f"/moten/mote/{meeting.id}/forslag", data={
        "csrf_token": csrf(page), "p-kind": "hackat", "p-title": "\x07\x08 ", "p-minutes_planned": "9" * 40,
        "p-presenter_org_id": "99999999999"})
    assert response.status_code == 400
    text = text_of(response.get_data(as_text=True))
    for message in ("Välj vilken sorts punkt det är.", "Ange en rubrik för punkten.",
                    "Ange planerad tid i minuter (0–600)."):
        assert message in text


@pytest.mark.parametrize("org, roles", [("af", ("org_admin",)), ("skola", ("handlaggare",))])
def test_others_are_refused(client, login, make_user, vagen, org, roles):
    """An org admin has no meeting permission; Lekebergsskolan is no member of Vägen."""
    meeting = _meeting(vagen)
    login(make_user(org=org, roles=roles))
    assert client.get(f"/moten/mote/{meeting.id}").status_code == 403
    assert client.get(f"/moten/{vagen.id}").status_code == 403


def test_a_member_who_is_no_coordinator_cannot_accept_publish_or_reorder(client, login, vagen, ami_worker,
                                                                         make_user):
    meeting = _meeting(vagen)
    item = agenda.propose_item(meeting, kind="information", title="Punkt", by=ami_worker)
    db.session.commit()
    other_coordinator = make_user(org="ami", roles=("samordnare",))  # samordnare, but not of this series
    with pytest.raises(NotPermitted):
        agenda.accept_item(meeting, item, by=other_coordinator)
    login(other_coordinator)
    page = client.get(f"/moten/mote/{meeting.id}").get_data(as_text=True)
    assert "Publicera dagordningen" not in page
    assert client.post(f"/moten/mote/{meeting.id}/publicera", data={"csrf_token": csrf(page)}).status_code == 403
    assert client.post(f"/moten/mote/{meeting.id}/punkt/{item.id}/godkann",
                       data={"csrf_token": csrf(page)}).status_code == 403


def test_publishing_needs_an_accepted_item(vagen, coordinator):
    with pytest.raises(agenda.MeetingError, match="Godkänn minst en punkt"):
        agenda.publish(_meeting(vagen), by=coordinator)


def test_unknown_meeting_and_item_are_404(client, login, vagen, coordinator):
    login(coordinator)
    assert client.get("/moten/mote/999999").status_code == 404
    page = client.get(f"/moten/mote/{vagen.meetings[0].id}").get_data(as_text=True)
    assert client.post(f"/moten/mote/{vagen.meetings[0].id}/punkt/999/godkann",
                       data={"csrf_token": csrf(page)}).status_code == 404
