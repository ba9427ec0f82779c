"""Every agreement page opens without error for the roles that use it; party persons can be added."""
from __future__ import annotations

from agreements import operations as ops
from portal.db import db
from tests.agreements.helpers import url


def _pages(agreement):
    pages = [url(agreement), "/overenskommelser/", url(agreement, None, "/jamfor"), url(agreement, 1),
             url(agreement, 2), url(agreement, 1, "/dokument.docx")]
    pages += [url(agreement, None, f"/mal/{g.id}") for g in agreement.goals]
    return pages


def test_coordinator_pages(lekeberg, client, login_as):
    login_as(org="kommun", roles=("samordnare",))
    for page in [*_pages(lekeberg), url(lekeberg, 2, "/redigera"), url(lekeberg, 2, "/importera"),
                 url(lekeberg, None, "/mal/nytt"), "/overenskommelser/ny"]:
        assert client.get(page).status_code == 200, page


def test_steering_group_pages(lekeberg, client, login_as):
    ops.propose(lekeberg.revisions[1], by=None)
    db.session.commit()
    login_as(org="af", roles=("styrgrupp",))
    for page in [*_pages(lekeberg), url(lekeberg, 2, "/anta")]:
        assert client.get(page).status_code == 200, page
    html = client.get(url(lekeberg, 2)).get_data(as_text=True)
    assert "Godkänn för Arbetsförmedlingen Hallsberg" in html and "Skicka kommentar" in html


def test_add_party_person(lekeberg, client, login_as):
    login_as(org="kommun", roles=("samordnare",))
    party = lekeberg.parties[1]
    bad = client.post(url(lekeberg, None, "/personer"), data={"person-party": str(party.id), "person-name": "",
                                                              "person-title": "sektionschef"})
    assert bad.status_code == 400 and "Ange personens namn" in bad.get_data(as_text=True)
    assert 'value="sektionschef"' in bad.get_data(as_text=True)
    ok = client.post(url(lekeberg, None, "/personer"), data={"person-party": str(party.id),
                                                             "person-name": "Eva Ny", "person-is_contact": "y"})
    assert ok.status_code == 302
    assert "Eva Ny" in client.get(url(lekeberg)).get_data(as_text=True)


def test_adopted_revision_shows_frozen_goal_wording(lekeberg, client, login_as):
    goal = lekeberg.goals[0]
    goal.indicator = "Ändrad formulering efter antagandet"
    db.session.commit()
    login_as(org="kommun", roles=("samordnare",))
    adopted = client.get(url(lekeberg, 1)).get_data(as_text=True)
    draft = client.get(url(lekeberg, 2)).get_data(as_text=True)
    assert "Arbetslöshet bland ungdomar i Lekebergs kommun" in adopted
    assert "Ändrad formulering efter antagandet" not in adopted
    assert "Ändrad formulering efter antagandet" in draft


def test_adding_a_section_or_appendix_without_title_is_refused_beside_the_field(lekeberg, client, login_as):
    login_as(org="kommun", roles=("samordnare",))
    empty_section = client.post(url(lekeberg, 2, "/avsnitt"), data={"ny-title": ""})
    assert empty_section.status_code == 400
    assert "Ange en rubrik." in empty_section.get_data(as_text=True)
    empty_appendix = client.post(url(lekeberg, 2, "/bilagor"), data={"bilaga-number": "4", "bilaga-title": ""})
    body = empty_appendix.get_data(as_text=True)
    assert empty_appendix.status_code == 400
    assert "Ange bilagans rubrik." in body and 'value="4"' in body
    added = client.post(url(lekeberg, 2, "/avsnitt"), data={"ny-title": "Nyanlända"})
    assert added.status_code == 302
    assert "Nyanlända" in client.get(url(lekeberg, 2, "/redigera")).get_data(as_text=True)


def test_adopted_revision_takes_no_new_section(lekeberg, client, login_as):
    login_as(org="kommun", roles=("samordnare",))
    response = client.post(url(lekeberg, 1, "/avsnitt"), data={"ny-title": "Sent tillägg"})
    assert response.status_code == 302
    assert "inte ett utkast" in client.get(response.headers["Location"]).get_data(as_text=True)
