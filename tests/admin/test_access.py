"""Who may open which admin page: anonymous → login, a role without the permission → 403, the right role → 200."""
from __future__ import annotations

import pytest

from portal.permissions import ROLE_PERMISSIONS

#: Every admin endpoint: (method, url with {org}/{user} placeholders, permission it needs).
VIEWS = [
    ("GET", "/admin/organisationer", "org.manage"),
    ("GET", "/admin/organisationer/ny", "org.manage"),
    ("POST", "/admin/organisationer/ny", "org.manage"),
    ("GET", "/admin/organisationer/{org}", "org.manage"),
    ("GET", "/admin/anvandare", "user.manage"),
    ("GET", "/admin/anvandare/ny", "user.manage"),
    ("GET", "/admin/anvandare/{user}", "user.manage"),
    ("POST", "/admin/anvandare/{user}/inaktivera", "user.manage"),
    ("POST", "/admin/anvandare/{user}/aktivera", "user.manage"),
    ("POST", "/admin/anvandare/{user}/tvafaktor", "user.manage"),
    ("GET", "/admin/granskningslogg", "audit.search"),
    ("POST", "/admin/granskningslogg/kontrollera", "audit.search"),
]

MATRIX = [(method, url, permission, role, permission in granted)
          for method, url, permission in VIEWS for role, granted in ROLE_PERMISSIONS.items()]


def _url(template: str, orgs, target) -> str:
    return template.format(org=orgs["kommun"].id, user=target.id)


def test_the_matrix_covers_every_admin_endpoint(app):
    covered = {url.split("{")[0].rstrip("/") for _, url, _ in VIEWS}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("admin."):
            assert rule.rule.split("<")[0].rstrip("/") in covered, rule.rule


@pytest.mark.parametrize(("method", "url", "permission"), VIEWS)
def test_anonymous_is_sent_to_login(client, orgs, make_user, method, url, permission):
    target = make_user()
    response = client.open(_url(url, orgs, target), method=method)
    assert response.status_code == 302
    assert "/logga-in" in response.headers["Location"]


@pytest.mark.parametrize(("method", "url", "permission", "role", "allowed"), MATRIX,
                         ids=[f"{m} {u} {r}" for m, u, _, r, _ in MATRIX])
def test_role_matrix(client, orgs, make_user, login_as, method, url, permission, role, allowed):
    target = make_user(org="kommun", roles=("handlaggare",))
    login_as(org="kommun", roles=(role,))
    response = client.open(_url(url, orgs, target), method=method, follow_redirects=method == "POST")
    if allowed:
        # A POST that creates nothing (the empty organisation form) is re-shown with its errors: 400.
        expected = 400 if url == "/admin/organisationer/ny" and method == "POST" else 200
        assert response.status_code == expected, response.get_data(as_text=True)[:300]
    else:
        assert response.status_code == 403


def test_menu_shows_admin_entries_by_role(client, orgs, login_as):
    login_as(org="kommun", roles=("org_admin",))
    page = client.get("/").get_data(as_text=True)
    assert "Användare" in page and "Granskningslogg" in page
    assert "/admin/organisationer" not in page


def test_only_the_open_admin_page_is_marked_current(client, orgs, login_as):
    login_as(org="kommun", roles=("system_admin",))
    page = client.get("/admin/anvandare").get_data(as_text=True)
    assert page.count('aria-current="page"') == 1
    assert '<a href="/admin/anvandare" aria-current="page">' in page
