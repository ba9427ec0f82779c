"""Användare: an org admin manages only their own organisation's staff; bad input is shown beside the field."""
from __future__ import annotations

import re

import pytest

from portal.auth.models import User
from portal.auth.operations import by_email
from portal.db import db
from tests.helpers import PASSWORD, count_events, events

NEW_PASSWORD = "Ett-helt-annat-losen-9"


def _fresh(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def _new(**overrides) -> dict:
    data = {"email": "Ny.Person@Lekeberg.se", "name": "Ny Person", "roles": ["handlaggare"],
            "password": NEW_PASSWORD}
    data.update(overrides)
    return data


# --- What an org admin sees and may do -----------------------------------------------------------


def test_org_admin_lists_only_their_own_organisation(client, orgs, make_user, login_as):
    make_user(org="kommun", name="Kommunens Handläggare")
    make_user(org="ami", name="Enhetens Handläggare")  # a unit of the kommun is a separate organisation
    make_user(org="af", name="Förmedlingens Handläggare")
    login_as(org="kommun", roles=("org_admin",))
    page = client.get("/admin/anvandare").get_data(as_text=True)
    assert "Kommunens Handläggare" in page
    assert "Enhetens Handläggare" not in page and "Förmedlingens Handläggare" not in page
    assert 'name="org"' not in page  # no organisation filter for an org admin


def test_system_admin_sees_all_and_filters_by_organisation(client, orgs, make_user, login_as):
    make_user(org="kommun", name="Kommunens Handläggare")
    make_user(org="af", name="Förmedlingens Handläggare")
    login_as(org="kommun", roles=("system_admin",))
    page = client.get("/admin/anvandare").get_data(as_text=True)
    assert "Kommunens Handläggare" in page and "Förmedlingens Handläggare" in page
    page = client.get(f"/admin/anvandare?org={orgs['af'].id}").get_data(as_text=True)
    assert "Förmedlingens Handläggare" in page and "Kommunens Handläggare" not in page


def test_the_list_is_paginated_and_keeps_the_filter(client, orgs, make_user, login_as):
    login_as(org="af", roles=("system_admin",))
    for _ in range(30):
        make_user(org="kommun")
    page = client.get(f"/admin/anvandare?org={orgs['kommun'].id}").get_data(as_text=True)
    assert 'class="pagination"' in page
    assert f"/admin/anvandare?page=2&amp;org={orgs['kommun'].id}" in page
    second = client.get(f"/admin/anvandare?page=2&org={orgs['kommun'].id}")
    assert second.status_code == 200 and "Testperson" in second.get_data(as_text=True)


@pytest.mark.parametrize(("method", "suffix", "data"), [
    ("GET", "", None),
    ("POST", "", {"name": "Kapad", "roles": ["org_admin"]}),
    ("POST", "/inaktivera", None),
    ("POST", "/aktivera", None),
    ("POST", "/tvafaktor", None),
])
def test_org_admin_cannot_touch_another_organisations_user(client, orgs, make_user, login_as, method, suffix, data):
    other = make_user(org="ami", name="Annan Organisation")
    login_as(org="kommun", roles=("org_admin",))
    response = client.open(f"/admin/anvandare/{other.id}{suffix}", method=method, data=data)
    assert response.status_code == 403
    other = _fresh(other)
    assert other.is_active and other.name == "Annan Organisation" and other.role_names == ["handlaggare"]
    # The refusal is in the audit trail even though the request itself rolled back.
    denied = events("access.denied", object_type="User", object_id=str(other.id))
    assert len(denied) == 1 and "user.manage" in denied[0].details


def test_org_admin_cannot_create_a_user_in_another_organisation(client, orgs, login_as):
    login_as(org="kommun", roles=("org_admin",))
    # A tampered form naming another organisation is ignored: the account lands in the admin's own.
    response = client.post("/admin/anvandare/ny", data=_new(organisation=str(orgs["af"].id)))
    assert response.status_code == 302
    assert by_email("ny.person@lekeberg.se").organisation_id == orgs["kommun"].id


def test_org_admin_cannot_grant_system_admin(client, orgs, make_user, login_as):
    colleague = make_user(org="kommun")
    login_as(org="kommun", roles=("org_admin",))
    form = client.get("/admin/anvandare/ny").get_data(as_text=True)
    assert 'value="system_admin"' not in form and 'value="org_admin"' in form

    response = client.post("/admin/anvandare/ny", data=_new(roles=["handlaggare", "system_admin"]))
    assert response.status_code == 400
    assert "Du får inte ge eller ta bort rollen Systemadministratör" in response.get_data(as_text=True)
    assert by_email("ny.person@lekeberg.se") is None

    response = client.post(f"/admin/anvandare/{colleague.id}", data={"name": "X", "roles": ["system_admin"]})
    assert response.status_code == 400
    assert _fresh(colleague).role_names == ["handlaggare"]


def test_org_admin_cannot_manage_a_system_admin_of_their_own_organisation(client, orgs, make_user, login_as):
    system_admin = make_user(org="kommun", roles=("system_admin",))
    login_as(org="kommun", roles=("org_admin",))
    assert client.post(f"/admin/anvandare/{system_admin.id}/inaktivera").status_code == 403
    assert _fresh(system_admin).is_active
    assert f'href="/admin/anvandare/{system_admin.id}"' not in client.get("/admin/anvandare").get_data(as_text=True)


def test_system_admin_can_grant_system_admin_in_any_organisation(client, orgs, login_as):
    login_as(org="kommun", roles=("system_admin",))
    response = client.post("/admin/anvandare/ny",
                           data=_new(organisation=str(orgs["af"].id), roles=["system_admin", "org_admin"]))
    assert response.status_code == 302
    user = by_email("ny.person@lekeberg.se")
    assert user.organisation_id == orgs["af"].id and user.role_names == ["org_admin", "system_admin"]


# --- Create, edit, deactivate --------------------------------------------------------------------


def test_org_admin_creates_a_user_who_can_log_in(client, app, orgs, login_as, login):
    admin = login_as(org="kommun", roles=("org_admin",))
    response = client.post("/admin/anvandare/ny", data=_new(roles=["handlaggare", "samordnare"]))
    assert response.status_code == 302
    user = by_email("ny.person@lekeberg.se")
    assert user.organisation_id == admin.organisation_id and user.role_names == ["handlaggare", "samordnare"]
    created = events("user.create", object_id=str(user.id))
    assert len(created) == 1 and created[0].user_id == admin.id
    login(user, NEW_PASSWORD, client=app.test_client())


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"email": "user1@lekeberg.example"}, "email", "E-postadressen används redan"),
    ({"roles": []}, "roles", "Välj minst en roll."),
    ({"password": "kort"}, "password", "Lösenordet måste ha minst 12 tecken."),
    ({"password": "ny.person-123456"}, "password", "för lätt att gissa"),
    ({"email": "inte-en-adress"}, "email", "Ange en giltig e-postadress"),
])
def test_bad_input_is_shown_beside_the_field_and_kept(client, orgs, make_user, login_as, overrides, field, message):
    make_user(org="kommun", email="user1@lekeberg.example")
    login_as(org="kommun", roles=("org_admin",))
    data = _new(**overrides)
    response = client.post("/admin/anvandare/ny", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page and f'id="{field}-fel"' in page
    assert f'value="{data["email"]}"' in page and 'value="Ny Person"' in page
    for role in data["roles"]:
        assert re.search(rf'checked id="roles-\d" name="roles" type="checkbox" value="{role}"', page)
    assert data["password"] not in page  # a password is never sent back


def test_system_admin_must_pick_an_organisation(client, orgs, login_as):
    login_as(org="kommun", roles=("system_admin",))
    response = client.post("/admin/anvandare/ny", data=_new(organisation=""))
    assert response.status_code == 400
    assert "Välj vilken organisation" in response.get_data(as_text=True)


def test_edit_name_and_roles(client, orgs, make_user, login_as):
    colleague = make_user(org="kommun")
    login_as(org="kommun", roles=("org_admin",))
    page = client.get(f"/admin/anvandare/{colleague.id}").get_data(as_text=True)
    assert 'checked id="roles-0" name="roles" type="checkbox" value="handlaggare"' in page
    response = client.post(f"/admin/anvandare/{colleague.id}", data={"name": "Nytt Namn",
                                                                       "roles": ["samordnare", "styrgrupp"]})
    assert response.status_code == 302
    colleague = _fresh(colleague)
    assert colleague.name == "Nytt Namn" and colleague.role_names == ["samordnare", "styrgrupp"]
    assert events("user.update", object_id=str(colleague.id))


def test_edit_without_roles_is_refused_and_kept(client, orgs, make_user, login_as):
    colleague = make_user(org="kommun")
    login_as(org="kommun", roles=("org_admin",))
    response = client.post(f"/admin/anvandare/{colleague.id}", data={"name": "Skrivet Namn"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Välj minst en roll." in page and 'value="Skrivet Namn"' in page
    assert _fresh(colleague).role_names == ["handlaggare"]


def test_admin_cannot_remove_their_own_admin_role_or_deactivate_themselves(client, orgs, login_as):
    admin = login_as(org="kommun", roles=("org_admin",))
    response = client.post(f"/admin/anvandare/{admin.id}", data={"name": admin.name, "roles": ["handlaggare"]})
    assert response.status_code == 400 and "egen administratörsroll" in response.get_data(as_text=True)
    response = client.post(f"/admin/anvandare/{admin.id}/inaktivera")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "ditt eget konto" in page
    assert f'value="{admin.name}"' in page  # the page around the message still shows the account as it is
    assert _fresh(admin).is_active and _fresh(admin).role_names == ["org_admin"]


def test_deactivation_ends_the_users_open_session_at_once(app, client, orgs, make_user, login_as, login):
    colleague = make_user(org="kommun")
    their_browser = app.test_client()
    login(colleague, client=their_browser)
    assert their_browser.get("/").status_code == 200

    login_as(org="kommun", roles=("org_admin",))
    response = client.post(f"/admin/anvandare/{colleague.id}/inaktivera", follow_redirects=True)
    assert response.status_code == 200 and "inaktiverat" in response.get_data(as_text=True)

    response = their_browser.get("/")
    assert response.status_code == 302 and "/logga-in" in response.headers["Location"]
    # Nor can they log in again until reactivated.
    refused = their_browser.post("/logga-in", data={"email": colleague.email, "password": PASSWORD})
    assert refused.status_code != 302
    assert count_events("user.deactivate") == 1

    client.post(f"/admin/anvandare/{colleague.id}/aktivera")
    assert _fresh(colleague).is_active
    login(colleague, client=their_browser)


def test_a_repeated_deactivation_changes_nothing(client, orgs, make_user, login_as):
    colleague = make_user(org="kommun")
    login_as(org="kommun", roles=("org_admin",))
    client.post(f"/admin/anvandare/{colleague.id}/inaktivera")
    version = _fresh(colleague).session_version
    assert client.post(f"/admin/anvandare/{colleague.id}/inaktivera").status_code == 302
    assert _fresh(colleague).session_version == version and count_events("user.deactivate") == 1


def test_reset_two_factor(client, orgs, make_user, login_as):
    colleague = make_user(org="kommun")
    colleague.totp_secret, colleague.is_totp_enabled = "JBSWY3DPEHPK3PXP", True
    db.session.commit()
    login_as(org="kommun", roles=("org_admin",))
    assert client.post(f"/admin/anvandare/{colleague.id}/tvafaktor").status_code == 302
    colleague = _fresh(colleague)
    assert not colleague.is_totp_enabled and colleague.totp_secret is None
    assert events("user.totp_reset", object_id=str(colleague.id))


def test_unknown_user_is_404(client, orgs, login_as):
    login_as(org="kommun", roles=("org_admin",))
    assert client.get("/admin/anvandare/999999").status_code == 404


def test_buttons_carry_a_csrf_token(make_app, orgs, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    browser = app.test_client()
    colleague = make_user(org="kommun")
    admin = make_user(org="kommun", roles=("org_admin",))
    page = browser.get("/logga-in").get_data(as_text=True)
    from tests.helpers import csrf_token

    browser.post("/logga-in", data={"email": admin.email, "password": PASSWORD, "csrf_token": csrf_token(page)})
    assert browser.post(f"/admin/anvandare/{colleague.id}/inaktivera").status_code == 400  # no token
    assert _fresh(colleague).is_active
    page = browser.get(f"/admin/anvandare/{colleague.id}").get_data(as_text=True)
    response = browser.post(f"/admin/anvandare/{colleague.id}/inaktivera", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302 and not _fresh(colleague).is_active


def _version(page: str) -> str:
    return re.search(r'id="version" name="version" type="hidden" value="([^"]*)"', page).group(1)


def test_a_stale_edit_is_refused_and_what_was_typed_kept(app, client, orgs, make_user, login_as, login):
    colleague = make_user(org="kommun", name="Före Ändring")
    login_as(org="kommun", roles=("org_admin",))
    opened = _version(client.get(f"/admin/anvandare/{colleague.id}").get_data(as_text=True))

    other_admin = make_user(org="kommun", roles=("org_admin",))
    other_browser = app.test_client()
    login(other_admin, client=other_browser)
    assert other_browser.post(f"/admin/anvandare/{colleague.id}",
                              data={"name": "Andras Namn", "roles": ["samordnare"]}).status_code == 302

    response = client.post(f"/admin/anvandare/{colleague.id}",
                           data={"name": "Mitt Namn", "roles": ["styrgrupp"], "version": opened})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Någon annan har ändrat uppgifterna" in page and 'value="Mitt Namn"' in page
    assert _fresh(colleague).name == "Andras Namn"
    # Saving again, now knowing, replaces the other change.
    response = client.post(f"/admin/anvandare/{colleague.id}",
                           data={"name": "Mitt Namn", "roles": ["styrgrupp"], "version": _version(page)})
    assert response.status_code == 302 and _fresh(colleague).role_names == ["styrgrupp"]
