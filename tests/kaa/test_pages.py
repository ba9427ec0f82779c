"""The KAA pages as users meet them: who may open what, errors beside their fields, stale forms, protected
identity, and the worklist's statements the same with 10 and 200 enrolments."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from kaa.models import KaaEnrolment
from portal.clock import today
from portal.db import db
from portal.people import operations as people
from tests.kaa.helpers import contact, enrol, number
from tests.people import factories as f
from tests.people.factories import born

PAGES = ["/kaa/att-kontakta", "/kaa/register", "/kaa/ny", "/kaa/inlasning"]


@pytest.mark.parametrize("org, roles, status", [
    ("ami", ("handlaggare",), 200), ("kommun", ("samordnare",), 200), ("kommun", ("styrgrupp",), 403),
    ("ifo", ("handlaggare",), 403), ("skola", ("handlaggare",), 403), ("af", ("samordnare",), 403),
    ("kommun", ("org_admin",), 403), ("kommun", ("system_admin",), 403),
])
def test_the_register_pages_by_role(client, login_as, org, roles, status):
    login_as(org=org, roles=roles)
    for url in PAGES:
        assert client.get(url).status_code == status, url


def test_registering_through_the_page_lands_on_the_enrolment(client, login_as):
    login_as(org="ami")
    page = client.post("/kaa/ny", data={"first_name": "Nora", "last_name": "Lind", "number": number(born(17)),
                                        "source": "avbrott_nationellt", "registered_on": today().isoformat(),
                                        "occupation": "okand"})
    assert page.status_code == 303
    html = client.get(page.headers["Location"]).get_data(as_text=True)
    assert "Nora Lind" in html and "Avbrott på nationellt program" in html


def test_the_register_form_shows_every_error_and_keeps_what_was_typed(client, login_as):
    login_as(org="ami")
    page = client.post("/kaa/ny", data={"first_name": "Nora", "last_name": "", "number": "123", "source": "",
                                        "registered_on": "31/12", "occupation": "okand"})
    html = page.get_data(as_text=True)
    assert page.status_code == 400 and 'value="Nora"' in html
    for message in ("Ange efternamn", "Välj hur kommunen fick kännedom", "Ange datumet som ÅÅÅÅ-MM-DD"):
        assert message in html, message
    assert db.session.scalar(select(KaaEnrolment.id)) is None


def test_deregistration_without_reason_is_refused_beside_the_field_and_a_stale_form_is_409(client, login_as):
    user = login_as(org="ami")
    enrolment = enrol(user)
    url = f"/kaa/inskrivning/{enrolment.id}/avregistrera"
    page = client.post(url, data={"avreg-reason": "", "avreg-on": today().isoformat(),
                                  "avreg-version": str(enrolment.version)})
    assert page.status_code == 400 and "Välj orsak till avregistreringen" in page.get_data(as_text=True)
    page = client.post(url, data={"avreg-reason": "flyttat", "avreg-on": today().isoformat(), "avreg-version": "0"})
    assert page.status_code == 409
    page = client.post(url, data={"avreg-reason": "flyttat", "avreg-on": today().isoformat(),
                                  "avreg-version": str(enrolment.version)})
    assert page.status_code == 303
    db.session.expire_all()
    assert db.session.get(KaaEnrolment, enrolment.id).deregistration_reason == "flyttat"
    again = client.post(url, data={"avreg-reason": "flyttat", "avreg-on": today().isoformat(),
                                   "avreg-version": str(enrolment.version + 1)})
    assert again.status_code == 303
    assert "Inskrivningen är redan avslutad" in client.get(again.headers["Location"]).get_data(as_text=True)


def test_a_contact_dated_in_the_future_is_refused_on_the_page(client, login_as):
    user = login_as(org="ami")
    enrolment = enrol(user)
    page = client.post(f"/kaa/inskrivning/{enrolment.id}/kontakt", data={
        "kontakt-contact_on": (today() + timedelta(days=2)).isoformat(), "kontakt-channel": "telefon",
        "kontakt-with_whom": "ungdomen", "kontakt-outcome": "kontakt_etablerad"})
    assert page.status_code == 400 and "En kontakt kan inte ligga i framtiden" in page.get_data(as_text=True)
    page = client.post(f"/kaa/inskrivning/{enrolment.id}/kontakt", data={
        "kontakt-contact_on": today().isoformat(), "kontakt-channel": "telefon", "kontakt-with_whom": "ungdomen",
        "kontakt-outcome": "kontakt_etablerad", "kontakt-declined": "y"})
    assert page.status_code == 303


def test_a_protected_address_is_never_shown_and_a_blocked_guardian_never_offered(client, login_as):
    user = login_as(org="ami")
    enrolment = enrol(user, birth=born(16), is_protected=True, address="Hemliga vägen 9", city="Fjugesta")
    people.add_guardian(enrolment.person, by=user, name="Sofia Öberg", relation="mamma", phone="070-1")
    father = people.add_guardian(enrolment.person, by=user, name="Mikael Öberg", relation="pappa", phone="070-2")
    db.session.commit()
    page = client.post(f"/kaa/inskrivning/{enrolment.id}/vardnadshavare",
                       data={"vh-guardian_id": str(father.id), "vh-no_contact": "1"})
    assert page.status_code == 303
    html = client.get(f"/kaa/inskrivning/{enrolment.id}").get_data(as_text=True)
    assert "Hemliga vägen" not in html and "Skyddade personuppgifter" in html
    options = html.split('name="kontakt-guardian_id"')[1].split("</select>")[0]
    assert "Sofia Öberg" in options and "Mikael Öberg" not in options
    # Each mark button says whose it is (a screen reader hears the button without the list item's text).
    assert 'kontaktas inte<span class="visually-hidden"> (Sofia Öberg)</span></button>' in html
    assert 'Får kontaktas<span class="visually-hidden"> (Mikael Öberg)</span></button>' in html
    assert "Hemliga vägen" not in client.get("/kaa/att-kontakta").get_data(as_text=True)


def test_an_enrolment_of_another_kommun_or_none_is_refused(client, login_as, make_user):
    enrolment = enrol(make_user(org="ami"))
    login_as(org="ifo")
    assert client.get(f"/kaa/inskrivning/{enrolment.id}").status_code == 403
    assert client.post(f"/kaa/inskrivning/{enrolment.id}/kontakt", data={}).status_code == 403
    assert client.get("/kaa/inskrivning/999999").status_code == 404


def test_af_reads_the_enrolment_through_a_consent_but_not_the_contacts(client, login_as, make_user, orgs):
    ami = make_user(org="ami")
    enrolment = enrol(ami, first="Maja", last="Ström", occupation="praktik")
    contact(enrolment, ami, note="Bokat möte på AMI")
    f.consent(enrolment.person, ami, [orgs["af"].id], categories=("sysselsattning",))
    login_as(org="af")
    html = client.get(f"/kaa/inskrivning/{enrolment.id}").get_data(as_text=True)
    assert "Maja Ström" in html and "Praktik" in html and "Bokat möte" not in html


def _fill(user, n: int) -> None:
    for i in range(n):
        enrolment = enrol(user, first=f"Ung{i}", ago=i % 40, commit=False)
        if i % 3 == 0:
            contact(enrolment, user, ago=0 if i % 2 else i % 40, outcome="ej_svar", commit=False)
    db.session.commit()


@pytest.mark.parametrize("url", ["/kaa/att-kontakta", "/kaa/register"])
def test_the_lists_send_the_same_statements_with_10_and_200_enrolments(client, login_as, count_queries, url):
    user = login_as(org="ami")
    user_id = user.id
    _fill(user, 10)
    db.session.expunge_all()
    with count_queries() as small:
        assert client.get(url).status_code == 200
    from portal.auth.models import User

    _fill(db.session.get(User, user_id), 190)
    db.session.expunge_all()
    with count_queries() as large:
        page = client.get(url)
    assert page.status_code == 200 and large[0] == small[0], (small[0], large[0])


def test_the_worklist_is_sorted_by_due_date_with_counts_and_the_start_card_agrees(client, login_as):
    user = login_as(org="ami")
    enrol(user, first="Idag", ago=0)
    enrol(user, first="Sen", ago=20)
    late = enrol(user, first="Kontaktad", ago=30)
    contact(late, user, ago=2)  # reached: next in a month, not on the list
    html = client.get("/kaa/att-kontakta").get_data(as_text=True)
    assert html.index("Sen Lind") < html.index("Idag Lind") and "Kontaktad Lind" not in html
    assert "Att kontakta: 2" in html and "Försenade: 1" in html and "I dag: 1" in html
    start = client.get("/").get_data(as_text=True)
    assert "KAA: att kontakta" in start and "2 unga personer i KAA-registret ska kontaktas nu." in start


def test_every_free_text_field_of_an_enrolment_says_sensitive_notes_do_not_belong_here(client, login_as):
    """Förordning 2006:39 § 4: the contact note, the measure and the deregistration's explanation each warn."""
    user = login_as(org="ami")
    enrolment = enrol(user)
    html = client.get(f"/kaa/inskrivning/{enrolment.id}").get_data(as_text=True)
    for field in ("kontakt-note", "insats-content", "avreg-note"):
        hint = html.split(f'id="{field}-hjalp"')[1].split("</")[0] if f'id="{field}-hjalp"' in html else ""
        assert "känsliga uppgifter" in hint, field


def test_the_menu_offers_kaa_only_to_staff_of_a_kommun(client, login, make_user):
    """A caseworker of Arbetsförmedlingen has kaa.work by role but no register: no menu entry leading to a 403."""
    login(make_user(org="af", roles=("handlaggare",)))
    assert 'href="/kaa/att-kontakta"' not in client.get("/").get_data(as_text=True)
    client.post("/logga-ut")
    login(make_user(org="ami", roles=("handlaggare",)))
    assert 'href="/kaa/att-kontakta"' in client.get("/").get_data(as_text=True)
