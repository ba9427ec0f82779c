"""The shared form layer as a user meets it: every error at once, the same mark on every required field, a consent
form that fits the person's age, and warning buttons that say what will happen."""
from __future__ import annotations

import lxml.html
import pytest
from sqlalchemy import func, select

from portal.db import db
from portal.people.models import Consent, Disclosure, Person
from tests.people import factories as f


def _tree(response):
    return lxml.html.fromstring(response.get_data(as_text=True))


def _summary(response) -> list[str]:
    """The error summary's messages, as the user reads them."""
    return [" ".join(li.text_content().split()) for li in _tree(response).xpath("//*[@id='felsammanfattning']//li")]


def _labelled(response) -> dict[str, bool]:
    """Each visible field's label (or group legend) text → whether it carries the required mark."""
    marks = {}
    for node in _tree(response).xpath("//form//label[@for] | //form//fieldset/legend"):
        text = " ".join(node.text_content().replace("(obligatoriskt)", " ").split())
        marks[text] = "required" in (node.get("class") or "").split()
    return marks


@pytest.fixture
def ami(make_user, login):
    user = make_user(org="ami")
    login(user)
    return user


def test_the_disclosure_form_shows_every_problem_in_one_round_trip(client, ami):
    p = f.person(ami)
    db.session.commit()
    response = client.post(f"/deltagare/{p.ref}/utlamnande", data={"to_org": "0", "basis": "", "justification": "",
                                                                    "disclosed_on": ""})
    assert response.status_code == 400
    errors = _summary(response)
    for label in ("Mottagande organisation", "Lagstöd", "Motivering", "Uppgifter som lämnades ut",
                  "Datum för utlämnandet"):
        assert sum(e.startswith(label + ":") for e in errors) == 1, (label, errors)
    assert len(errors) == 5  # the form's "Motivera…" and the operation's are one message
    assert db.session.scalar(select(func.count()).select_from(Disclosure)) == 0


def test_a_field_error_and_a_database_check_come_together_and_nothing_is_saved(client, ami, orgs):
    """The justification is missing (the form's check) and the date is in the future (the operation's): both are
    shown, and the operation's otherwise valid work is not kept."""
    p = f.person(ami)
    db.session.commit()
    response = client.post(f"/deltagare/{p.ref}/utlamnande", data={
        "to_org": str(orgs["ifo"].id), "basis": "orosanmalan", "justification": "", "categories": ["social"],
        "disclosed_on": "2199-01-01"})
    errors = _summary(response)
    assert response.status_code == 400 and len(errors) == 2
    assert errors[0].startswith("Motivering:") and "framtiden" in errors[1]
    response = client.post(f"/deltagare/{p.ref}/utlamnande", data={
        "to_org": str(orgs["ifo"].id), "basis": "orosanmalan", "justification": "x" * 100_001,
        "categories": ["social"], "disclosed_on": "2020-01-01"})
    assert response.status_code == 400 and "Högst" in " ".join(_summary(response))
    assert db.session.scalar(select(func.count()).select_from(Disclosure)) == 0


def test_the_disclosure_form_marks_every_required_field(client, ami):
    p = f.person(ami)
    db.session.commit()
    page = client.get(f"/deltagare/{p.ref}/utlamnande")
    marks = _labelled(page)
    assert "Fält markerade med * måste fyllas i." in page.get_data(as_text=True)
    for label in ("Mottagande organisation", "Lagstöd", "Motivering", "Uppgifter som lämnades ut",
                  "Datum för utlämnandet"):
        assert marks[label], label
    assert not marks["Bestämmelse"]


def test_the_new_agreement_form_marks_every_required_field(client, login_as):
    login_as(org="kommun", roles=("samordnare",))
    marks = _labelled(client.get("/overenskommelser/ny"))
    assert marks["Titel"] and marks["Parter"] and not marks["Diarienummer"]


def test_the_new_agreement_form_shows_every_problem_at_once(client, login_as, orgs):
    login_as(org="kommun", roles=("samordnare",))
    response = client.post("/overenskommelser/ny", data={"title": "", "parties": [str(orgs["af"].id)],
                                                          "valid_from": "2026-05-01", "valid_to": "2026-01-01"})
    errors = _summary(response)
    assert response.status_code == 400
    assert any(e.startswith("Titel:") for e in errors)
    assert any("minst två parter" in e for e in errors) and any("Din egen organisation" in e for e in errors)
    assert any("Slutdatumet" in e for e in errors), errors


@pytest.mark.parametrize(("age", "shown", "hidden"), [
    (13, {"Vårdnadshavare 1 som samtycker", "Den unges egen inställning"}, {"Mognadsbedömning"}),
    (16, {"Mognadsbedömning", "Vårdnadshavare 1 som samtycker", "Personen har själv lämnat samtycket"}, set()),
    (19, set(), {"Vårdnadshavare 1 som samtycker", "Vårdnadshavare 2 som samtycker", "Den unges egen inställning",
                 "Mognadsbedömning", "Personen har själv lämnat samtycket"}),
])
def test_the_consent_form_fits_the_persons_age(client, ami, age, shown, hidden):
    p = f.person(ami, birth=f.born(age))
    db.session.commit()
    page = client.get(f"/deltagare/{p.ref}/samtycken/nytt")
    marks = _labelled(page)
    assert shown <= set(marks) and not hidden & set(marks), sorted(marks)
    html = page.get_data(as_text=True)
    assert 'legend class="required">Hur samtycket lämnades' in html and html.count("Hur samtycket lämnades</h3>") == 0
    if age == 13:
        assert marks["Vårdnadshavare 1 som samtycker"] and marks["Den unges egen inställning"]
    if age == 19:
        assert "Personen är myndig och lämnar samtycket själv." in html


def test_an_adult_consent_is_saved_without_guardian_fields(client, ami, orgs):
    p = f.person(ami, birth=f.born(19))
    db.session.commit()
    form = client.get(f"/deltagare/{p.ref}/samtycken/nytt").get_data(as_text=True)
    given = lxml.html.fromstring(form).xpath("//input[@name='given_by_person']")[0]
    data = {"organisations": [str(orgs["af"].id)], "purposes": ["samordning"], "categories": ["utbildning"],
            "valid_from": "2026-01-01", "valid_until": "2026-06-01", "method": "digital",
            "given_by_person": given.get("value")}
    response = client.post(f"/deltagare/{p.ref}/samtycken/nytt", data=data)
    assert response.status_code == 302, _summary(response)
    assert db.session.scalar(select(Consent)).is_given_by_person


def test_a_sixteen_year_old_without_maturity_assessment_is_told_so_beside_that_field(client, ami, orgs):
    p = f.person(ami, birth=f.born(16))
    db.session.commit()
    response = client.post(f"/deltagare/{p.ref}/samtycken/nytt", data={
        "organisations": [str(orgs["af"].id)], "purposes": ["samordning"], "categories": ["utbildning"],
        "valid_from": "2026-01-01", "valid_until": "2026-06-01", "method": "digital", "given_by_person": "y"})
    assert response.status_code == 400
    tree = _tree(response)
    beside = tree.xpath("//*[@id='maturity_assessment-fel']")
    assert beside and "mognadsbedömning" in beside[0].text_content()
    assert not tree.xpath("//*[@id='guardian_1-fel']")
    assert tree.xpath("//textarea[@id='maturity_assessment']")[0].get("aria-invalid") == "true"


def test_withdrawing_restates_which_organisations_and_data_behind_a_warning_button(client, ami, orgs):
    p = f.person(ami)
    c = f.consent(p, ami, [orgs["af"].id], categories=("kontakt", "halsa"))
    page = client.get(f"/deltagare/{p.ref}/samtycken/{c.id}/aterkalla")
    tree = _tree(page)
    warning = " ".join(tree.xpath("//*[contains(@class, 'warning-text')]")[0].text_content().split())
    assert "Arbetsförmedlingen Hallsberg" in warning and "Lekebergs kommun, AMI" in warning
    assert "Kontaktuppgifter" in warning and "Hälsa" in warning and "Utbildning" not in warning
    button = tree.xpath("//main//form//button[@type='submit']")[0]
    assert "warning" in button.get("class") and button.text_content().strip() == "Återkalla samtycket"


def test_the_register_form_shows_every_problem_at_once(client, ami):
    response = client.post("/deltagare/ny", data={"first_name": "", "last_name": "", "number": "123",
                                                  "home_kommun": "", "email": "inte en adress"})
    errors = _summary(response)
    assert response.status_code == 400
    for label in ("Förnamn", "Efternamn", "Personnummer eller samordningsnummer", "E-post"):
        assert sum(e.startswith(label) for e in errors) == 1, (label, errors)
    assert db.session.scalar(select(func.count()).select_from(Person)) == 0


def test_deactivating_names_the_account_behind_a_warning_button(app, orgs, make_user, login):
    colleague = make_user(org="kommun", name="Berit Ström")
    admin_browser = app.test_client()
    login(make_user(org="kommun", roles=("org_admin",)), client=admin_browser)
    tree = _tree(admin_browser.get(f"/admin/anvandare/{colleague.id}"))
    warning = " ".join(tree.xpath("//*[contains(@class, 'warning-text')]")[0].text_content().split())
    assert "Berit Ström" in warning and colleague.email in warning and "Lekebergs kommun" in warning
    button = tree.xpath("//form[contains(@action, '/inaktivera')]//button")[0]
    assert "warning" in button.get("class") and button.text_content().strip() == "Inaktivera kontot"


def test_a_disclosure_to_an_organisation_id_beyond_the_column_is_a_field_error(client, orgs, make_user, login):
    """The disclosure form's operation runs beside the field checks: an id no column holds is "choose an
    organisation", never a database error (PostgreSQL refuses integers past 2**31 - 1)."""
    user = make_user(org="ami")
    person = f.person(user)
    login(user)
    for value in ("2147483648", "99999999999999999999", "-1", "1e3"):
        response = client.post(f"/deltagare/{person.ref}/utlamnande", data={
            "to_org": value, "basis": "uppgiftsskyldighet", "justification": "Begäran", "categories": "utbildning",
            "disclosed_on": "2026-01-05"})
        assert response.status_code == 400, value
        assert "Välj den organisation som fick uppgifterna." in response.get_data(as_text=True)
