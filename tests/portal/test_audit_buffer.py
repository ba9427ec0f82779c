"""The audit buffer: a transaction's events take their place in the chain only at its commit, in one short run;
a rollback drops them, and an error page still records the personal data it showed."""
from __future__ import annotations

import threading
import time

from flask import Blueprint
from sqlalchemy import select

from portal import audit, audit_check
from portal.audit import AuditEvent
from portal.db import db
from portal.orgs import Organisation
from portal.permissions import login_only
from tests.helpers import events
from tests.people import factories as f


def _actions() -> list[str]:
    db.session.rollback()
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def test_an_open_transaction_does_not_hold_the_chain(app):
    """A transaction that recorded an event but has not committed leaves the chain free for everybody else."""
    audit.record("test.long_write", by=None)  # still open, as in a long import
    finished = []

    def other_request():
        with app.app_context():
            started = time.monotonic()
            audit.record("test.quick", by=None)
            db.session.commit()
            finished.append(time.monotonic() - started)
            db.session.remove()

    thread = threading.Thread(target=other_request)
    thread.start()
    thread.join(timeout=30)
    assert finished and finished[0] < 2, finished  # it did not wait for the open transaction (busy timeout 10 s)
    db.session.commit()
    assert _actions() == ["test.quick", "test.long_write"]
    assert audit_check.verify().ok


def test_the_events_of_a_commit_cost_three_statements_however_many(app, count_queries):
    for n in range(25):
        audit.record("test.many", by=None, object_type="Thing", object_id=n)
    with count_queries() as counted:
        db.session.commit()
    assert counted[0] == 3  # take the head, insert the run, move the head
    assert len(events("test.many")) == 25 and audit_check.verify().ok


def test_the_returned_event_gets_its_place_in_the_chain_at_the_commit(app):
    event = audit.record("test.returned", by=None)
    assert event.seq is None
    db.session.commit()
    assert event.seq == 1 and event.id == 1 and len(event.hash) == 64


def test_an_object_without_an_id_yet_gets_it_at_the_commit(app):
    org = Organisation(name="Ny", code="ny", kind="skola", orgnr="212000-2981")
    db.session.add(org)
    audit.record("test.unflushed", by=None, obj=org)
    db.session.commit()
    [event] = events("test.unflushed")
    assert event.object_type == "Organisation" and event.object_id == str(org.id)


def test_a_rolled_back_savepoint_drops_only_its_own_events(app):
    audit.record("test.before", by=None)
    savepoint = db.session.begin_nested()
    audit.record("test.in_savepoint", by=None)
    savepoint.rollback()
    with db.session.begin_nested():
        audit.record("test.in_released_savepoint", by=None)
    audit.record("test.after", by=None)
    db.session.commit()
    assert _actions() == ["test.before", "test.in_released_savepoint", "test.after"]


def test_a_rollback_before_any_statement_drops_the_events(app):
    db.session.commit()  # nothing open: record() itself sends no SQL
    audit.record("test.dropped", by=None)
    db.session.rollback()
    db.session.commit()
    assert _actions() == []


def test_a_closed_session_drops_its_events(app):
    audit.record("test.closed", by=None)
    db.session.close()
    db.session.commit()
    assert _actions() == []


# --- error pages: the change rolls back, the read it showed stays ---------------------------------------------


def _app_with_failing_page(make_app):
    app = make_app()
    extra = Blueprint("extra_audit", __name__)

    @extra.route("/prova-fel/<int:status>", methods=["POST"])
    @login_only
    def fails(status: int):
        audit.record("test.change", by=None)
        db.session.add(Organisation(name="Rullas tillbaka", code="rullas", kind="skola", orgnr="212000-2981"))
        audit.record_reads("person.read", [7, 8], by=None)
        db.session.rollback()  # e.g. an error handler rolls back before the unit of work sees the response
        audit.record_reads("person.read", [9], by=None)
        return "visad", status

    app.register_blueprint(extra)
    return app


def test_an_error_page_keeps_its_reads_and_drops_the_change(make_app, make_user, login):
    app = _app_with_failing_page(make_app)
    client = app.test_client()
    login(make_user(), client=client)
    assert client.post("/prova-fel/400").status_code == 400
    assert sorted(map(audit.people_of, events("person.read"))) == [[7, 8], [9]]
    assert events("test.change") == []
    assert db.session.scalar(select(Organisation).where(Organisation.code == "rullas")) is None
    assert audit_check.verify().ok


def test_a_successful_page_keeps_reads_set_aside_by_a_rollback(make_app, make_user, login):
    app = _app_with_failing_page(make_app)
    client = app.test_client()
    login(make_user(), client=client)
    assert client.post("/prova-fel/200").status_code == 200
    assert sorted(map(audit.people_of, events("person.read"))) == [[7, 8], [9]]
    assert events("test.change") == []  # rolled back by the view itself
    assert audit_check.verify().ok


def _person_path(person, page: str) -> str:
    # The people package is moving person URLs to an opaque ref; either way this is the person's page.
    return f"/deltagare/{getattr(person, 'ref', person.id)}/{page}"


def test_a_people_form_answering_400_records_the_read_of_the_person_it_shows(client, orgs, make_user, login):
    worker = make_user(org="ami")
    person = f.person(worker)
    login(worker)
    before = len(events("person.read", person_id=person.id))
    response = client.post(_person_path(person, "kontakt"),
                           data={"address": "Nya vägen 1", "phone": "0" * 41, "email": "elsa@exempel.se"})
    assert response.status_code == 400
    assert person.first_name in response.get_data(as_text=True)
    assert len(events("person.read", person_id=person.id)) == before + 1
    assert "Nya vägen 1" not in client.get(_person_path(person, "kontakt")).get_data(as_text=True)
    assert audit_check.verify().ok
