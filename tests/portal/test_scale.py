"""`flask seed-scale` at a small size: deterministic, as many rows as asked, a chain that verifies, bench users who
log in through the login page, people as the gate expects them (a keeper that holds a link); the bench pages."""
from __future__ import annotations

import math
from datetime import date

import pytest
from sqlalchemy import func, select

from portal import audit, audit_check
from portal.audit import AuditEvent
from portal.auth.models import User, UserRole
from portal.db import db
from portal.orgs import Organisation, create_organisation
from portal.people import access
from portal.people.gate import gate
from portal.people.identity import format_id_number, parse_id_number
from portal.people.models import Consent, ConsentParty, Person, PersonLink, PersonNote
from portal.scale import BENCH_PASSWORD, EMAIL_DOMAIN, SCALE_OPTIONS
from portal.scale_ground import seed_scale

ON = date(2026, 3, 16)
PEOPLE, KOMMUNER, EVENTS = 120, 4, 700


def _seed(**overrides):
    settings = {"people": PEOPLE, "kommun_count": KOMMUNER, "seed": 7, "audit_events": EVENTS, "on": ON}
    ctx = seed_scale(**{**settings, **overrides})
    db.session.expire_all()
    return ctx


def _count(stmt) -> int:
    return db.session.scalar(stmt) or 0


def _snapshot() -> dict[str, list[tuple]]:
    """Every row of every table in id order; password hashes differ by their salt, so they are left out."""
    tables = {}
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if c.name != "password_hash"]
        if table.name == "person_access":  # derived rows: their surrogate ids follow the database's sequence
            columns = [c for c in columns if c.name != "id"]
            tables[table.name] = sorted((tuple(row) for row in db.session.execute(select(*columns))), key=repr)
            continue
        tables[table.name] = [tuple(row) for row in db.session.execute(
            select(*columns).order_by(*table.primary_key.columns))]
    return tables


def test_the_same_seed_gives_the_same_rows_and_another_seed_others(app, wipe):
    _seed()
    first = _snapshot()
    wipe()
    _seed()
    assert _snapshot() == first
    wipe()
    _seed(seed=8)
    assert _snapshot()["people"] != first["people"]


def test_counts_are_as_asked(app):
    # The ground's and the people's rows alone: areas add consents of their own (referrals rest on some).
    ctx = _seed(asked={name: 0 for name in SCALE_OPTIONS})
    assert _count(select(func.count()).select_from(Person)) == PEOPLE
    assert _count(select(func.count()).select_from(AuditEvent)) == EVENTS
    kommuner = db.session.scalars(select(Organisation).where(Organisation.code.like("k____"))).all()
    assert len(kommuner) == KOMMUNER
    for kommun in kommuner:
        units = {o.code for o in db.session.scalars(select(Organisation).where(Organisation.parent_id == kommun.id))}
        assert units == {f"{kommun.code}-ami", f"{kommun.code}-ifo", f"{kommun.code}-skola"}
    offices = _count(select(func.count()).select_from(Organisation).where(Organisation.kind == "arbetsformedlingen"))
    assert math.ceil(KOMMUNER / 3) <= offices <= KOMMUNER
    # Every organisation has at least a caseworker and an admin.
    for org in db.session.scalars(select(Organisation)):
        roles = set(db.session.scalars(select(UserRole.role).join(User).where(User.organisation_id == org.id)))
        assert {"handlaggare", "org_admin"} <= roles, org.code
    links = _count(select(func.count()).select_from(PersonLink))
    consents = _count(select(func.count()).select_from(Consent))
    notes = _count(select(func.count()).select_from(PersonNote))
    assert 1.6 < links / PEOPLE < 2.2 and 1.1 < consents / PEOPLE < 1.8 and 1.8 < notes / PEOPLE < 2.6
    assert ctx.counts["people"] == PEOPLE and ctx.counts["audit_events"] == EVENTS


def test_every_person_has_a_keeper_that_holds_them_and_a_valid_number(app):
    _seed()
    assert _count(select(func.count()).select_from(Person).where(Person.keeper_org_id.is_(None))) == 0
    keeper_links = select(PersonLink.id).where(PersonLink.person_id == Person.id,
                                               PersonLink.organisation_id == Person.keeper_org_id)
    assert _count(select(func.count()).select_from(Person).where(~keeper_links.exists())) == 0
    for person in db.session.scalars(select(Person)):
        parsed = parse_id_number(format_id_number(person.id_kind, person.id_number), on=ON)
        assert (parsed.kind, parsed.normal, parsed.birth_date) == (person.id_kind, person.id_number,
                                                                     person.birth_date)
    statuses = set(db.session.scalars(select(ConsentParty.status)))
    assert "confirmed" in statuses and "pending" in statuses


def test_the_gate_and_the_lists_agree_on_a_seeded_register(app):
    """seed-scale writes rows in bulk, past the ORM: the access rows it derives let through exactly whom the gate
    does, for caseworkers of several organisations, with the names the gate shows."""
    _seed()
    everyone = list(db.session.scalars(select(Person.id).order_by(Person.id)))
    users = db.session.scalars(select(User).where(User.email.like("handlaggare1.%")).order_by(User.id)).all()
    assert len(users) >= 3
    for user in users[:6]:
        visible = access.visible_people(user, on=ON)
        shown = dict(db.session.execute(select(visible.c.person_id, visible.c.shown)).all())
        views = gate(user, everyone, on=ON, record=False)
        assert {v.person_id for v in views if v.allowed} == set(shown), user.email
        assert all(shown[v.person_id] == f"{v.last_name} {v.first_name}".lower() for v in views if v.allowed)
        listed = gate(user, everyone, on=ON, record=False, records=False)
        assert [(v.allowed, v.label, v.number, v.identity_source, v.reason) for v in listed] == \
            [(v.allowed, v.label, v.number, v.identity_source, v.reason) for v in views]


def test_the_chain_continues_from_its_head_and_verifies(app, orgs):
    before = audit_check.verify()
    assert before.ok and before.checked > 0  # the organisations' own events
    _seed()
    result = audit_check.verify()
    assert result.ok, result.problem
    assert result.checked == before.checked + EVENTS
    # Every seeded event naming a person is in the per-person index the extract reads.
    named = db.session.scalar(select(func.count()).select_from(audit.AuditEvent).where(
        audit.AuditEvent.person_id.is_not(None)))
    assert named > 0 and db.session.scalar(select(func.count()).select_from(audit.AuditEventPerson)) == named
    # The portal appends after the seeded events as after any others.
    create_organisation(name="Efter skalan", code="efter", kind="annan", orgnr="212000-2981", by=None)
    db.session.commit()
    assert audit_check.verify().ok


def test_bench_users_log_in_through_the_login_page_and_see_their_pages(app, client):
    ctx = _seed()
    group = ctx.kommuner[0]
    caseworker = f"handlaggare1.{group.ami.code}@{EMAIL_DOMAIN}"
    page = client.post("/logga-in", data={"email": caseworker, "password": BENCH_PASSWORD}, follow_redirects=True)
    assert page.status_code == 200 and "/logga-in" not in page.request.path
    held = db.session.scalar(select(Person).join(PersonLink, PersonLink.person_id == Person.id)
                             .where(PersonLink.organisation_id == group.ami.id).order_by(Person.id))
    assert client.get("/deltagare").status_code == 200
    assert held.pseudonym in client.get(f"/deltagare/{held.ref}").get_data(as_text=True)
    agreement = ctx.counts["agreements"] and db.session.scalar(
        select(func.min(db.metadata.tables["agreement_parties"].c.agreement_id))
        .where(db.metadata.tables["agreement_parties"].c.organisation_id == group.kommun.id))
    assert client.get(f"/overenskommelser/{agreement}/revisioner/2").status_code == 200
    assert client.get(f"/overenskommelser/{agreement}/revisioner/2/dokument.docx").status_code == 200
    client.post("/logga-ut")
    admin = f"admin1.{group.ami.code}@{EMAIL_DOMAIN}"
    page = client.post("/logga-in", data={"email": admin, "password": BENCH_PASSWORD}, follow_redirects=True)
    assert page.status_code == 200
    assert client.get("/admin/granskningslogg").status_code == 200


def test_a_database_seeded_at_scale_is_not_seeded_twice(app):
    _seed()
    with pytest.raises(Exception, match="redan skaldata"):
        _seed()


def test_the_command_prints_the_counts_and_the_logins(app):
    result = app.test_cli_runner().invoke(args=["seed-scale", "--people", "20", "--orgs", "2",
                                                "--audit-events", "50"])
    assert result.exit_code == 0, result.output
    assert "people" in result.output and f"@{EMAIL_DOMAIN}" in result.output and BENCH_PASSWORD in result.output
    assert audit_check.verify().ok


def test_reference_pages_and_statement_counts_only_when_asked(app, make_app, monkeypatch):
    from portal import bench_reference

    monkeypatch.setattr(bench_reference, "create_portal", lambda config=None: make_app())
    _seed(people=60, audit_events=0)
    plain = bench_reference.create_app()
    assert plain.test_client().get("/_bench/rader").status_code == 404
    monkeypatch.setenv("PORTAL_BENCH_REFERENCE", "1")
    monkeypatch.setenv("PORTAL_BENCH_COUNT_SQL", "1")
    bench = bench_reference.create_app()
    response = bench.test_client().get("/_bench/rader")
    assert response.status_code == 200
    assert response.get_data(as_text=True).count("<tr>") == 51  # the head and 50 rows
    assert response.headers["X-SQL-Statements"] == "1"
    assert bench.test_client().get("/_bench/tom").headers["X-SQL-Statements"] == "0"


def test_the_bench_factory_refuses_production(make_app, monkeypatch):
    from portal import bench_reference
    from portal.config import ConfigError

    app = make_app()
    app.config["PORTAL_ENV"] = "production"
    monkeypatch.setattr(bench_reference, "create_portal", lambda config=None: app)
    with pytest.raises(ConfigError):
        bench_reference.create_app()
