"""Who may open which admin page: anonymous → login, a role without the permission → 403, the right role → 200."""
from __future__ import annotations

import pytest

from portal.permissions import ROLE_PERMISSIONS

#: Every admin endpoint and method: (method, url with {org}/{user} placeholders, permission it needs, status the
#: right role gets). An empty POST of a form is re-shown with its errors (400); buttons redirect, followed to 200.
VIEWS = [
    ("GET", "/admin/organisationer", "org.manage", 200),
    ("GET", "/admin/organisationer/ny", "org.manage", 200),
    ("POST", "/admin/organisationer/ny", "org.manage", 400),
    ("GET", "/admin/organisationer/{org}", "org.manage", 200),
    ("POST", "/admin/organisationer/{org}", "org.manage", 400),
    ("GET", "/admin/organisationer/{org}/inloggning", "signin.manage", 200),
    ("POST", "/admin/organisationer/{org}/inloggning", "signin.manage", 400),
    ("GET", "/admin/anvandare", "user.manage", 200),
    ("GET", "/admin/anvandare/ny", "user.manage", 200),
    ("POST", "/admin/anvandare/ny", "user.manage", 400),
    ("GET", "/admin/anvandare/{user}", "user.manage", 200),
    ("POST", "/admin/anvandare/{user}", "user.manage", 400),
    ("POST", "/admin/anvandare/{user}/inaktivera", "user.manage", 200),
    ("POST", "/admin/anvandare/{user}/aktivera", "user.manage", 200),
    ("POST", "/admin/anvandare/{user}/tvafaktor", "user.manage", 200),
    ("GET", "/admin/granskningslogg", "audit.search", 200),
    ("POST", "/admin/granskningslogg/kontrollera", "audit.search", 200),
    ("GET", "/admin/e-post", "mail.monitor", 200),
]

MATRIX = [(method, url, role, expected if permission in granted else 403)
          for method, url, permission, expected in VIEWS for role, granted in ROLE_PERMISSIONS.items()]


def _url(template: str, orgs, target) -> str:
    return template.format(org=orgs["kommun"].id, user=target.id)


def test_the_matrix_covers_every_admin_endpoint_and_method(app):
    covered = {(method, url.replace("{org}", "<int:org_id>").replace("{user}", "<int:user_id>"))
               for method, url, _, _ in VIEWS}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("admin."):
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (method, rule.rule) in covered, (method, rule.rule)


@pytest.mark.parametrize(("method", "url"), [(method, url) for method, url, _, _ in VIEWS])
def test_anonymous_is_sent_to_login(client, orgs, make_user, method, url):
    target = make_user()
    response = client.open(_url(url, orgs, target), method=method)
    assert response.status_code == 302
    assert "/logga-in" in response.headers["Location"]


@pytest.mark.parametrize(("method", "url", "role", "expected"), MATRIX,
                         ids=[f"{m} {u} {r}" for m, u, r, _ in MATRIX])
def test_role_matrix(client, orgs, make_user, login_as, method, url, role, expected):
    target = make_user(org="kommun", roles=("handlaggare",))
    login_as(org="kommun", roles=(role,))
    # A browser posts every text field, empty or not; a missing field would keep the record's own value.
    data = {"name": ""} if method == "POST" else None
    response = client.open(_url(url, orgs, target), method=method, data=data, follow_redirects=method == "POST")
    assert response.status_code == expected, response.get_data(as_text=True)[:300]


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
