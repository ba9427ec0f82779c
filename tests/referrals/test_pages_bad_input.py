"""Every bad input of the issue through the pages: a Swedish message beside its field, no 500, what was typed kept,
no duplicate."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from portal.db import db
from portal.orgs import update_organisation
from referrals import operations as ops
from referrals.models import Referral, ReferralAttachment
from tests.people import factories as f
from tests.referrals import helpers as h

PDF = b"%PDF-1.4\n% a small file\n"


def _form(client, to_org, person, **changes):
    page = client.get("/remisser/ny").get_data(as_text=True)
    key = re.search(r'name="form_key"[^>]*value="([^"]+)"', page).group(1)
    data = {"type": "overlamning", "to_org_id": str(to_org.id), "person_number": person.id_number if person else "",
            "categories": ["utbildning"], "reason": "Skälet som skrevs in.", "help_requested": "Hjälpen som skrevs.",
            "urgency": "normal", "form_key": key, "skicka": "1"}
    data.update(changes)
    return data


def _error_beside(page: str, field: str) -> str:
    found = re.search(rf'<p class="field-error" id="{field}-fel">\s*(.*?)</p>', page, re.S)
    assert found, f"no error beside {field}"
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


def _count() -> int:
    return db.session.scalar(select(func.count(Referral.id)))


@pytest.fixture
def af(make_user, login, orgs):
    user = make_user(org="af")
    login(user)
    return user


def test_to_own_organisation(client, af, orgs):
    person = h.consented_person(af, orgs["ami"])
    response = client.post("/remisser/ny", data=_form(client, orgs["af"], person))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "annan organisation än er egen" in page
    assert "Skälet som skrevs in." in page and "Hjälpen som skrevs." in page
    assert _count() == 0


def test_to_an_inactive_organisation(client, af, orgs):
    person = h.consented_person(af, orgs["ami"])
    data = _form(client, orgs["ami"], person)
    ami = orgs["ami"]
    update_organisation(ami, name=ami.name, kind=ami.kind, orgnr=ami.orgnr, parent=ami.parent, is_active=False,
                        by=None)
    db.session.commit()
    response = client.post("/remisser/ny", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "är inte längre aktiv" in _error_beside(page, "to_org_id")
    assert _count() == 0


def test_without_a_reason_every_problem_at_once(client, af, orgs):
    person = h.consented_person(af, orgs["ami"])
    response = client.post("/remisser/ny", data=_form(client, orgs["ami"], person, reason="", help_requested="",
                                                      categories=[]))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert _error_beside(page, "reason") == "Skriv varför remissen skickas."
    assert "Skriv vilket stöd" in _error_beside(page, "help_requested")
    assert "Välj vilka slags uppgifter" in _error_beside(page, "categories")
    assert _count() == 0


def test_without_consent_the_refusal_stands_beside_the_person(client, af, orgs):
    person = f.person(af)
    response = client.post("/remisser/ny", data=_form(client, orgs["ami"], person))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Det finns inget samtycke" in _error_beside(page, "person_number")
    assert "Skälet som skrevs in." in page
    assert _count() == 0


def test_a_number_held_only_elsewhere_answers_as_an_unknown_one(client, af, orgs, make_user):
    other = make_user(org="ami")
    theirs = f.person(other)
    unknown = f.pnr(f.born(20), "977")
    known = _error_beside(client.post("/remisser/ny", data=_form(client, orgs["ami"], theirs)).get_data(
        as_text=True), "person_number")
    never = _error_beside(client.post("/remisser/ny", data=_form(client, orgs["ami"], None,
                                                                 person_number=unknown)).get_data(as_text=True),
                          "person_number")
    assert known == never and "Ni har ingen deltagare registrerad" in known


@pytest.mark.parametrize(("content", "name", "words"), [
    (b"MZ\x90\x00 not a document", "program.pdf", "måste vara en PDF, JPEG, PNG eller Word"),
    (b"%PDF-" + b"x" * (10 * 1024 * 1024), "stor.pdf", "för stor"),
])
def test_a_wrong_file_is_refused_beside_the_field(client, af, orgs, content, name, words):
    person = h.consented_person(af, orgs["ami"])
    data = _form(client, orgs["ami"], person)
    data["attachment"] = (io.BytesIO(content), name)
    response = client.post("/remisser/ny", data=data, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert words in _error_beside(page, "attachment")
    assert _count() == 0


def test_a_good_file_is_sent_and_downloaded_with_its_name(client, af, orgs, app, make_user, login):
    person = h.consented_person(af, orgs["ami"])
    data = _form(client, orgs["ami"], person)
    data["attachment"] = (io.BytesIO(PDF), "Utredning åäö.pdf")
    response = client.post("/remisser/ny", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    row = db.session.scalars(select(ReferralAttachment)).one()
    receiver = app.test_client()
    login(make_user(org="ami"), client=receiver)
    page = receiver.get(f"/remisser/{row.referral_id}").get_data(as_text=True)
    assert "Utredning åäö.pdf" in page
    download = receiver.get(f"/remisser/{row.referral_id}/bilagor/{row.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "filename*=UTF-8''Utredning%20%C3%A5%C3%A4%C3%B6.pdf" in download.headers["Content-Disposition"]
    stranger = app.test_client()
    login(make_user(org="ifo"), client=stranger)
    assert stranger.get(f"/remisser/{row.referral_id}/bilagor/{row.id}").status_code == 403
    assert receiver.get(f"/remisser/{row.referral_id}/bilagor/{row.id + 1}").status_code == 404


def test_a_consultation_with_a_personnummer_in_the_text(client, af, orgs):
    data = _form(client, orgs["ami"], None, type="konsultation", categories=[],
                 reason="Gäller 20070412-1234 som vi oroar oss för.")
    response = client.post("/remisser/ny", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "personnummer" in _error_beside(page, "reason")
    assert _count() == 0


def test_a_forbidden_transition_names_the_state(client, orgs, make_user, login, app):
    af = make_user(org="af")
    ami = make_user(org="ami")
    r = h.received(af, orgs["ami"], ami, h.consented_person(af, orgs["ami"]))
    version = r.version
    ops.withdraw(r, by=af)
    db.session.commit()
    login(ami)
    response = client.post(f"/remisser/{r.id}/steg/accept", data={"accept-version": str(r.version)})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Remissen är återtagen och kan inte längre accepteras." in page
    stale = client.post(f"/remisser/{r.id}/avboj", data={"decline-version": str(version),
                                                         "decline-decline_reason": "Vi har inte plats."})
    page = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert "Den är nu återtagen" in page and "Vi har inte plats." in page


def test_an_orosanmalan_cannot_be_declined(client, orgs, make_user, login):
    skola = make_user(org="skola")
    ifo = make_user(org="ifo")
    r = h.received(skola, orgs["ifo"], ifo, f.person(skola), type="orosanmalan", categories=())
    login(ifo)
    page = client.get(f"/remisser/{r.id}").get_data(as_text=True)
    assert "/avboj" not in page and "Avsluta" in page
    response = client.post(f"/remisser/{r.id}/avboj", data={"decline-version": str(r.version),
                                                             "decline-decline_reason": "Nej."})
    assert response.status_code == 400
    assert "kan inte längre avböjas" in response.get_data(as_text=True)


def test_a_stale_accept_shows_the_state_now(client, orgs, make_user, login):
    af = make_user(org="af")
    ami = make_user(org="ami")
    r = h.received(af, orgs["ami"], ami, h.consented_person(af, orgs["ami"]))
    login(ami)
    response = client.post(f"/remisser/{r.id}/steg/accept", data={"accept-version": str(r.version - 1)})
    assert response.status_code == 409
    assert "Den är nu mottagen" in response.get_data(as_text=True)
    assert db.session.get(Referral, r.id).state == "received"


def test_an_assignee_from_another_organisation(client, orgs, make_user, login):
    af = make_user(org="af")
    coordinator = make_user(org="ami", roles=("samordnare",))
    outsider = make_user(org="ifo")
    r = h.received(af, orgs["ami"], coordinator, h.consented_person(af, orgs["ami"]))
    login(coordinator)
    response = client.post(f"/remisser/{r.id}/tilldela", data={"assign-version": str(r.version),
                                                                "assign-assignee_id": str(outsider.id)})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Välj en handläggare på Lekebergs kommun, AMI" in _error_beside(page, "assign-assignee_id")
    assert db.session.get(Referral, r.id).assignee_id is None


def test_a_stale_draft_edit_keeps_the_text(client, af, orgs):
    person = h.consented_person(af, orgs["ami"])
    r = h.draft(af, orgs["ami"], person)
    page = client.get(f"/remisser/{r.id}/andra").get_data(as_text=True)
    version = re.search(r'name="version"[^>]*value="(\d+)"', page).group(1)
    ops.save_draft(r, by=af, type="overlamning", to_org_id=orgs["ami"].id, person=person, categories=["utbildning"],
                   reason="Någon annans ändring.", help_requested="Annat.")
    db.session.commit()
    data = _form(client, orgs["ami"], person, reason="Min nya text.", version=version, skicka="", utkast="1")
    response = client.post(f"/remisser/{r.id}/andra", data=data)
    assert response.status_code == 409
    assert "Min nya text." in response.get_data(as_text=True)


def test_a_comment_with_control_characters_is_kept_clean(client, orgs, make_user, login):
    af = make_user(org="af")
    ami = make_user(org="ami")
    r = h.received(af, orgs["ami"], ami, h.consented_person(af, orgs["ami"]))
    login(ami)
    response = client.post(f"/remisser/{r.id}/kommentar", data={"comment-body": "Hej\x07 där\u202e"},
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Kommentaren är sparad." in page
    assert db.session.get(Referral, r.id).comments[0].body == "Hej där"
    empty = client.post(f"/remisser/{r.id}/kommentar", data={"comment-body": "  "})
    assert empty.status_code == 400 and "Skriv en kommentar." in empty.get_data(as_text=True)


def test_a_draft_sent_twice_from_its_edit_form_is_sent_once_without_a_refusal(client, af, orgs):
    # A double click on "Skicka": the second post finds the referral already sent by this same user.
    person = h.consented_person(af, orgs["ami"])
    r = h.draft(af, orgs["ami"], person)
    page = client.get(f"/remisser/{r.id}/andra").get_data(as_text=True)
    version = re.search(r'name="version"[^>]*value="(\d+)"', page).group(1)
    data = _form(client, orgs["ami"], person, version=version, form_key=r.form_key or "")
    first = client.post(f"/remisser/{r.id}/andra", data=data)
    second = client.post(f"/remisser/{r.id}/andra", data=data)
    assert first.status_code == 302 and second.status_code in (302, 303)
    assert second.headers["Location"].endswith(f"/remisser/{r.id}")
    assert db.session.get(Referral, r.id).state == "submitted"
    assert [e.action for e in db.session.get(Referral, r.id).events] == ["submit"]
