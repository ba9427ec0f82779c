"""The organisation's sign-in settings: password login on or off, and which providers may create accounts."""
from __future__ import annotations

import json
import re

import pytest

from portal.auth.models import ProviderUserCreation
from portal.db import db
from portal.orgs import Organisation
from tests.helpers import events


@pytest.fixture
def portal(make_app, orgs):
    providers = {"lekeberg": {"label": "Lekebergs kommun (SITHS)", "issuer": "https://idp.lekeberg.example",
                              "client_id": "dua", "client_secret": "s", "organisations": ["lekeberg-ami"]}}
    return make_app(OIDC_PROVIDERS=providers)


@pytest.fixture
def client(portal):
    return portal.test_client()


def _page(client, org) -> tuple[str, str]:
    html = client.get(f"/admin/organisationer/{org.id}/inloggning").get_data(as_text=True)
    return html, re.search(r'name="version" type="hidden" value="([^"]*)"', html).group(1)


def test_org_admin_switches_password_login_off_and_allows_account_creation(client, orgs, login_as):
    login_as(org="ami", roles=("org_admin",))
    users_page = client.get("/admin/anvandare").get_data(as_text=True)
    assert f"/admin/organisationer/{orgs['ami'].id}/inloggning" in users_page
    html, version = _page(client, orgs["ami"])
    assert "Lekebergs kommun (SITHS)" in html and "Tillåt inloggning med lösenord" in html
    response = client.post(f"/admin/organisationer/{orgs['ami'].id}/inloggning",
                           data={"creating": ["lekeberg"], "version": version})
    assert response.status_code == 302
    db.session.rollback()
    ami = db.session.get(Organisation, orgs["ami"].id)
    assert ami.password_login_allowed is False
    assert [c.provider for c in db.session.query(ProviderUserCreation).filter_by(organisation_id=ami.id)] == \
        ["lekeberg"]
    details = json.loads(events("org.signin_settings")[-1].details)
    assert details == {"password_login_allowed": False, "creating_providers": ["lekeberg"]}
    assert "Inloggningssätten för" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_password_login_cannot_be_switched_off_without_a_provider(client, orgs, login_as):
    login_as(org="ifo", roles=("org_admin",))
    html, version = _page(client, orgs["ifo"])
    assert "Ingen inloggningstjänst för e-legitimation är inställd" in html
    response = client.post(f"/admin/organisationer/{orgs['ifo'].id}/inloggning", data={"version": version})
    assert response.status_code == 400
    assert "Lösenordsinloggning kan inte stängas av" in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.get(Organisation, orgs["ifo"].id).password_login_allowed is True


def test_a_provider_not_serving_the_organisation_cannot_be_chosen(client, orgs, login_as):
    login_as(org="ami", roles=("org_admin",))
    _, version = _page(client, orgs["ami"])
    response = client.post(f"/admin/organisationer/{orgs['ami'].id}/inloggning",
                           data={"password_login_allowed": "y", "creating": ["annan"], "version": version})
    assert response.status_code == 400
    assert db.session.query(ProviderUserCreation).count() == 0


def test_another_organisations_settings_are_refused_and_audited(client, orgs, login_as):
    login_as(org="ifo", roles=("org_admin",))
    response = client.post(f"/admin/organisationer/{orgs['ami'].id}/inloggning", data={"version": ""})
    assert response.status_code == 403
    assert client.get(f"/admin/organisationer/{orgs['ami'].id}/inloggning").status_code == 403
    assert events("access.denied")


def test_a_caseworker_has_no_such_page(client, orgs, login_as):
    login_as(org="ami", roles=("handlaggare",))
    assert client.get(f"/admin/organisationer/{orgs['ami'].id}/inloggning").status_code == 403
    assert client.get("/admin/organisationer/999999/inloggning").status_code == 403  # no hint what exists


def test_system_admin_reaches_it_from_the_organisation_and_a_stale_form_is_refused(client, orgs, login_as):
    login_as(org="kommun", roles=("system_admin",))
    assert f"/admin/organisationer/{orgs['ami'].id}/inloggning" in \
        client.get(f"/admin/organisationer/{orgs['ami'].id}").get_data(as_text=True)
    _, opened = _page(client, orgs["ami"])
    url = f"/admin/organisationer/{orgs['ami'].id}/inloggning"
    assert client.post(url, data={"creating": ["lekeberg"], "password_login_allowed": "y",
                                  "version": opened}).status_code == 302
    response = client.post(url, data={"version": opened})
    assert response.status_code == 409
    db.session.rollback()
    assert db.session.get(Organisation, orgs["ami"].id).password_login_allowed is True


def test_an_unknown_organisation_is_404(client, orgs, login_as):
    login_as(org="kommun", roles=("system_admin",))
    assert client.get("/admin/organisationer/999999/inloggning").status_code == 404
