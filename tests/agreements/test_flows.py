"""Each page's one flow when all is well: the change is made, recorded by the logged-in user, and the page says so."""
from __future__ import annotations

import io
from datetime import date

import agreements
from agreements import adoption
from agreements.models import Revision
from portal.db import db
from tests.agreements.helpers import url
from tests.helpers import events


def _follow(client, response) -> str:
    assert response.status_code in (302, 303), response.status_code
    return client.get(response.headers["Location"], follow_redirects=True).get_data(as_text=True)


def test_coordinator_works_a_draft_through_the_pages(lekeberg, client, login_as):
    user = login_as(org="kommun", roles=("samordnare",))
    draft = lekeberg.revisions[1]
    appendix = draft.appendices[0]
    assert "Bilagan är tillagd" in _follow(client, client.post(url(lekeberg, 2, "/bilagor"), data={
        "bilaga-number": "4", "bilaga-title": "Mötesplats Lekeberg"}))
    assert "Rutinen är tillagd" in _follow(client, client.post(
        url(lekeberg, 2, f"/bilagor/{appendix.id}/rutiner"), data={"title": "Rutin för Mötesplats"}))
    removed = next(s for s in draft.sections if s.key == "dokumentation")
    assert "är borttaget ur utkastet" in _follow(client, client.post(
        url(lekeberg, 2, f"/avsnitt/{removed.id}/ta-bort")))
    assert "Revisionen är föreslagen" in _follow(client, client.post(url(lekeberg, 2, "/foresla")))
    assert "tillbaka som utkast" in _follow(client, client.post(url(lekeberg, 2, "/till-utkast")))
    db.session.expire_all()
    draft = lekeberg.revisions[1]
    assert draft.is_draft and "Mötesplats Lekeberg" in [a.title for a in draft.appendices]
    assert "dokumentation" not in [s.key for s in draft.sections]
    for action in ("agreement.appendix.add", "agreement.routine.add", "agreement.section.remove",
                   "agreement.revision.propose", "agreement.revision.withdraw"):
        assert len(events(action, user_id=user.id)) == 1, action


def test_a_new_revision_after_adoption_through_the_page(proposed, client, make_user, login):

    adoption.adopt(proposed.revisions[1], adopted_on=date(2018, 1, 10), by=None)
    db.session.commit()
    coordinator = make_user(org="af", roles=("samordnare",))
    login(coordinator)
    response = client.post(url(proposed, None, "/revisioner/ny"))
    assert response.headers["Location"].endswith(url(proposed, 3, "/redigera"))
    assert "Revision 3 är skapad som utkast" in _follow(client, response)
    db.session.expire_all()
    third = db.session.scalars(db.select(Revision).filter_by(agreement_id=proposed.id, number=3)).one()
    assert third.created_by_id == coordinator.id


def test_steering_group_comments_and_adopts_and_a_coordinator_uploads_the_signed_copy(proposed, client, make_user,
                                                                                       login):
    member = make_user(org="ami", roles=("styrgrupp",))
    login(member)
    form = client.get(url(proposed, 2, "/anta"))
    assert form.status_code == 200 and 'name="adopted_on"' in form.get_data(as_text=True)
    response = client.post(url(proposed, 2, "/kommentarer"), data={"body": "  Bra förslag.  "})
    assert response.headers["Location"].endswith("#kommentarer")
    page = _follow(client, response)
    assert "Din kommentar är sparad" in page and "Bra förslag." in page
    assert "Den antas när även Arbetsförmedlingen Hallsberg" in _follow(client, client.post(
        url(proposed, 2, "/anta"), data={"adopted_on": "2018-01-15", "confirm_expired": "y"}))
    client.post("/logga-ut")
    af_member = make_user(org="af", roles=("styrgrupp",))
    login(af_member)
    assert "är antagen av alla parter" in _follow(client, client.post(
        url(proposed, 2, "/anta"), data={"adopted_on": "2018-01-15", "confirm_expired": "y"}))
    client.post("/logga-ut")
    login(make_user(org="kommun", roles=("samordnare",)))
    assert client.get(url(proposed, 2, "/underskriven-kopia")).status_code == 404  # nothing uploaded yet
    page = _follow(client, client.post(url(proposed, 2, "/underskriven-kopia"),
                                       data={"scan": (io.BytesIO(b"\x89PNG\r\n"), "underskrift.png")}))
    assert "Den underskrivna kopian är uppladdad" in page and "underskrift.png" in page
    download = client.get(url(proposed, 2, "/underskriven-kopia"))
    assert download.mimetype == "image/png" and download.data.startswith(b"\x89PNG")
    db.session.expire_all()
    revision = proposed.revisions[1]
    assert revision.is_adopted and revision.adopted_by_id == af_member.id
    [comment] = revision.comments
    assert (comment.author_id, comment.organisation_id) == (member.id, member.organisation_id)


def test_goals_through_the_pages(lekeberg, client, login_as):
    user = login_as(org="kommun", roles=("samordnare",))
    response = client.post(url(lekeberg, None, "/mal/nytt"), data={
        "indicator": "Deltagare i Mötesplats", "target_type": "milestone", "target_date": "2030-12-31"})
    assert "Målet är tillagt" in _follow(client, response)
    goal_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    assert "Delmålet är avbockat" in _follow(client, client.post(url(lekeberg, None, f"/mal/{goal_id}/avbockning"),
                                                                 data={"d-achieved_on": "2020-05-01"}))
    assert len(events("agreement.goal.create", user_id=user.id)) == 1
    assert len(events("agreement.goal.check", user_id=user.id)) == 1
    db.session.expire_all()
    # a goal added while a draft is open belongs to that draft, never to the adopted revision
    assert goal_id in [link.goal_id for link in lekeberg.revisions[1].goal_links]
    assert goal_id not in [link.goal_id for link in lekeberg.revisions[0].goal_links]


def test_compare_says_when_there_is_nothing_to_compare_and_404s_unknown_numbers(lekeberg, client, login_as):
    login_as(org="af", roles=("handlaggare",))  # reads only the adopted revision
    page = _follow(client, client.get(url(lekeberg, None, "/jamfor")))
    assert "det finns inget att jämföra med" in page
    client.post("/logga-ut")
    login_as(org="af", roles=("samordnare",))
    assert client.get(url(lekeberg, None, "/jamfor?fran=1&till=9")).status_code == 404
    assert client.get(url(lekeberg, None, "/jamfor?fran=1&till=2")).status_code == 200


def test_the_list_shows_the_agreements_of_the_users_organisation_and_its_kommun(lekeberg, orgs, other_org, client,
                                                                               login_as):
    assert agreements.agreements_for_organisation(orgs["skola"]) == [lekeberg]
    assert agreements.agreements_for_organisation(other_org) == []
    login_as(org="skola", roles=("handlaggare",))
    assert lekeberg.title in client.get("/overenskommelser/").get_data(as_text=True)


def test_the_demo_seeder_is_a_trusted_script_recorded_without_a_user(lekeberg):
    seeded = events("agreement.create") + events("agreement.revision.adopt") + events("agreement.goal.create")
    assert seeded and all(event.user_id is None for event in seeded)
