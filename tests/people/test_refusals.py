"""Refusals of the person operations: an organisation that does not work with a person changes nothing, a stale
identity edit saves nothing, and each refusal says why."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.db import db
from portal.errors import NotPermitted, StaleEdit
from portal.people import consent as consents
from portal.people import holders, identity
from portal.people import operations as people
from portal.people.models import ContactDetails, Disclosure, Guardian, Person, PersonNote
from tests.helpers import count_events, events
from tests.people import factories as f


@pytest.fixture
def held(app, orgs, make_user):
    """A 14-year-old AMI works with; Arbetsförmedlingen does not (no link, no consent)."""
    ami_user = make_user(org="ami")
    return {"person": f.person(ami_user, birth=f.born(14)), "ami_user": ami_user, "af_user": make_user(org="af")}


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


CHANGES = {
    "identity": lambda p, by, orgs: holders.update_identity(p, by=by, first_name="Ny", last_name="Person",
                                                           home_kommun=None, is_protected=False),
    "contact": lambda p, by, orgs: holders.set_contact(p, by=by, phone="070-999"),
    "guardian": lambda p, by, orgs: people.add_guardian(p, by=by, name="Anna Ek", phone="070-1"),
    "note": lambda p, by, orgs: people.add_note(p, by=by, category="utbildning", text="Ny anteckning"),
    "consent": lambda p, by, orgs: consents.register_consent(
        p, by=by, organisation_ids=[orgs["ami"].id], purposes=["samordning"], categories=["utbildning"],
        valid_from=identity.today(), valid_until=identity.today() + timedelta(days=30), method="digital",
        given_by_person=False, guardian_names=["Anna Ek"], person_view="Positiv."),
    "disclosure": lambda p, by, orgs: consents.record_disclosure(
        p, by=by, to_org_id=orgs["ifo"].id, basis="orosanmalan", justification="Oro.", categories=["social"],
        disclosed_on=identity.today()),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_an_organisation_not_working_with_the_person_changes_nothing(held, orgs, change):
    p, af_user = held["person"], held["af_user"]
    before = [_count(m) for m in (ContactDetails, Guardian, PersonNote, Disclosure)]
    with pytest.raises(NotPermitted) as refused:
        CHANGES[change](p, af_user, orgs)
    assert refused.value.reason == "person.not_linked" and refused.value.person_id == p.id
    db.session.rollback()
    assert [_count(m) for m in (ContactDetails, Guardian, PersonNote, Disclosure)] == before
    assert db.session.get(Person, p.id).first_name == "Elsa"


@pytest.mark.parametrize("path, data", [
    ("andra", {"first_name": "Ny", "last_name": "Person", "home_kommun": ""}),
    ("kontakt", {"phone": "070-999"}),
    ("vardnadshavare", {"name": "Anna Ek", "phone": "070-1"}),
    ("anteckning", {"category": "utbildning", "text": "Ny anteckning"}),
    ("utlamnande", {"to_org": "0", "basis": "orosanmalan", "justification": "Oro.", "categories": ["social"]}),
])
def test_a_page_refuses_a_change_from_an_organisation_not_working_with_the_person(client, held, login, path,
                                                                                     data):
    p, af_user = held["person"], held["af_user"]
    login(af_user)
    response = client.post(f"/deltagare/{p.ref}/{path}", data=data)
    assert response.status_code == 403
    denied = events("access.denied", person_id=p.id)
    assert len(denied) == 1 and "person.not_linked" in denied[0].details and denied[0].user_id == af_user.id
    assert _count(PersonNote) == 1 and _count(Guardian) == 0 and _count(Disclosure) == 0
    assert db.session.get(Person, p.id).first_name == "Elsa"


def test_a_stale_identity_edit_is_refused_by_the_operation(held):
    p, ami_user = held["person"], held["ami_user"]
    opened = holders.identity_version(p, ami_user.organisation_id)
    holders.update_identity(p, by=ami_user, first_name="Elsa", last_name="Lind", home_kommun="1814",
                           is_protected=False, expected_version=opened)
    db.session.commit()
    with pytest.raises(StaleEdit) as stale:
        holders.update_identity(p, by=ami_user, first_name="Elsa-Maria", last_name="Lindqvist", home_kommun="1814",
                               is_protected=False, expected_version=opened)
    assert stale.value.current == holders.identity_version(p, ami_user.organisation_id) != opened
    db.session.rollback()
    assert (p.first_name, p.last_name) == ("Elsa", "Lind")
    assert count_events("person.update") == 1


def test_a_stale_identity_edit_keeps_every_field_typed(app, held, login):
    """The 409 page keeps what was typed in each field, the protection marking included, and saves nothing."""
    p, ami_user = held["person"], held["ami_user"]
    form_page = app.test_client()
    login(ami_user, client=form_page)
    version = re.search(r'name="version" type="hidden" value="([^"]+)"',
                        form_page.get(f"/deltagare/{p.ref}/andra").get_data(as_text=True)).group(1)
    holders.update_identity(p, by=held["ami_user"], first_name="Elsa", last_name="Lind", home_kommun=None,
                           is_protected=False)
    db.session.commit()
    late = form_page.post(f"/deltagare/{p.ref}/andra", data={
        "first_name": "Elsa-Maria", "last_name": "Berg", "home_kommun": "1861", "is_protected": "y",
        "version": version})
    body = late.get_data(as_text=True)
    assert late.status_code == 409
    assert 'value="Elsa-Maria"' in body and 'value="Berg"' in body
    assert re.search(r'<option[^>]*selected[^>]*value="1861"|<option[^>]*value="1861"[^>]*selected', body)
    assert re.search(r'name="is_protected"[^>]*checked|checked[^>]*name="is_protected"', body)
    db.session.expire_all()
    assert db.session.get(Person, p.id).last_name == "Lind" and not db.session.get(Person, p.id).is_protected


def test_a_guardian_is_refused_for_an_adult(held):
    ami_user = held["ami_user"]
    adult = f.person(ami_user, first="Omar")
    with pytest.raises(identity.PersonError) as refused:
        people.add_guardian(adult, by=ami_user, name="Anna Ek", phone="070-1")
    assert refused.value.field == "name"


def test_a_register_extract_for_a_number_that_is_not_one_is_refused_and_not_audited(held, make_user):
    with pytest.raises(identity.PersonError) as refused:
        people.register_extract("123", by=make_user(org="ami", roles=("org_admin",)))
    assert refused.value.field == "number"
    assert count_events("person.extract") == 0


def test_only_the_registrar_produces_an_extract_and_a_caseworker_cannot_register(held, make_user):
    """The operations ask the permission themselves, not only the pages: an extract shows colleagues' access."""
    p = held["person"]
    for role in ("handlaggare", "samordnare", "styrgrupp"):
        with pytest.raises(NotPermitted):
            people.register_extract(p.number_display, by=make_user(org="ami", roles=(role,)))
    with pytest.raises(NotPermitted):
        holders.register_person(by=make_user(org="ami", roles=("org_admin",)), first_name="Ny", last_name="Person",
                               number="20080314-2389")
    db.session.commit()
    assert count_events("person.extract") == 0 and _count(Person) == 1


def test_a_register_extract_records_its_format(held, make_user):
    p = held["person"]
    rows = people.register_extract(p.number_display, by=make_user(org="ami", roles=("org_admin",)), fmt="csv")
    assert any(row["action"] == "person.create" for row in rows)
    db.session.commit()
    (event,) = events("person.extract", person_id=p.id)
    assert '"format": "csv"' in event.details
