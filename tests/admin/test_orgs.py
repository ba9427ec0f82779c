"""Organisationer: create and edit, with Swedish messages beside the field and nothing typed lost."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.db import db
from portal.errors import NotPermitted, StaleEdit
from portal.orgs import Organisation, by_code, create_organisation, update_organisation, version_of
from tests.helpers import events


def _form(**overrides) -> dict:
    data = {"name": "Örebro kommun", "code": "orebro", "kind": "kommun", "orgnr": "2120001884", "parent": ""}
    data.update(overrides)
    return data


def test_system_admin_creates_an_organisation(client, orgs, login_as):
    login_as(roles=("system_admin",))
    response = client.post("/admin/organisationer/ny", data=_form(parent=str(orgs["kommun"].id)))
    assert response.status_code == 302
    org = by_code("orebro")
    assert org.orgnr == "212000-1884" and org.parent_id == orgs["kommun"].id and org.is_active
    assert events("org.create", object_id=str(org.id))
    page = client.get("/admin/organisationer").get_data(as_text=True)
    assert "Örebro kommun" in page and "212000-1884" in page


def test_bad_orgnr_is_refused_beside_the_field_and_typed_values_kept(client, orgs, login_as):
    login_as(roles=("system_admin",))
    response = client.post("/admin/organisationer/ny", data=_form(orgnr="212000-2980", name="Nya enheten"))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Ogiltigt organisationsnummer" in page
    assert 'id="orgnr-fel"' in page and 'aria-invalid="true"' in page
    assert 'value="212000-2980"' in page and 'value="Nya enheten"' in page and 'value="orebro"' in page
    assert by_code("orebro") is None


def test_duplicate_code_is_refused(client, orgs, login_as):
    login_as(roles=("system_admin",))
    response = client.post("/admin/organisationer/ny", data=_form(code="lekeberg", name="Dubblett"))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "används redan" in page and 'id="code-fel"' in page
    assert 'value="Dubblett"' in page and 'value="lekeberg"' in page


def test_missing_name_is_refused(client, orgs, login_as):
    login_as(roles=("system_admin",))
    response = client.post("/admin/organisationer/ny", data=_form(name=""))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Ange organisationens namn." in page and 'value="orebro"' in page


def test_edit_keeps_the_code_and_changes_the_rest(client, orgs, login_as):
    login_as(roles=("system_admin",))
    ami = orgs["ami"]
    response = client.post(f"/admin/organisationer/{ami.id}", data={
        "name": "Arbetsmarknadsenheten", "code": "hackad", "kind": "kommun", "orgnr": "212000-2981",
        "parent": "", "is_active": "",
    })
    assert response.status_code == 302
    db.session.expire_all()
    ami = db.session.get(Organisation, ami.id)
    assert (ami.name, ami.code, ami.parent_id, ami.is_active) == ("Arbetsmarknadsenheten", "lekeberg-ami", None,
                                                                  False)
    assert events("org.update", object_id=str(ami.id))


def test_edit_with_bad_orgnr_keeps_what_was_typed(client, orgs, login_as):
    login_as(roles=("system_admin",))
    ami = orgs["ami"]
    response = client.post(f"/admin/organisationer/{ami.id}", data={
        "name": "Nytt namn", "kind": "kommun", "orgnr": "12345", "parent": str(orgs["kommun"].id), "is_active": "y",
    })
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Ogiltigt organisationsnummer" in page and 'value="12345"' in page and 'value="Nytt namn"' in page
    db.session.expire_all()
    assert db.session.get(Organisation, ami.id).name == "Lekebergs kommun, AMI"


def test_an_organisation_cannot_be_placed_under_its_own_unit(client, orgs, login_as):
    login_as(roles=("system_admin",))
    kommun = orgs["kommun"]
    response = client.post(f"/admin/organisationer/{kommun.id}", data={
        "name": kommun.name, "kind": "kommun", "orgnr": kommun.orgnr, "parent": str(orgs["ami"].id),
        "is_active": "y",
    })
    assert response.status_code == 400
    assert "sig själv" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(Organisation.parent_id).where(Organisation.id == kommun.id)) is None


def test_unknown_organisation_is_404(client, orgs, login_as):
    login_as(roles=("system_admin",))
    assert client.get("/admin/organisationer/999999").status_code == 404


def test_a_stale_organisation_edit_is_refused(client, orgs, login_as):
    login_as(roles=("system_admin",))
    ami = orgs["ami"]
    page = client.get(f"/admin/organisationer/{ami.id}").get_data(as_text=True)
    opened = re.search(r'name="version" type="hidden" value="([^"]*)"', page).group(1)
    form = {"name": "Först", "kind": "kommun", "orgnr": "212000-2981", "parent": "", "is_active": "y"}
    assert client.post(f"/admin/organisationer/{ami.id}", data={**form, "version": opened}).status_code == 302
    response = client.post(f"/admin/organisationer/{ami.id}", data={**form, "name": "Sedan", "version": opened})
    assert response.status_code == 409
    assert 'value="Sedan"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Organisation, ami.id).name == "Först"


def test_the_operations_refuse_anyone_without_org_manage(orgs, make_user):
    """The rule is asked by the operation too, so no page or script acting for a user can slip past it."""
    org_admin = make_user(org="kommun", roles=("org_admin",))
    with pytest.raises(NotPermitted):
        create_organisation(name="Örebro kommun", code="orebro", kind="kommun", orgnr="2120001884", by=org_admin)
    with pytest.raises(NotPermitted):
        update_organisation(orgs["ami"], name="Nytt namn", kind="kommun", orgnr="212000-2981", parent=None,
                            is_active=True, by=org_admin)
    db.session.expire_all()
    assert by_code("orebro") is None and db.session.get(Organisation, orgs["ami"].id).name != "Nytt namn"


def test_an_organisation_cannot_sit_under_its_own_unit(client, orgs, login_as):
    login_as(roles=("system_admin",))
    kommun, ami = orgs["kommun"], orgs["ami"]
    form = {"name": kommun.name, "kind": "kommun", "orgnr": "212000-2981", "parent": str(ami.id), "is_active": "y",
            "version": version_of(kommun)}
    response = client.post(f"/admin/organisationer/{kommun.id}", data=form)
    assert response.status_code == 400
    assert "inte ligga under sig själv" in response.get_data(as_text=True)


def test_a_stale_edit_is_refused_by_the_operation_itself(orgs, make_user):
    admin = make_user(roles=("system_admin",))
    ami = orgs["ami"]
    opened = version_of(ami)
    update_organisation(ami, name="Först", kind="kommun", orgnr="212000-2981", parent=orgs["kommun"],
                        is_active=True, by=admin, expected_version=opened)
    with pytest.raises(StaleEdit) as info:
        update_organisation(ami, name="Sedan", kind="kommun", orgnr="212000-2981", parent=orgs["kommun"],
                            is_active=True, by=admin, expected_version=opened)
    assert info.value.current == version_of(ami) and ami.name == "Först"
