"""Who sees which referral: every role of every organisation gets exactly its side's referrals in the inbox and
on their pages; the steering group and the admins get 403. Statement counts of the inbox and the start cards."""
from __future__ import annotations

import re

import pytest

from portal.db import db
from portal.permissions import ROLE_PERMISSIONS
from referrals import operations as ops
from tests.people import factories as f
from tests.referrals import helpers as h

ORGS = ("kommun", "ami", "ifo", "skola", "af")


@pytest.fixture
def world(orgs, make_user):
    """Referrals between the organisations in several states, one of each kind of basis."""
    af, ami, skola, ifo = (make_user(org=o) for o in ("af", "ami", "skola", "ifo"))
    made = {
        "af→ami received": h.received(af, orgs["ami"], ami, h.consented_person(af, orgs["ami"])),
        "af→ami draft": h.draft(af, orgs["ami"], h.consented_person(af, orgs["ami"], first="Ella")),
        "skola→kommun studieavbrott": h.sent(skola, orgs["kommun"], f.person(skola, first="Sam"),
                                              type="studieavbrott", categories=()),
        "ami→ifo konsultation": h.sent(ami, orgs["ifo"], None, type="konsultation", categories=(),
                                       reason="Hur gör vi med en ung person som inte kommer till skolan?",
                                       help_requested="Råd."),
        "skola→ifo orosanmälan": h.received(skola, orgs["ifo"], ifo, f.person(skola, first="Alva"),
                                            type="orosanmalan", categories=()),
    }
    return made


def _refs(page: str) -> set[str]:
    return set(re.findall(r'href="/remisser/\d+">(R-\d{6})</a>', page))


@pytest.mark.parametrize("org", ORGS)
@pytest.mark.parametrize("role", sorted(ROLE_PERMISSIONS))
def test_each_role_of_each_organisation_sees_exactly_its_referrals(client, orgs, world, login_as, org, role):
    login_as(org=org, roles=(role,))
    org_id = orgs[org].id
    inbox = client.get("/remisser/")
    if "referral.view" not in ROLE_PERMISSIONS[role]:
        assert inbox.status_code == 403
        assert all(client.get(f"/remisser/{r.id}").status_code == 403 for r in world.values())
        return
    incoming = {r.reference for r in world.values() if r.to_org_id == org_id and r.state != "draft"}
    outgoing = {r.reference for r in world.values() if r.from_org_id == org_id}
    assert _refs(inbox.get_data(as_text=True)) == incoming
    assert _refs(client.get("/remisser/?lada=utgaende").get_data(as_text=True)) == outgoing
    for r in world.values():
        expected = 200 if r.reference in incoming | outgoing else 403
        assert client.get(f"/remisser/{r.id}").status_code == expected, r.reference


def test_a_kommun_does_not_see_its_units_referrals(client, orgs, world, login_as):
    login_as(org="kommun", roles=("samordnare",))
    page = client.get("/remisser/").get_data(as_text=True)
    assert _refs(page) == {world["skola→kommun studieavbrott"].reference}
    assert "Sam Lindqvist" in page  # the duty to inform opens the identity to the home municipality


def test_the_consultation_shows_no_person(client, orgs, world, login_as):
    login_as(org="ifo")
    page = client.get("/remisser/").get_data(as_text=True)
    assert "Ingen person (anonym konsultation)" in page


def test_withdrawn_consent_shows_the_pseudonym_and_hides_the_senders_part(client, orgs, world, make_user, login):
    from portal.people import consent as consents

    r = world["af→ami received"]
    consents.withdraw_consent(r.consent, by=r.created_by, reason="Den unge ångrade sig.")
    db.session.commit()
    login(make_user(org="ami"))
    page = client.get(f"/remisser/{r.id}").get_data(as_text=True)
    assert "Samtycket gäller inte längre" in page
    assert "Behöver stöd att hitta praktik." not in page and "Elsa" not in page
    inbox = client.get("/remisser/").get_data(as_text=True)
    assert "Elsa" not in inbox and "Deltagare " in inbox


def test_filters_search_and_a_page_past_the_end(client, orgs, world, make_user, login):
    af = world["af→ami received"].created_by
    login(af)
    assert _refs(client.get("/remisser/?lada=utgaende&status=draft").get_data(as_text=True)) == {
        world["af→ami draft"].reference}
    number = world["af→ami received"].reference
    found = client.post("/remisser/", data={"lada": "utgaende", "q": number.lower()}).get_data(as_text=True)
    assert _refs(found) == {number}
    by_name = client.post("/remisser/", data={"lada": "utgaende", "q": "ella"}).get_data(as_text=True)
    assert _refs(by_name) == {world["af→ami draft"].reference}
    past = client.get("/remisser/?lada=utgaende&sida=99")
    assert past.status_code == 200 and len(_refs(past.get_data(as_text=True))) == 2


def test_a_name_the_gate_does_not_open_is_not_found(client, orgs, world, make_user, login):
    """IFO sees Alva through the duty to inform, but not Elsa, whom only AF and AMI share."""
    login(make_user(org="ifo"))
    assert _refs(client.post("/remisser/", data={"q": "Elsa"}).get_data(as_text=True)) == set()
    assert _refs(client.post("/remisser/", data={"q": "alva"}).get_data(as_text=True)) == {
        world["skola→ifo orosanmälan"].reference}


def _send_many(af, ami_org, n: int) -> None:
    people = [h.consented_person(af, ami_org, first=f"Namn{i}") for i in range(3)]
    for i in range(n):
        h.sent(af, ami_org, people[i % 3])


@pytest.mark.parametrize("box", ["inkommande", "utgaende"])
def test_the_inbox_costs_the_same_statements_with_10_and_100(client, orgs, make_user, login, count_queries, box):
    from portal.auth.models import User
    from portal.orgs import Organisation

    af_id = make_user(org="af").id
    ami_id = make_user(org="ami", roles=("samordnare",)).id
    ami_org = orgs["ami"].id
    counts = []
    for n in (10, 90):
        _send_many(db.session.get(User, af_id), db.session.get(Organisation, ami_org), n)
        login(db.session.get(User, af_id if box == "utgaende" else ami_id))
        db.session.expunge_all()
        with count_queries() as counted:
            response = client.get(f"/remisser/?lada={box}")
        assert response.status_code == 200
        counts.append(counted[0])
    assert counts[0] == counts[1], counts


def test_start_cards_count_waiting_and_overdue(client, orgs, make_user, login, count_queries, monkeypatch):
    from datetime import timedelta

    import referrals.inbox
    import referrals.worklist
    from portal.clock import today

    af = make_user(org="af")
    ami = make_user(org="ami")
    r = h.sent(af, orgs["ami"], h.consented_person(af, orgs["ami"]))
    login(ami)
    page = client.get("/").get_data(as_text=True)
    assert "Remisser att ta emot" in page and "1 remiss väntar på att tas emot eller besvaras." in page
    assert "Försenade remisser" not in page
    later = r.due_on + timedelta(days=1)
    monkeypatch.setattr(referrals.worklist, "today", lambda: later)
    monkeypatch.setattr(referrals.inbox, "today", lambda: later)
    page = client.get("/").get_data(as_text=True)
    assert "1 remiss har passerat sista svarsdagen." in page
    overdue = client.get("/remisser/?svar=forsenad").get_data(as_text=True)
    assert r.reference in overdue and "Försenad" in overdue
    assert today() < later
    ops.accept(ops.receive_on_open(r, by=ami) and r, by=ami)
    db.session.commit()
    assert "Försenade remisser" not in client.get("/").get_data(as_text=True)


def test_the_start_cards_cost_the_same_statements_with_2_and_20_referrals(client, orgs, make_user, login,
                                                                          count_queries):
    from portal.auth.models import User
    from portal.orgs import Organisation

    af_id, ami_id, ami_org = make_user(org="af").id, make_user(org="ami").id, orgs["ami"].id
    counts = []
    for n in (2, 18):
        _send_many(db.session.get(User, af_id), db.session.get(Organisation, ami_org), n)
        login(db.session.get(User, ami_id))
        db.session.expunge_all()
        with count_queries() as counted:
            page = client.get("/").get_data(as_text=True)
        assert "Remisser att ta emot" in page
        counts.append(counted[0])
    assert counts[0] == counts[1], counts
