"""The referral pages as a user meets them: send from the form, open and accept, decline, close, the inbox."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from portal.db import db
from portal.people.models import Consent
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


def test_a_draft_is_saved_edited_and_sent_from_its_page(client, orgs, make_user, login):
    af = make_user(org="af")
    person = h.consented_person(af, orgs["ami"])
    login(af)
    data = _new_referral(client, orgs["ami"], person, skicka="", utkast="1")
    response = client.post("/remisser/ny", data=data, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "är sparat. Det skickas först när du väljer Skicka." in page and "Utkast" in page
    referral = db.session.scalars(select(Referral)).one()
    assert referral.state == "draft"
    edit = client.get(f"/remisser/{referral.id}/andra").get_data(as_text=True)
    assert "Behöver stöd med studier." in edit and "Elsa Lindqvist" in edit
    response = client.post(f"/remisser/{referral.id}/steg/submit",
                           data={"submit-version": _version(page, "submit")}, follow_redirects=True)
    assert "Remissen är skickad." in response.get_data(as_text=True)
    assert db.session.get(Referral, referral.id).state == "submitted"


def test_the_receiver_adds_a_file_and_comments_and_the_sender_reads_them(app, client, orgs, make_user, login):
    import io

    af = make_user(org="af")
    ami = make_user(org="ami")
    r = h.received(af, orgs["ami"], ami, h.consented_person(af, orgs["ami"]))
    login(ami)
    response = client.post(f"/remisser/{r.id}/bilagor", content_type="multipart/form-data", follow_redirects=True,
                           data={"attach-attachment": (io.BytesIO(b"\x89PNG\r\n\x1a\nbild"), "foto.png")})
    assert "Bilagan är tillagd." in response.get_data(as_text=True)
    client.post(f"/remisser/{r.id}/kommentar", data={"comment-body": "Vi bokar ett möte."})
    sender = app.test_client()
    login(af, client=sender)
    page = sender.get(f"/remisser/{r.id}").get_data(as_text=True)
    assert "foto.png" in page and "Vi bokar ett möte." in page


def test_continue_with_a_new_consent_after_withdrawal(client, orgs, make_user, login):
    from portal.people import consent as consents

    af = make_user(org="af")
    ami = make_user(org="ami")
    person = h.consented_person(af, orgs["ami"])
    r = h.received(af, orgs["ami"], ami, person)
    consents.withdraw_consent(r.consent, by=af, reason="Ångrade sig.")
    db.session.commit()
    login(af)
    page = client.get(f"/remisser/{r.id}").get_data(as_text=True)
    assert "Gäller inte längre" in page and "Fortsätt med nytt samtycke" in page
    refused = client.post(f"/remisser/{r.id}/nytt-samtycke", data={"continue-version": _version(page, "continue")})
    assert refused.status_code == 400 and "har återkallats" in refused.get_data(as_text=True)
    new = f.consent(person, af, [af.organisation_id, orgs["ami"].id], purposes=("remiss",))
    response = client.post(f"/remisser/{r.id}/nytt-samtycke", data={"continue-version": _version(page, "continue")},
                           follow_redirects=True)
    assert f"Remissen fortsätter med stöd av samtycke nr {new.id}." in response.get_data(as_text=True)


def test_a_consultation_becomes_a_named_referral(client, orgs, make_user, login):
    af = make_user(org="af")
    r = h.sent(af, orgs["ami"], None, type="konsultation", categories=(), reason="Hur gör vi?", help_requested="Råd.")
    person = h.consented_person(af, orgs["ami"])
    login(af)
    page = client.get(f"/remisser/{r.id}").get_data(as_text=True)
    assert "Gör konsultationen till remiss med namn" in page
    wrong = client.post(f"/remisser/{r.id}/namnge", data={
        "name-version": _version(page, "name"), "name-type": "insats", "name-person_number": "19000101-0000",
        "name-categories": ["utbildning"]})
    assert wrong.status_code == 400 and "personnummer" in wrong.get_data(as_text=True).lower()
    response = client.post(f"/remisser/{r.id}/namnge", data={
        "name-version": _version(page, "name"), "name-type": "insats", "name-person_number": person.id_number,
        "name-categories": ["utbildning"]}, follow_redirects=True)
    assert "Konsultationen är nu en remiss med namn." in response.get_data(as_text=True)
    assert db.session.get(Referral, r.id).person_id == person.id


def test_the_coordinator_sets_the_response_time(client, orgs, login_as):
    login_as(org="ami", roles=("samordnare",))
    assert 'value="5"' in client.get("/remisser/svarstid").get_data(as_text=True)
    bad = client.post("/remisser/svarstid", data={"working_days": "61"})
    assert bad.status_code == 400 and "mellan 1 och 60" in bad.get_data(as_text=True)
    response = client.post("/remisser/svarstid", data={"working_days": "10"}, follow_redirects=True)
    assert "Svarstiden är nu 10 arbetsdagar" in response.get_data(as_text=True)


def test_sending_a_draft_with_the_version_shown_is_not_refused_as_stale(orgs, make_user):
    """Looking up the consent flushes the draft (a new version): the version was checked before, not again."""
    from referrals import operations as ops

    af = make_user(org="af")
    r = h.draft(af, orgs["ami"], h.consented_person(af, orgs["ami"]))
    ops.submit(r, by=af, expected_version=r.version)
    assert r.state == "submitted"


def test_the_form_says_which_consent_the_referral_would_rest_on(app, client, orgs, make_user, login):
    af = make_user(org="af")
    person = h.consented_person(af, orgs["ami"], categories=("kontakt", "utbildning"))
    login(af)
    page = client.get(f"/remisser/ny?deltagare={person.ref}").get_data(as_text=True)
    consent = db.session.scalars(select(Consent).where(Consent.person_id == person.id)).one()
    assert "Giltigt samtycke för remiss finns till:" in page
    assert f"Lekebergs kommun, AMI (samtycke nr {consent.id}" in page and "kontaktuppgifter, utbildning" in page
    draft = h.draft(af, orgs["ami"], person, categories=("utbildning",))
    page = client.get(f"/remisser/{draft.id}/andra").get_data(as_text=True)
    assert f"Remissen bygger på samtycke nr {consent.id}" in page
    other = h.draft(af, orgs["ifo"], person, categories=("utbildning",))
    page = client.get(f"/remisser/{other.id}/andra").get_data(as_text=True)
    assert "Remissen kan inte skickas på samtycke än:" in page and "Individ- och försörjningsstöd" in page


def test_a_number_typed_instead_of_the_preselected_person_is_the_one_the_referral_is_about(client, orgs, make_user,
                                                                                           login):
    # The form says "Gäller remissen någon annan? Skriv deras personnummer här i stället."
    af = make_user(org="af")
    chosen = h.consented_person(af, orgs["ami"], first="Elsa")
    other = h.consented_person(af, orgs["ami"], first="Saga")
    login(af)
    page = client.get(f"/remisser/ny?deltagare={chosen.ref}").get_data(as_text=True)
    data = _new_referral(client, orgs["ami"], other, person_ref=chosen.ref, form_key=_form_key(page))
    response = client.post(f"/remisser/ny?deltagare={chosen.ref}", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert db.session.scalars(select(Referral)).one().person_id == other.id
