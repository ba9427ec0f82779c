"""The audit trail: the hash chain verifies, any tampering is found, refusals survive rollback, no forks."""
from __future__ import annotations

import os
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text, update

from portal import audit, audit_check
from portal.audit import AuditChainHead, AuditEvent, AuditEventPerson
from portal.db import db


def _fill(n: int, user=None) -> None:
    for i in range(n):
        audit.record(f"test.event{i % 3}", by=user, object_type="Thing", object_id=i, person_id=100 + i,
                     details={"i": i, "text": "åäö"})
    db.session.commit()


def _seqs() -> list[int]:
    return list(db.session.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)))


def test_an_empty_chain_verifies(app):
    result = audit_check.verify()
    assert result.ok and result.checked == 0 and result.head_hash == audit.GENESIS


def test_the_chain_verifies_after_many_events(make_user):
    user = make_user()
    _fill(150, user)
    result = audit_check.verify()
    assert result.ok, result
    assert result.checked == len(_seqs()) and _seqs() == list(range(1, result.checked + 1))
    head = db.session.get(AuditChainHead, 1)
    assert result.head_hash == head.hash and head.seq == result.checked


def test_record_rolls_back_with_the_request_but_record_independent_stays(app):
    audit.record("test.rolled_back", by=None)
    db.session.rollback()
    audit.record_independent("test.kept", by=None)
    db.session.expire_all()
    actions = list(db.session.scalars(select(AuditEvent.action)))
    assert actions == ["test.kept"]
    assert audit_check.verify().ok


#: (column, new value) for a direct SQL UPDATE of one row; every column is covered by the chain.
TAMPERING = [
    ("occurred_dt", datetime(2020, 1, 1, tzinfo=UTC)),
    ("user_id", None),
    ("organisation_id", None),
    ("action", "test.innocent"),
    ("object_type", "Other"),
    ("object_id", "999"),
    ("person_id", 1),
    ("details", '{"i": 0}'),
    ("ip", "192.0.2.1"),
    ("prev_hash", "f" * 64),
    ("hash", "e" * 64),
    ("id", 10_000),
]


@pytest.mark.parametrize(("column", "value"), TAMPERING, ids=[c for c, _ in TAMPERING])
def test_tampering_with_any_column_is_found_at_that_event(make_user, column, value):
    user = make_user()
    _fill(10, user)
    target = _seqs()[-5]  # one of the events recorded by the user
    assert audit_check.verify().ok
    db.session.execute(update(AuditEvent.__table__).where(AuditEvent.__table__.c.seq == target)
                       .values({column: value}))
    db.session.commit()
    result = audit_check.verify()
    assert not result.ok
    assert result.broken_seq == target, result
    assert result.checked == target - 1


def test_tampering_with_seq_is_found(app):
    _fill(10)
    db.session.execute(update(AuditEvent.__table__).where(AuditEvent.__table__.c.seq == 5).values(seq=500))
    db.session.commit()
    result = audit_check.verify()
    assert not result.ok and result.broken_seq == 5


@pytest.mark.parametrize("victim", [1, 5, 10])
def test_deleting_a_row_is_found(app, victim):
    _fill(10)
    db.session.execute(text("DELETE FROM audit_events WHERE seq = :s"), {"s": victim})
    db.session.commit()
    result = audit_check.verify()
    assert not result.ok and result.broken_seq == victim, result


def test_reordering_rows_is_found(app):
    _fill(10)
    table = AuditEvent.__table__
    db.session.execute(update(table).where(table.c.seq == 4).values(seq=-4, id=-4))
    db.session.execute(update(table).where(table.c.seq == 5).values(seq=4, id=4))
    db.session.execute(update(table).where(table.c.seq == -4).values(seq=5, id=5))
    db.session.commit()
    result = audit_check.verify()
    assert not result.ok and result.broken_seq == 4


def test_a_forged_row_appended_at_the_end_is_found(app):
    _fill(3)
    last = db.session.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1))
    forged = AuditEvent(id=4, seq=4, occurred_dt=last.occurred_dt, action="test.forged", details="{}",
                        prev_hash=last.hash, hash="0" * 64)
    db.session.add(forged)
    db.session.commit()
    result = audit_check.verify()
    assert not result.ok and result.broken_seq == 4


def test_record_reads_writes_one_event_per_page_and_names_each_person_once(app):
    with app.test_request_context("/"):
        audit.record_reads("person.read", [1, 2, 1, 2, 3], by=None)
        audit.record_reads("person.read", [3, 1], by=None)
        audit.record_reads("person.read", [4], by=None)
    db.session.commit()
    reads = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "person.read")
                               .order_by(AuditEvent.seq)).all()
    assert [audit.people_of(e) for e in reads] == [[1, 2, 3], [4]]
    assert reads[1].person_id == 4 and reads[0].person_id is None
    index = db.session.execute(select(AuditEventPerson.person_id, AuditEventPerson.event_seq)
                               .order_by(AuditEventPerson.person_id)).all()
    assert index == [(1, reads[0].seq), (2, reads[0].seq), (3, reads[0].seq), (4, reads[1].seq)]


def test_single_events_and_runs_of_reads_share_one_chain(app):
    """A list page's run of read events sits between single events: ids follow the chain on every database."""
    audit.record("test.before", by=None)
    with app.test_request_context():
        audit.record_reads("person.read", [101, 102, 103], by=None)
    audit.record("test.after", by=None)
    db.session.commit()
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    assert [e.action for e in events] == ["test.before", "person.read", "test.after"]
    assert [e.id for e in events] == [e.seq for e in events] == [1, 2, 3]
    assert audit_check.verify().ok


def test_events_carry_who_where_and_the_address(client, make_user, login):

    user = make_user()
    client.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    login(user)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "login"))
    assert event.user_id == user.id and event.organisation_id == user.organisation_id
    assert event.ip == "198.51.100.7" and event.occurred_dt.tzinfo is not None


# --- Concurrency: appends are serialised, so the chain never forks ------------------------------------

THREADS, PER_THREAD = 8, 25


def _hammer(app) -> None:
    """8 threads × 25 appends, each thread in its own app context and session, started together, while
    another thread verifies the live chain over and over (it must never report a false break)."""
    barrier = threading.Barrier(THREADS + 1)
    errors: list[BaseException] = []
    done = threading.Event()
    verdicts: list[audit.VerifyResult] = []

    def verifier() -> None:
        try:
            with app.app_context():
                barrier.wait()
                while not done.is_set():
                    verdicts.append(audit_check.verify())
                    db.session.rollback()
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def work(n: int) -> None:
        try:
            with app.app_context():
                barrier.wait()
                for i in range(PER_THREAD):
                    if i % 5 == 0:
                        audit.record_independent("test.concurrent", details={"thread": n, "i": i}, by=None)
                    else:
                        audit.record("test.concurrent", details={"thread": n, "i": i}, by=None)
                        db.session.commit()
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    checker = threading.Thread(target=verifier)
    checker.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    done.set()
    checker.join(timeout=120)
    assert not errors, errors
    assert verdicts and all(v.ok for v in verdicts), [v for v in verdicts if not v.ok][:1]


def _assert_whole(expected: int) -> None:
    db.session.expire_all()
    result = audit_check.verify()
    assert result.ok, result
    seqs = _seqs()
    assert len(seqs) == expected
    assert seqs == list(range(1, expected + 1))  # no gaps, no duplicates: no fork


@pytest.mark.postgres
def test_concurrent_appends_on_postgresql_do_not_fork_the_chain(app):
    if not os.environ.get("DATABASE_URL", "").startswith("postgresql"):
        pytest.skip("needs DATABASE_URL=postgresql+psycopg://...")
    _hammer(app)
    _assert_whole(THREADS * PER_THREAD)


def test_concurrent_appends_on_a_sqlite_file_do_not_fork_the_chain(make_app, tmp_path):
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'concurrent.sqlite3'}")
    with app.app_context():
        db.create_all()
        audit.ensure_head()
        db.session.commit()
        mode = db.session.execute(text("PRAGMA journal_mode")).scalar()
        assert mode == "wal"
        _hammer(app)
        _assert_whole(THREADS * PER_THREAD)


def test_a_refusal_is_recorded_although_the_request_rolls_back(make_app, make_user, login):
    from flask import Blueprint

    from portal.permissions import deny, login_only

    app = make_app()
    extra = Blueprint("extra", __name__)

    @extra.route("/prova-neka")
    @login_only
    def refuse():
        audit.record("test.must_not_stay", by=None)
        deny("test:no", person_id=42)

    app.register_blueprint(extra)
    client = app.test_client()
    user = make_user()
    login(user, client=client)
    assert client.get("/prova-neka").status_code == 403
    db.session.expire_all()
    actions = list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))
    assert "test.must_not_stay" not in actions
    denied = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "access.denied"))
    assert denied.person_id == 42 and denied.user_id == user.id
    assert '"reason": "test:no"' in denied.details and "/prova-neka" in denied.details
    assert audit_check.verify().ok
