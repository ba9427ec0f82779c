"""List pages cost the same whatever the caseload: the same statements with 10 and with 1,000 visible people,
one audit event per page shown, and a person's extract still exact."""
from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import insert, select

from portal import audit, audit_check
from portal.audit import AuditEvent
from portal.db import db
from portal.people import identity
from portal.people import operations as people
from portal.people.models import Consent, ConsentParty, Person, PersonLink
from tests.people import factories as f


def _bulk_people(org_id: int, count: int, *, start: int, consent_for: int | None = None) -> list[int]:
    """`count` people held by `org_id`, inserted in bulk (the operations are exercised elsewhere); with
    `consent_for`, each has a consent naming that organisation which the holder registered."""
    rows = []
    for n in range(start, start + count):
        birth = f.born(17, n % 360)
        number = f.pnr(birth, f"{100 + n // 360}").replace("-", "")
        rows.append({"first_name": f"Förnamn{n}", "last_name": f"Efternamn{n:05d}", "id_kind": "personnummer",
                     "id_number": number, "birth_date": birth, "home_kommun": "1814",
                     "is_protected": False, "pseudonym": f"D-{900000 + n}", "ref": secrets.token_urlsafe(9),
                     "keeper_org_id": org_id})
    db.session.execute(insert(Person), rows)
    ids = list(db.session.scalars(select(Person.id).where(Person.pseudonym.in_([r["pseudonym"] for r in rows]))))
    db.session.execute(insert(PersonLink), [{"person_id": pid, "organisation_id": org_id, "first_name": "F",
                                             "last_name": "E"} for pid in ids])
    if consent_for is not None:
        today = identity.today()
        for pid in ids:
            consent = Consent(person_id=pid, recorded_by_org_id=org_id, purposes=["samordning"],
                              categories=["utbildning"], valid_from=today, valid_until=today + timedelta(days=90),
                              method="digital")
            consent.parties = [ConsentParty(organisation_id=org_id, status="confirmed"),
                               ConsentParty(organisation_id=consent_for)]
            db.session.add(consent)
    db.session.commit()
    return ids


def _statements(client, count_queries, method: str, url: str, **data) -> int:
    client.open(url, method=method, data=data)  # warm: the session, the role table
    with count_queries() as counted:
        response = client.open(url, method=method, data=data)
    assert response.status_code == 200
    return counted[0]


def test_people_list_and_search_cost_the_same_with_10_and_1000_visible(client, orgs, make_user, login,
                                                                       count_queries):
    ami_user = make_user(org="ami")
    af_user = make_user(org="af")
    _bulk_people(orgs["ami"].id, 10, start=1, consent_for=orgs["af"].id)
    login(ami_user)
    af = client.application.test_client()
    login(af_user, client=af)
    pages = [(client, "GET", "/deltagare", {}), (client, "POST", "/deltagare", {"q": "Efternamn"}),
             (af, "GET", "/deltagare", {}), (af, "POST", "/deltagare", {"q": "Förnamn1"})]
    few = [_statements(c, count_queries, m, u, **d) for c, m, u, d in pages]
    _bulk_people(orgs["ami"].id, 990, start=11, consent_for=orgs["af"].id)
    many = [_statements(c, count_queries, m, u, **d) for c, m, u, d in pages]
    assert many == few
    listing = client.get("/deltagare").get_data(as_text=True)
    assert "1000" in listing.replace("\u00a0", "").replace(" ", "")  # the total is counted by the database


def test_a_list_page_writes_one_event_and_the_extract_stays_exact(client, orgs, make_user, login):
    ami_user = make_user(org="ami")
    ids = _bulk_people(orgs["ami"].id, 30, start=2000)
    login(ami_user)
    before = db.session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1))
    assert client.get("/deltagare").status_code == 200
    db.session.rollback()
    new = db.session.scalars(select(AuditEvent).where(AuditEvent.seq > before)).all()
    reads = [e for e in new if e.action == "person.read"]
    assert len(reads) == 1 and len(audit.people_of(reads[0])) == 25  # one page of 25, one event
    shown = set(audit.people_of(reads[0]))
    registrar = make_user(org="ami", roles=("org_admin",))
    first_shown = db.session.get(Person, sorted(shown)[0])
    not_shown = db.session.get(Person, next(pid for pid in ids if pid not in shown))
    assert any(row["action"] == "person.read" for row in people.register_extract(first_shown.number_display,
                                                                                    by=registrar))
    assert not any(row["action"] == "person.read" for row in people.register_extract(not_shown.number_display,
                                                                                        by=registrar))
    assert audit_check.verify().ok
