"""Registering a personnummer someone else holds reveals nothing, changes nothing shared and opens nothing.

The attacker is a caseworker at the school, an organisation with no consent for the person. AMI (the keeper)
registered the person first, with contact details, a guardian, notes and a consent naming social services.
"""
from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.db import db
from portal.notifications import Notice
from portal.people import consent as consents
from portal.people import holders, identity
from portal.people import operations as people
from portal.people.gate import gate
from portal.people.models import Person
from tests.helpers import csrf_token as token_in
from tests.helpers import events
from tests.people import factories as f

TYPED = {"first_name": "Eva", "last_name": "Testsson", "home_kommun": "0180"}


@pytest.fixture
def held(app, orgs, make_user):
    """A 16-year-old AMI keeps: protected, with contact details, a guardian, notes and a consent with IFO."""
    ami_user = make_user(org="ami")
    p = f.person(ami_user, first="Elsa", last="Lindqvist", birth=f.born(16), protected=True)
    holders.set_contact(p, by=ami_user, address="Hemliga gatan 7", city="Fjugesta", phone="070-123 45 67",
                        email="elsa@exempel.se")
    people.add_guardian(p, by=ami_user, name="Anna Lindqvist", relation="mamma", phone="070-765 43 21")
    people.add_note(p, by=ami_user, category="social", text="Kontakt med socialtjänsten sedan mars.")
    f.consent(p, ami_user, [orgs["ifo"].id], categories=("kontakt", "social"))
    holders.update_identity(p, by=ami_user, first_name="Elsa", last_name="Lindqvist", home_kommun="1880",
                            is_protected=True, expected_version=holders.identity_version(p, orgs["ami"].id))
    db.session.commit()
    return {"person": p, "ami_user": ami_user}


def _secrets(p: Person) -> list[str]:
    """Everything AMI holds that the school must never see."""
    return [*f.identifiers(p)[:1], p.last_name, "Hemliga gatan", "Fjugesta", "070-123 45 67", "elsa@exempel.se",
            "Anna Lindqvist", "070-765 43 21", "socialtjänsten sedan mars", "Personen har sekretessmarkering",
            "<dd>Örebro", 'selected value="1880"', "Samtycke nr 1<", "Samtycke nr 1 ", "Samtycke nr 1,"]


def csrf_token(client, url: str) -> str:
    """The form's token where the app checks CSRF (the test app does not: then an empty value)."""
    page = client.get(url).get_data(as_text=True)
    return token_in(page) if 'name="csrf_token"' in page else ""


def _text(response) -> str:
    if response.mimetype and "wordprocessingml" in response.mimetype:
        with zipfile.ZipFile(io.BytesIO(response.data)) as docx:
            return " ".join(re.sub(r"<[^>]+>", "", docx.read(name).decode()) for name in docx.namelist()
                            if name.endswith(".xml"))
    return response.get_data(as_text=True)


def _register(client, number: str):
    data = {"csrf_token": csrf_token(client, "/deltagare/ny"), "number": number, **TYPED}
    return client.post("/deltagare/ny", data=data)


def _leaks(text: str, p: Person) -> list[str]:
    return [secret for secret in _secrets(p) if secret in text]


def test_registering_a_known_number_answers_exactly_as_a_new_one(client, held, login_as):
    p = held["person"]
    login_as(org="skola")
    known = _register(client, p.number_display)
    known_page = client.get(known.location)
    fresh_number = f.pnr(f.born(16, -3), "511")
    fresh = _register(client, fresh_number)
    fresh_page = client.get(fresh.location)
    assert known.status_code == fresh.status_code == 302
    assert re.fullmatch(r"/deltagare/[\w-]{12}", known.location) and re.fullmatch(r"/deltagare/[\w-]{12}",
                                                                                   fresh.location)
    fresh_person = db.session.scalar(select(Person).where(Person.id_number == fresh_number.replace("-", "")))

    def normal(text: str, person: Person) -> str:
        for value in (person.ref, person.pseudonym, person.number_display, person.birth_date.isoformat()):
            text = text.replace(value, "X")
        return re.sub(r'name="csrf_token" value="[^"]+"', "", text)

    assert normal(_text(known_page), p) == normal(_text(fresh_page), fresh_person)
    assert "Eva Testsson" in _text(known_page) and _leaks(_text(known_page), p) == []


def test_the_attacker_walks_every_page_and_sees_nothing_of_the_keepers(app, client, held, login_as, orgs):
    p = held["person"]
    attacker = login_as(org="skola")
    _register(client, p.number_display)
    # A consent the school took itself, naming itself and social services and AMI: no one stands behind it yet.
    c = f.consent(db.session.get(Person, p.id), attacker, [orgs["af"].id, orgs["ami"].id],
                  categories=("kontakt", "social", "utbildning"))
    own = f"/deltagare/{p.ref}"
    pages = ["/", "/meddelanden", "/deltagare", "/deltagare/samtycken/utgar", "/deltagare/samtycken/aterkallade",
             own, own + "/samtycken",
             own + "/andra", own + "/kontakt", own + "/vardnadshavare", own + "/anteckning", own + "/utlamnande",
             own + "/samtycken/nytt", f"{own}/samtycken/{c.id}/blankett.docx", own + "/rattelse"]
    for consent_id in range(1, c.id + 1):
        pages += [f"{own}/samtycken/{consent_id}/aterkalla", f"{own}/samtycken/{consent_id}/blankett.docx",
                  f"{own}/samtycken/{consent_id}/skanning", f"{own}/samtycken/{consent_id}/bekrafta",
                  f"{own}/samtycken/nytt?ersatter={consent_id}"]
    found = {}
    for url in pages:
        response = client.get(url)
        assert response.status_code < 500, url
        if leaks := _leaks(_text(response), p):
            found[url] = leaks
    for query in ("Lindqvist", "Elsa", p.id_number[:8], "Eva"):
        response = client.post("/deltagare", data={"q": query, "csrf_token": csrf_token(client, "/deltagare")})
        # The query itself is echoed in the search box; anything else of the keeper's is a leak.
        if leaks := _leaks(_text(response).replace(query, "<query>"), p):
            found[f"search {query}"] = leaks
        hits = _text(response).count(f'href="/deltagare/{p.ref}"')
        assert hits == (0 if query in ("Lindqvist", "Elsa") else 1), query
    assert found == {}
    # The school sees what it typed, and only its own records.
    view = gate(attacker, p)
    assert (view.first_name, view.last_name, view.home_kommun) == ("Eva", "Testsson", "0180")
    assert view.identity_source == "own" and not view.is_protected and view.notes == view.contacts == []
    assert view.bases == [] and view.pending


def test_a_holder_changes_only_its_own_name_and_cannot_lift_the_keepers_protection(client, held, login_as,
                                                                                 make_user):
    p = held["person"]
    attacker = login_as(org="skola")
    _register(client, p.number_display)
    page = client.get(f"/deltagare/{p.ref}/andra").get_data(as_text=True)
    assert 'value="Eva"' in page and "Elsa" not in page and "checked" not in page
    data = {"csrf_token": csrf_token(client, f"/deltagare/{p.ref}/andra"), "first_name": "Hacked",
            "last_name": "Name", "home_kommun": "", "version": holders.identity_version(p, attacker.organisation_id)}
    assert client.post(f"/deltagare/{p.ref}/andra", data=data).status_code == 302
    db.session.expire_all()
    person = db.session.get(Person, p.id)
    assert (person.first_name, person.last_name, person.is_protected) == ("Elsa", "Lindqvist", True)
    assert gate(held["ami_user"], person).label == "Elsa Lindqvist"
    assert gate(attacker, person).label == "Hacked Name"
    # Social services, covered by AMI's consent, still sees no contact details of a protected person.
    assert gate(make_user(org="ifo"), person).contacts == []


def test_a_consent_opens_a_holders_records_only_once_that_holder_confirms(client, held, login_as, make_user, orgs):
    p, ami_user = held["person"], held["ami_user"]
    attacker = login_as(org="skola")
    _register(client, p.number_display)
    c = f.consent(db.session.get(Person, p.id), attacker, [orgs["ami"].id], categories=("kontakt", "social"))
    assert gate(attacker, p).notes == [] and gate(attacker, p).label == "Eva Testsson"
    # AMI's consent staff are asked, by pseudonym.
    notice = db.session.scalar(select(Notice).where(Notice.key == f"consent-confirm-{c.id}-{orgs['ami'].id}"))
    assert notice is not None and p.pseudonym in notice.params and "Elsa" not in notice.params
    consents.decide_consent(c, by=ami_user, confirm=False, reason="Vi känner inte till samtycket.")
    db.session.commit()
    assert gate(attacker, p).notes == []
    assert db.session.scalar(select(Notice).where(Notice.key == f"consent-declined-{c.id}-{orgs['ami'].id}"))
    # A second consent, confirmed: now AMI's social notes open to the school, and the shared identity with them.
    c2 = f.consent(db.session.get(Person, p.id), attacker, [orgs["ami"].id], categories=("social",),
                   until=identity.today() + timedelta(days=90))
    consents.decide_consent(c2, by=ami_user, confirm=True)
    db.session.commit()
    view = gate(attacker, p)
    assert view.label == "Elsa Lindqvist" and view.identity_source == "shared"
    assert [n.text for n in view.notes] == ["Kontakt med socialtjänsten sedan mars."]
    assert view.contacts == [] and view.guardians == []  # kontakt is not in the confirmed consent
    assert len(events("consent.decline")) == len(events("consent.confirm")) == 1


def test_deciding_is_for_the_named_organisation_once(client, held, make_user, orgs, login):
    p, ami_user = held["person"], held["ami_user"]
    school = make_user(org="skola")
    holders.register_person(by=school, first_name="Eva", last_name="Testsson", number=p.number_display)
    c = f.consent(db.session.get(Person, p.id), school, [orgs["ami"].id])
    login(make_user(org="af"))
    assert client.get(f"/deltagare/{p.ref}/samtycken/{c.id}/bekrafta").status_code == 403
    ami = client.application.test_client()
    login(ami_user, client=ami)
    url = f"/deltagare/{p.ref}/samtycken/{c.id}/bekrafta"
    page = ami.get(url)
    assert page.status_code == 200 and "Lekebergsskolan" in page.get_data(as_text=True)
    refused = ami.post(url, data={"csrf_token": csrf_token(ami, url), "decision": "decline", "reason": ""})
    assert refused.status_code == 400 and "Ange varför" in refused.get_data(as_text=True)
    token = csrf_token(ami, url)
    assert ami.post(url, data={"csrf_token": token, "decision": "confirm"}).status_code == 302
    # Asked again (a second click, an old notice): told it is answered, nothing changes.
    again = ami.post(url, data={"csrf_token": token, "decision": "decline", "reason": "x"})
    assert again.status_code == 303 and again.location.endswith(f"/deltagare/{p.ref}/samtycken")
    with pytest.raises(Exception) as refused:
        consents.decide_consent(db.session.get(type(c), c.id), by=ami_user, confirm=False, reason="x")
    assert refused.value.reason == "consent.decide"
    db.session.rollback()
    assert db.session.get(type(c), c.id).party(orgs["ami"].id).status == "confirmed"


def test_protection_is_lifted_only_by_the_holder_that_set_it_with_a_reason(held, make_user, orgs):
    p, ami_user = held["person"], held["ami_user"]
    af_user = make_user(org="af")
    holders.register_person(by=af_user, first_name="Elsa", last_name="L", number=p.number_display,
                            is_protected=True)
    db.session.commit()
    # AMI lifts its own marking: AF's stands, so the person stays protected.
    with pytest.raises(Exception) as missing:
        holders.update_identity(p, by=ami_user, first_name="Elsa", last_name="Lindqvist", home_kommun="1814",
                                is_protected=False, expected_version=holders.identity_version(p, orgs["ami"].id))
    assert missing.value.field == "protection_reason"
    holders.update_identity(p, by=ami_user, first_name="Elsa", last_name="Lindqvist", home_kommun="1814",
                            is_protected=False, protection_reason="Domstolsbeslut upphävt",
                            expected_version=holders.identity_version(p, orgs["ami"].id))
    db.session.commit()
    assert db.session.get(Person, p.id).is_protected
    # AF lifts its marking too: now no one's stands, and AMI is told.
    holders.update_identity(p, by=af_user, first_name="Elsa", last_name="L", home_kommun=None, is_protected=False,
                            protection_reason="Skyddet har upphört enligt Skatteverket",
                            expected_version=holders.identity_version(p, orgs["af"].id))
    db.session.commit()
    assert not db.session.get(Person, p.id).is_protected
    assert db.session.scalar(select(Notice).where(Notice.organisation_id == orgs["ami"].id,
                                                  Notice.key.like(f"person-unprotected-{p.id}-%")))
    lifted = events("person.unprotect")
    assert [e.organisation_id for e in lifted] == [orgs["ami"].id, orgs["af"].id]


def test_a_protected_person_is_not_found_by_name_by_an_organisation_that_does_not_hold_them(held, make_user):
    ifo_user = make_user(org="ifo")  # covered by AMI's consent, holds nothing
    p = held["person"]
    assert people.search_ids(ifo_user, "Lindqvist") == []
    assert people.search_ids(ifo_user, p.id_number) == [p.id]
    assert people.search_ids(held["ami_user"], "Lindqvist") == [p.id]


def test_the_extract_is_logged_alike_whether_or_not_the_number_is_known(held, make_user):
    registrar = make_user(org="skola", roles=("org_admin",))
    people.register_extract(held["person"].number_display, by=registrar)
    people.register_extract(f.pnr(f.born(16, 9), "611"), by=registrar)
    db.session.commit()
    first, second = events("person.extract")[-2:]
    assert (first.person_id, first.details) == (second.person_id, second.details)


def test_people_are_not_reachable_by_row_id(client, held, login):
    login(held["ami_user"])
    assert client.get(f"/deltagare/{held['person'].id}").status_code == 404
    assert client.get(f"/deltagare/{held['person'].ref}").status_code == 200


def test_a_correction_request_reaches_the_keeper_and_only_from_a_holder_that_sees_the_identity(
        client, held, make_user, orgs, login):
    p, ami_user = held["person"], held["ami_user"]
    ifo_user = make_user(org="ifo")
    holders.register_person(by=ifo_user, first_name="Elsa", last_name="Lindkvist", number=p.number_display)
    school = make_user(org="skola")
    holders.register_person(by=school, first_name="Eva", last_name="Testsson", number=p.number_display)
    db.session.commit()
    login(school)  # holds, but sees only what it typed: refused like the keeper, so nothing is told
    assert client.get(f"/deltagare/{p.ref}/rattelse").status_code == 403
    other = client.application.test_client()
    login(ami_user, client=other)
    assert other.get(f"/deltagare/{p.ref}/rattelse").status_code == 403
    ifo = client.application.test_client()
    login(ifo_user, client=ifo)  # AMI's consent opens the shared identity to social services
    url = f"/deltagare/{p.ref}/rattelse"
    assert "Begär rättelse" in ifo.get(f"/deltagare/{p.ref}/andra").get_data(as_text=True)
    assert ifo.post(url, data={"csrf_token": csrf_token(ifo, url), "message": ""}).status_code == 400
    assert ifo.post(url, data={"csrf_token": csrf_token(ifo, url),
                               "message": "Efternamnet stavas Lindkvist enligt folkbokföringen."}).status_code == 302
    assert db.session.scalar(select(Notice).where(Notice.organisation_id == orgs["ami"].id,
                                                  Notice.key.like("person-correction-%")))
    edit = other.get(f"/deltagare/{p.ref}/andra").get_data(as_text=True)
    assert "Efternamnet stavas Lindkvist" in edit


def test_capacity_is_judged_on_the_day_the_consent_is_given(app, make_user, orgs):
    ami_user = make_user(org="ami")
    # 14 today, 15 in ten days, 18 in three years and ten days.
    p = f.person(ami_user, birth=f.born(15, 10))
    for start in (identity.add_years(p.birth_date, 15), identity.add_years(p.birth_date, 18)):
        with pytest.raises(consents.ConsentError) as refused:
            consents.register_consent(p, by=ami_user, organisation_ids=[orgs["af"].id], purposes=["samordning"],
                                      categories=["utbildning"], valid_from=start,
                                      valid_until=start + timedelta(days=60), method="digital",
                                      given_by_person=True, maturity_assessment="Mogen.")
        assert any(field == "guardian_1" for field, _message in refused.value.errors or [(refused.value.field, "")])
        db.session.rollback()


def test_replacing_a_consent_through_the_form_supersedes_it(client, held, login, orgs):
    p, ami_user = held["person"], held["ami_user"]
    consent = db.session.scalar(select(consents.Consent).where(consents.Consent.person_id == p.id))
    login(ami_user)
    url = f"/deltagare/{p.ref}/samtycken/nytt?ersatter={consent.id}"
    form = client.get(url).get_data(as_text=True)
    action = re.search(r'<form method="post" action="([^"]+)"[^>]*enctype', form).group(1).replace("&amp;", "&")
    assert f"ersatter={consent.id}" in action
    today = identity.today()
    data = {"csrf_token": csrf_token(client, url), "organisations": [str(orgs["ifo"].id)],
            "purposes": ["samordning"], "categories": ["social"], "valid_from": today.isoformat(),
            "valid_until": (today + timedelta(days=60)).isoformat(), "method": "digital",
            "given_by_person": "y", "maturity_assessment": "Mogen att själv ta ställning."}
    response = client.post(action, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(consents.Consent, consent.id).superseded_dt is not None


def test_a_known_reserve_number_shows_the_birth_date_as_typed(held, make_user):
    ami_user = held["ami_user"]
    kept, _ = holders.register_person(by=ami_user, first_name="Amir", last_name="Nyanländ",
                                      reserve_number="RES-2026-0042", birth_date=f.born(17))
    school = make_user(org="skola")
    typed = f.born(16, 40)
    again, outcome = holders.register_person(by=school, first_name="Amir", last_name="N",
                                             reserve_number="RES-2026-0042", birth_date=typed)
    db.session.commit()
    assert again.id == kept.id and outcome == "new"
    view = gate(school, again)
    assert view.birth_date == typed and view.age == 15 and view.label == "Amir N"
    assert gate(ami_user, kept).birth_date == f.born(17)


def test_without_registering_the_person_every_page_is_refused_or_not_found(client, held, login_as):
    p = held["person"]
    login_as(org="skola")
    own = f"/deltagare/{p.ref}"
    for url in (own, own + "/samtycken", own + "/andra", own + "/kontakt", own + "/anteckning",
                own + "/utlamnande", own + "/rattelse", own + "/samtycken/nytt", own + "/samtycken/1/blankett.docx",
                own + "/samtycken/1/aterkalla", own + "/samtycken/1/bekrafta", own + "/samtycken/1/skanning"):
        response = client.get(url)
        assert response.status_code in (200, 403, 404), url
        assert _leaks(_text(response), p) == [], url
