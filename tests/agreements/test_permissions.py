"""Who may read, revise, adopt and comment: anonymous, each role, other organisations, a kommun's units."""
from __future__ import annotations

import pytest

from agreements import operations as ops
from portal.auth import operations as accounts
from portal.db import db
from portal.orgs import create_organisation
from tests.agreements.helpers import url
from tests.helpers import PASSWORD

ROLES = ["handlaggare", "samordnare", "styrgrupp", "org_admin", "system_admin"]


def _user(orgs, org, role):
    organisation = orgs[org]
    user = accounts.create_user(email=f"{role}.{org}@test.example", name=role, organisation=organisation,
                                roles=[role], password=PASSWORD, by=None)
    db.session.commit()
    return user


def test_anonymous_is_sent_to_login(lekeberg, client):
    for target in (url(lekeberg), url(lekeberg, 1), url(lekeberg, 2, "/redigera"), url(lekeberg, 1, "/dokument.docx")):
        response = client.get(target)
        assert response.status_code == 302 and "/logga-in" in response.headers["Location"]
    response = client.post(url(lekeberg, 2, "/foresla"))
    assert response.status_code == 302 and "/logga-in" in response.headers["Location"]


@pytest.mark.parametrize("role, may_revise", [(r, r == "samordnare") for r in ROLES])
def test_revise_matrix(lekeberg, client, orgs, role, may_revise, login):
    login(_user(orgs, "kommun", role))
    edit = client.get(url(lekeberg, 2, "/redigera"))
    assert edit.status_code == (200 if may_revise else 403)
    propose = client.post(url(lekeberg, 2, "/foresla"))
    assert propose.status_code == (302 if may_revise else 403)
    db.session.expire_all()
    assert lekeberg.revisions[1].state == ("proposed" if may_revise else "draft")


@pytest.mark.parametrize("role, may_adopt", [(r, r == "styrgrupp") for r in ROLES])
def test_adopt_matrix(lekeberg, client, orgs, role, may_adopt, login):
    ops.propose(lekeberg.revisions[1], by=None)
    db.session.commit()
    login(_user(orgs, "af", role))
    response = client.post(url(lekeberg, 2, "/anta"), data={"adopted_on": "2018-01-10", "confirm_expired": "y"})
    assert response.status_code == (302 if may_adopt else 403)
    db.session.expire_all()
    # one party approved; the revision waits for the other (the kommun) before it is adopted
    assert [a.party.name for a in lekeberg.revisions[1].approvals] == (["Arbetsförmedlingen Hallsberg"] if may_adopt
                                                                       else [])
    assert lekeberg.revisions[1].state == "proposed"


@pytest.mark.parametrize("role, status", [("handlaggare", 200), ("samordnare", 200), ("styrgrupp", 200),
                                          ("org_admin", 200), ("system_admin", 403)])
def test_staff_of_parties_read_adopted_revisions(lekeberg, client, orgs, role, status, login):
    login(_user(orgs, "af", role))
    assert client.get(url(lekeberg, 1)).status_code == status


def test_drafts_are_not_shown_to_caseworkers(lekeberg, client, orgs, login):
    login(_user(orgs, "kommun", "handlaggare"))
    assert client.get(url(lekeberg, 2)).status_code == 403
    assert client.get(url(lekeberg, 2, "/dokument.docx")).status_code == 403
    page = client.get(url(lekeberg)).get_data(as_text=True)
    assert "Revision 1" in page and "Revision 2" not in page


def test_units_of_a_party_kommun_count_as_its_staff(lekeberg, client, orgs, login):
    """AMI is a unit of Lekebergs kommun: its coordinator may revise (see agreements.rules.can_see)."""
    login(_user(orgs, "ami", "samordnare"))
    assert client.get(url(lekeberg, 2, "/redigera")).status_code == 200


def test_other_organisations_see_nothing(lekeberg, client, orgs, login):
    other = create_organisation(name="Örebro kommun", code="orebro", kind="kommun", orgnr="212000-1967", by=None)
    db.session.commit()
    orgs = {**orgs, "other": other}
    login(_user(orgs, "other", "samordnare"))
    assert client.get(url(lekeberg)).status_code == 403
    assert client.get(url(lekeberg, 1)).status_code == 403
    assert client.get(url(lekeberg, 2, "/redigera")).status_code == 403
    assert lekeberg.title not in client.get("/overenskommelser/").get_data(as_text=True)


def test_comment_only_by_steering_group_on_proposed(lekeberg, client, orgs, login):
    login(_user(orgs, "kommun", "styrgrupp"))
    assert client.post(url(lekeberg, 2, "/kommentarer"), data={"body": "x"}).status_code == 403  # still a draft
    ops.propose(lekeberg.revisions[1], by=None)
    db.session.commit()
    assert client.post(url(lekeberg, 2, "/kommentarer"), data={"body": "x"}).status_code == 302
    client.post("/logga-ut")
    login(_user(orgs, "kommun", "samordnare"))
    assert client.post(url(lekeberg, 2, "/kommentarer"), data={"body": "x"}).status_code == 403


def test_missing_things_are_404(lekeberg, client, orgs, login):
    login(_user(orgs, "kommun", "samordnare"))
    assert client.get("/overenskommelser/9999").status_code == 404
    assert client.get(url(lekeberg, 99)).status_code == 404
    assert client.get(url(lekeberg, None, "/mal/9999")).status_code == 404
