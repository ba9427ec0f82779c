"""Minutes: every save a revision, a stale save refused with both texts side by side, final minutes locked and
corrected only with a reason; action items carried to the next meeting until done, "mina åtaganden" and the card."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from meetings import agenda, minutes
from meetings.models import MinutesRevision
from portal.clock import today
from portal.db import db
from portal.errors import NotPermitted
from tests.meetings.helpers import text_of


@pytest.fixture
def item(vagen, coordinator):
    made = agenda.propose_item(vagen.meetings[0], kind="beslut", title="Gemensam kartläggning", by=coordinator)
    db.session.commit()
    return made


def _post(client, meeting, item, notes, version, **extra):
    return client.post(f"/moten/mote/{meeting.id}/minnesanteckningar/skriv", data={
        "version": str(version), f"notes_{item.id}": notes, f"decision_{item.id}": "", "general": "", **extra})


def test_every_save_is_a_revision_and_a_stale_save_shows_both_texts(client, login, vagen, item, coordinator,
                                                                    make_user):
    meeting = vagen.meetings[0]
    second = make_user(org="kommun", roles=("samordnare",))
    vagen.people.append(type(vagen.people[0])(user_id=second.id, is_coordinator=True))
    db.session.commit()
    login(coordinator)
    assert _post(client, meeting, item, "Karins text", 0).status_code == 303
    other = client.application.test_client()
    login(second, client=other)
    # the second coordinator opened the form at version 0 too, and saves after Karin
    response = _post(other, meeting, item, "Eriks text", 0)
    assert response.status_code == 409
    html = text_of(response.get_data(as_text=True))
    assert "Karins text" in html and "Eriks text" in html and "Din text" in html
    assert [r.content["items"][str(item.id)]["notes"] for r in db.session.scalars(select(MinutesRevision))] == [
        "Karins text"]
    # saving again from the refused page (it now carries version 1) is a knowing replacement: revision 2
    assert _post(other, meeting, item, "Karins och Eriks text", 1).status_code == 303
    page = text_of(client.get(f"/moten/mote/{meeting.id}/minnesanteckningar/versioner?version=2").get_data(
        as_text=True))
    assert "Karins text" in page and "Karins och Eriks text" in page


def test_final_minutes_are_locked_and_a_correction_needs_a_reason(vagen, item, coordinator):
    meeting = vagen.meetings[0]
    minutes.save_minutes(meeting, content={"items": {str(item.id): {"notes": "Utkast"}}}, version=0,
                         by=coordinator)
    minutes.finalise(meeting, by=coordinator)
    with pytest.raises(minutes.MeetingError) as refused:
        minutes.save_minutes(meeting, content={"items": {str(item.id): {"notes": "Ändrat"}}}, version=1,
                             by=coordinator)
    assert refused.value.errors[0][0] == "reason"
    correction = minutes.save_minutes(meeting, content={"items": {str(item.id): {"notes": "Rättat"}}}, version=1,
                                      reason="Fel datum i punkt 1", by=coordinator)
    assert correction.number == 2 and correction.correction_reason == "Fel datum i punkt 1"
    assert minutes.minutes_of(meeting).is_final
    with pytest.raises(minutes.MeetingError, match="redan fastställda"):
        minutes.finalise(meeting, by=coordinator)


def test_editing_final_minutes_without_a_reason_keeps_the_typed_text(client, login, vagen, item, coordinator):
    meeting = vagen.meetings[0]
    minutes.save_minutes(meeting, content={}, version=0, by=coordinator)
    minutes.finalise(meeting, by=coordinator)
    db.session.commit()
    login(coordinator)
    response = _post(client, meeting, item, "Min rättelse som inte får försvinna", 1)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Min rättelse som inte får försvinna" in html and "Ange varför" in text_of(html)


def test_a_member_without_minutes_write_cannot_write(client, login, vagen, item, ami_worker):
    with pytest.raises(NotPermitted):
        minutes.save_minutes(vagen.meetings[0], content={}, version=0, by=ami_worker)
    login(ami_worker)
    assert client.get(f"/moten/mote/{vagen.meetings[0].id}/minnesanteckningar/skriv").status_code == 403


def test_control_characters_are_dropped_and_other_items_ignored(vagen, item, coordinator):
    revision = minutes.save_minutes(vagen.meetings[0], content={"items": {
        str(item.id): {"notes": "Rad\x07 ett\x1b"}, "99999": {"notes": "Främmande"}}}, version=0, by=coordinator)
    assert revision.content["items"] == {str(item.id): {"notes": "Rad ett", "decision": ""}}


def test_sending_final_minutes_tells_members_with_a_link_only(vagen, item, coordinator):
    from portal.notifications import Notice

    meeting = vagen.meetings[0]
    with pytest.raises(minutes.MeetingError, match="fastställda"):
        minutes.send_minutes(meeting, by=coordinator)
    minutes.save_minutes(meeting, content={}, version=0, by=coordinator)
    minutes.finalise(meeting, by=coordinator)
    minutes.send_minutes(meeting, by=coordinator)
    notices = db.session.scalars(select(Notice).where(Notice.key.like(f"minutes-sent-{meeting.id}-%"))).all()
    assert len(notices) == len(vagen.member_org_ids)


def test_action_items_are_carried_forward_until_done(client, login, vagen, coordinator, ami_worker, orgs):
    first, second, third = vagen.meetings[:3]
    action = minutes.add_action(first, what="Boka trepartssamtal", owner_org_id=orgs["ami"].id,
                                due_on=today() + timedelta(days=5), by=coordinator)
    db.session.commit()
    login(ami_worker)
    assert "Boka trepartssamtal" in text_of(client.get(f"/moten/mote/{second.id}").get_data(as_text=True))
    assert "Boka trepartssamtal" in text_of(client.get(f"/moten/mote/{third.id}").get_data(as_text=True))
    start = text_of(client.get("/").get_data(as_text=True))
    assert "Mina åtaganden" in start and "1 åtagande från möten" in start
    mine = text_of(client.get("/moten/mina-ataganden").get_data(as_text=True))
    assert "Boka trepartssamtal" in mine
    assert client.post(f"/moten/atgard/{action.id}/klar", data={"klar": "1"}).status_code == 303
    assert "Boka trepartssamtal" not in text_of(client.get(f"/moten/mote/{third.id}").get_data(as_text=True))
    assert "Boka trepartssamtal" not in text_of(client.get("/moten/mina-ataganden").get_data(as_text=True))


def test_an_action_item_is_closed_only_by_its_owner_or_a_coordinator(client, login, vagen, coordinator, make_user,
                                                                     orgs):
    action = minutes.add_action(vagen.meetings[0], what="Ta fram statistik", owner_org_id=orgs["ami"].id,
                                by=coordinator)
    db.session.commit()
    login(make_user(org="af", roles=("handlaggare",)))
    assert client.post(f"/moten/atgard/{action.id}/klar", data={"klar": "1"}).status_code == 403
    assert not action.is_done


@pytest.mark.parametrize("values, field", [
    (dict(what=""), "what"),
    (dict(what="X", owner_org_id="999999"), "owner_org_id"),
    (dict(what="X"), "owner_user_id"),
    (dict(what="X", owner_user_id="abc"), "owner_user_id"),
])
def test_bad_action_items_are_refused_beside_their_field(vagen, coordinator, values, field):
    with pytest.raises(minutes.MeetingError) as refused:
        minutes.add_action(vagen.meetings[0], by=coordinator, **values)
    assert field in [f for f, _ in refused.value.errors]
