"""Who may open which referral page: anonymous → login, a role without the permission → 403, the wrong
organisation → 403, the right side → its page. Every referral endpoint and method is in the table."""
from __future__ import annotations

import pytest

from portal.db import db
from portal.permissions import ROLE_PERMISSIONS
from tests.referrals import helpers as h

#: (method, url with {r} (a referral AF sent to AMI, received) and {a} (its attachment), permission, the status
#: the receiving side gets with that permission). An empty POST is refused beside its fields (400) or, for a step
#: the receiver does not take, is a 403; a GET shows the page.
VIEWS = [
    ("GET", "/remisser/", "referral.view", 200),
    ("POST", "/remisser/", "referral.view", 303),
    ("GET", "/remisser/ny", "referral.send", 200),
    ("POST", "/remisser/ny", "referral.send", 400),
    ("GET", "/remisser/svarstid", "referral.assign", 200),
    ("POST", "/remisser/svarstid", "referral.assign", 400),
    ("GET", "/remisser/{r}", "referral.view", 200),
    ("GET", "/remisser/{r}/bilagor/{a}", "referral.view", 200),
    ("POST", "/remisser/{r}/bilagor", "referral.view", 400),
    ("POST", "/remisser/{r}/steg/accept", "referral.view", 303),
    ("POST", "/remisser/{r}/avboj", "referral.handle", 400),
    ("POST", "/remisser/{r}/avsluta", "referral.handle", 400),
    ("POST", "/remisser/{r}/tilldela", "referral.assign", 303),
    ("POST", "/remisser/{r}/kommentar", "referral.handle", 400),
    # The sender's own steps: the receiving side is refused whatever its role.
    ("GET", "/remisser/{r}/andra", "referral.send", 403),
    ("POST", "/remisser/{r}/andra", "referral.send", 403),
    ("POST", "/remisser/{r}/nytt-samtycke", "referral.send", 403),
    ("POST", "/remisser/{r}/namnge", "referral.send", 403),
]

MATRIX = [(method, url, role, expected if permission in granted else 403)
          for method, url, permission, expected in VIEWS for role, granted in ROLE_PERMISSIONS.items()]
PDF = b"%PDF-1.4\n"


@pytest.fixture
def referral(orgs, make_user):
    from referrals import attachments

    af, ami = make_user(org="af"), make_user(org="ami")
    r = h.draft(af, orgs["ami"], h.consented_person(af, orgs["ami"]))
    row = attachments.add(r, by=af, filename="utredning.pdf", data=PDF)
    from referrals import operations as ops

    ops.submit(r, by=af)
    ops.receive_on_open(r, by=ami)
    db.session.commit()
    return r, row


def _url(template: str, referral) -> str:
    r, row = referral
    return template.format(r=r.id, a=row.id)


def test_the_matrix_covers_every_referral_endpoint_and_method(app):
    covered = {(m, u.replace("{r}", "<int:referral_id>").replace("{a}", "<int:attachment_id>")) for m, u, _, _ in VIEWS}
    for rule in app.url_map.iter_rules():
        # The referral pages proper; the routines' and plans' pages on the same blueprint have their own checks.
        module = app.view_functions[rule.endpoint].__module__
        if module in ("referrals.views", "referrals.step_views"):
            rule_path = rule.rule.replace("<action>", "accept")
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (method, rule_path) in covered, (method, rule.rule)


@pytest.mark.parametrize(("method", "url"), [(m, u) for m, u, _, _ in VIEWS])
def test_anonymous_is_sent_to_login(client, referral, method, url):
    response = client.open(_url(url, referral), method=method)
    assert response.status_code == 302 and "/logga-in" in response.headers["Location"]


@pytest.mark.parametrize(("method", "url", "role", "expected"), MATRIX, ids=[f"{m} {u} {r}" for m, u, r, _ in MATRIX])
def test_role_matrix_on_the_receiving_side(client, referral, login_as, method, url, role, expected):
    login_as(org="ami", roles=(role,))
    response = client.open(_url(url, referral), method=method, data={} if method == "POST" else None)
    assert response.status_code == expected, response.get_data(as_text=True)[:300]


@pytest.mark.parametrize(("method", "url"), [(m, u) for m, u, _, _ in VIEWS if "{r}" in u])
@pytest.mark.parametrize("org", ["ifo", "kommun", "skola"])
def test_another_organisation_gets_403_on_every_referral_page(client, referral, login_as, method, url, org):
    login_as(org=org, roles=("samordnare",))
    assert client.open(_url(url, referral), method=method, data={}).status_code == 403


def test_a_missing_referral_or_attachment_is_404(client, referral, login_as):
    r, row = referral
    login_as(org="ami", roles=("samordnare",))
    assert client.get(f"/remisser/{r.id + 100}").status_code == 404
    assert client.get(f"/remisser/{r.id}/bilagor/{row.id + 100}").status_code == 404
    assert client.get(f"/remisser/{2**31}").status_code == 404
    assert client.post(f"/remisser/{r.id}/steg/nonsens", data={}).status_code == 404
