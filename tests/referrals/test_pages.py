"""The referral pages as a user meets them: send from the form, open and accept, decline, close, the inbox."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from portal.db import db
from referrals.models import Referral
from tests.people import factories as f
from tests.referrals import helpers as h


def _form_key(page: str) -> str:
    return re.search(r'name="form_key"[^>]*value="([^"]+)"', page).group(1)


def _version(page: str, prefix: str) -> str:
    return re.search(rf'name="{prefix}-version"[^>]*value="(\d+)"', page).group(1)


def _new_referral(client, to_org, person, **changes):
    page = client.get("/remisser/ny").get_data(as_text=True)
    data = {"type": "overlamning", "to_org_id": str(to_org.id), "person_number": person.id_number,
            "categories": ["utbildning"], "reason": "Behöver stöd med studier.",
            "help_requested": "Studievägledning.", "urgency": "normal", "form_key": _form_key(page), "skicka": "1"}
    data.update(changes)
    return data


def test_send_from_the_form_then_the_receiver_opens_accepts_and_closes(app, client, orgs, make_user, login):
    af = make_user(org="af")
    ami = make_user(org="ami")
    person = h.consented_person(af, orgs["ami"])
    login(af)
    response = client.post("/remisser/ny", data=_new_referral(client, orgs["ami"], person), follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page[:2000]
    assert "är skickad till Lekebergs kommun, AMI" in page
    assert "Bygger på samtycke nr" in page
    referral = db.session.scalars(select(Referral)).one()
    assert referral.state == "submitted"

    client = app.test_client()
    login(ami, client=client)
    page = client.get(f"/remisser/{referral.id}").get_data(as_text=True)
    assert "Mottagen" in page and "Elsa Lindqvist" in page and "Behöver stöd med studier." in page
    response = client.post(f"/remisser/{referral.id}/steg/accept",
                           data={"accept-version": _version(page, "accept")}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Remissen är accepterad." in page
    response = client.post(f"/remisser/{referral.id}/avsluta", data={
        "close-version": _version(page, "close"), "close-outcome": "studier", "close-outcome_note": "Börjar i höst."},
        follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Remissen är avslutad." in page and "Börjar i höst." in page
    assert db.session.get(Referral, referral.id).state == "closed"


def test_the_inbox_lists_incoming_with_the_person_through_the_gate(client, orgs, make_user, login):
    af = make_user(org="af")
    ami = make_user(org="ami")
    h.sent(af, orgs["ami"], h.consented_person(af, orgs["ami"]))
    login(ami)
    page = client.get("/remisser/").get_data(as_text=True)
    assert "R-0" in page and "Elsa Lindqvist" in page and "Från Arbetsförmedlingen Hallsberg" in page
    assert "Skickad: 1" in page


def test_double_submit_makes_one_referral(client, orgs, make_user, login):
    af = make_user(org="af")
    person = h.consented_person(af, orgs["ami"])
    login(af)
    data = _new_referral(client, orgs["ami"], person)
    first = client.post("/remisser/ny", data=data)
    second = client.post("/remisser/ny", data=data)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(select(func.count(Referral.id))) == 1


def test_person_page_links_to_a_new_referral_with_the_person_chosen(client, orgs, make_user, login):
    af = make_user(org="af")
    person = f.person(af)
    login(af)
    page = client.get(f"/deltagare/{person.ref}").get_data(as_text=True)
    assert f'/remisser/ny?deltagare={person.ref}' in page and "Skicka remiss" in page
    page = client.get(f"/remisser/ny?deltagare={person.ref}").get_data(as_text=True)
    assert "Elsa Lindqvist" in page and f'value="{person.ref}"' in page
