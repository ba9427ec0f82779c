"""Who may do what with a series: the role table (meeting.view/propose for handläggare, samordnare, styrgrupp;
manage and minutes for samordnare) and the record rules (a member organisation; a coordinator of the series)."""
from __future__ import annotations

import pytest

from meetings import rules
from portal.permissions import ROLE_PERMISSIONS

VIEW = ["/moten/{series}", "/moten/mote/{meeting}", "/moten/mote/{meeting}/minnesanteckningar",
        "/moten/mote/{meeting}/minnesanteckningar/versioner", "/moten/mote/{meeting}/dagordning.docx",
        "/moten/mote/{meeting}/kalender.ics"]
MANAGE = ["/moten/{series}/andra", "/moten/mote/{meeting}/flytta", "/moten/mote/{meeting}/minnesanteckningar/skriv",
          "/moten/mote/{meeting}/atgarder"]


def test_the_role_table():
    for role in ("handlaggare", "samordnare", "styrgrupp"):
        assert {"meeting.view", "meeting.propose"} <= ROLE_PERMISSIONS[role]
    assert {"meeting.manage", "minutes.write"} <= ROLE_PERMISSIONS["samordnare"]
    for role in ("handlaggare", "styrgrupp", "org_admin", "system_admin"):
        assert not {"meeting.manage", "minutes.write"} & ROLE_PERMISSIONS[role]
    for role in ("org_admin", "system_admin"):
        assert "meeting.view" not in ROLE_PERMISSIONS[role]


@pytest.mark.parametrize("who, view, manage", [
    (("ami", ("handlaggare",)), 200, 403),     # member organisation
    (("af", ("styrgrupp",)), 200, 403),        # member organisation, steering group
    (("ami", ("samordnare",)), 200, 403),      # member, coordinator role, but not this series' coordinator
    ("coordinator", 200, 200),
    (("skola", ("handlaggare",)), 403, 403),   # a unit of the kommun that is no member: units are kept apart
    (("skola", ("samordnare",)), 403, 403),
    (("ami", ("org_admin",)), 403, 403),       # no meeting permission
    (("kommun", ("system_admin",)), 403, 403),
])
def test_pages_by_role_and_membership(client, login, make_user, vagen, coordinator, who, view, manage):
    user = coordinator if who == "coordinator" else make_user(org=who[0], roles=who[1])
    login(user)
    ids = {"series": vagen.id, "meeting": vagen.meetings[0].id}
    for url in VIEW:
        assert client.get(url.format(**ids)).status_code == view, url
    for url in MANAGE:
        assert client.get(url.format(**ids)).status_code == manage, url


def test_the_list_shows_only_the_series_of_ones_organisation(client, login, make_user, vagen):
    login(make_user(org="skola", roles=("handlaggare",)))
    assert "Vägen" not in client.get("/moten/").get_data(as_text=True)
    other = client.application.test_client()
    login(make_user(org="ifo", roles=("handlaggare",)), client=other)
    assert "Vägen" in other.get("/moten/").get_data(as_text=True)


def test_rules_ask_membership_and_coordination(vagen, coordinator, make_user):
    member = make_user(org="ifo", roles=("handlaggare",))
    outsider = make_user(org="skola", roles=("handlaggare",))
    assert rules.can_view(member, vagen) and rules.can_propose(member, vagen)
    assert not rules.can_manage(member, vagen) and not rules.can_write_minutes(member, vagen)
    assert not rules.can_view(outsider, vagen) and not rules.can_propose(outsider, vagen)
    assert rules.can_manage(coordinator, vagen) and rules.can_write_minutes(coordinator, vagen)
    assert not rules.can_view(None, vagen)


def test_refusals_are_audited(client, login, make_user, vagen):
    from tests.helpers import count_events

    login(make_user(org="skola", roles=("handlaggare",)))
    before = count_events("access.denied")
    assert client.get(f"/moten/mote/{vagen.meetings[0].id}").status_code == 403
    assert count_events("access.denied") == before + 1
