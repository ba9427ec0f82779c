"""No N+1: the admin lists send the same number of SQL statements for 3 rows as for 30."""
from __future__ import annotations

from portal import audit
from portal.db import db
from portal.orgs import create_organisation

ORG_CYCLE = ("kommun", "ami", "ifo", "skola", "af")


def _statements(client, count_queries, url: str) -> int:
    client.get(url)  # warm up caches (templates, compiled statements) outside the measurement
    with count_queries() as counted:
        response = client.get(url)
    assert response.status_code == 200
    return counted[0]


def test_users_list_is_not_n_plus_one(client, orgs, make_user, login_as, count_queries):
    login_as(org="kommun", roles=("system_admin",))
    for n in range(2):
        make_user(org=ORG_CYCLE[n % 5], roles=("handlaggare", "samordnare"))
    few = _statements(client, count_queries, "/admin/anvandare")
    for n in range(27):
        make_user(org=ORG_CYCLE[n % 5], roles=("handlaggare", "styrgrupp"))
    many = _statements(client, count_queries, "/admin/anvandare")
    assert many == few, (few, many)


def test_organisations_list_is_not_n_plus_one(client, orgs, make_user, login_as, count_queries):
    login_as(org="kommun", roles=("system_admin",))
    few = _statements(client, count_queries, "/admin/organisationer")  # 5 organisations
    for n in range(25):
        org = create_organisation(name=f"Enhet {n}", code=f"enhet-{n}", kind="skola", orgnr="212000-2981",
                                  parent=orgs["kommun"], by=None)
        db.session.commit()
        make_user(org=org)
    many = _statements(client, count_queries, "/admin/organisationer")
    assert many == few, (few, many)


def test_audit_search_is_not_n_plus_one(client, orgs, make_user, login_as, count_queries):
    admin = login_as(org="kommun", roles=("system_admin",))
    audit.record("test.read", by=admin, person_id=1000)  # a page naming people looks their pseudonyms up once
    db.session.commit()
    few = _statements(client, count_queries, "/admin/granskningslogg")
    for n in range(40):
        user = make_user(org=ORG_CYCLE[n % 5])
        audit.record("test.read", by=user, person_id=n)
    audit.record("test.read", by=admin)
    db.session.commit()
    many = _statements(client, count_queries, "/admin/granskningslogg")
    # Objects are named in words with one query per kind of object on the page (users, organisations, …), never
    # one per row: forty more rows of one kind cost nothing more.
    assert many <= few, (few, many)
