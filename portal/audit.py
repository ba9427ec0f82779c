"""The append-only, hash-chained audit trail: who did or saw what, when, and refusals."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from flask import g, has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, insert, update
from sqlalchemy.event import listens_for
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.db import UTCDateTime, db, utcnow

GENESIS = "0" * 64

#: Words for the actions on the audit page, in Swedish with an English catalogue entry. The ground's own are here;
#: each area adds its own from its init_app with register_action_labels. Unknown actions show as they are.
ACTION_LABELS: dict[str, object] = {
    "login": _l("Inloggning"),
    "login.failed": _l("Misslyckad inloggning"),
    "login.throttled": _l("Inloggning stoppad efter för många försök"),
    "login.recovery_code_used": _l("Inloggning med reservkod"),
    "logout": _l("Utloggning"),
    "logout.timeout": _l("Utloggning efter inaktivitet"),
    "access.denied": _l("Nekad åtkomst"),
    "request.throttled": _l("Begäran stoppad efter för många försök"),
    "org.create": _l("Organisation skapad"),
    "org.update": _l("Organisation ändrad"),
    "user.create": _l("Användare skapad"),
    "user.update": _l("Användare ändrad"),
    "user.deactivate": _l("Användare inaktiverad"),
    "user.activate": _l("Användare återaktiverad"),
    "user.password_change": _l("Lösenord bytt"),
    "user.totp_enabled": _l("Tvåfaktorinloggning aktiverad"),
    "user.totp_reset": _l("Tvåfaktorinloggning återställd"),
    "user.identity_link": _l("E-legitimation kopplad till användare"),
    "org.signin_settings": _l("Organisationens inloggningssätt ändrade"),
    "user.owner_check_failed": _l("Fel lösenord eller kod när tvåfaktorinloggning skulle ställas in på nytt"),
    "audit.search": _l("Sökning i granskningsloggen"),
    "audit.verify": _l("Kontroll av granskningsloggens kedja"),
}


def register_action_labels(labels: dict[str, object]) -> None:
    """Let an area name its own audit actions on the audit page (e.g. "referral.submit": "Remiss skickad")."""
    ACTION_LABELS.update(labels)


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


class AuditEvent(db.Model):
    """One event in the audit trail ("granskningslogg"). Rows are never updated or deleted."""

    __tablename__ = "audit_events"
    #: The audit search: an organisation's events newest first (ORDER BY seq DESC), all or of one action or prefix
    #: (pattern ops, so `LIKE 'person.%'` uses the index whatever the database's collation).
    __table_args__ = (Index("ix_audit_events_org_seq", "organisation_id", "seq"),
                      Index("ix_audit_events_org_action_seq", "organisation_id", "action", "seq",
                            postgresql_ops={"action": "varchar_pattern_ops"}))

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Position in the chain, 1, 2, 3, ... without gaps.
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False, unique=True)
    occurred_dt: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), nullable=True, index=True)
    #: Dotted name, e.g. "login.failed", "person.read", "org.create", "access.denied".
    action: Mapped[str] = mapped_column(String(80), nullable=False, index=True)
    object_type: Mapped[str | None] = mapped_column(String(60), nullable=True)
    object_id: Mapped[str | None] = mapped_column(String(60), nullable=True)
    #: Set whenever personal data of a young person is involved (for the person's log extract).
    person_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    #: JSON with whatever else matters (never secrets).
    details: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)


class AuditEventPerson(db.Model):
    """Which events name which person: the index behind a person's log extract and the audit search's person
    filter. Derived from each event's hashed fields (person_id, details["people"]) as it is appended."""

    __tablename__ = "audit_event_people"
    __table_args__ = (Index("ix_audit_event_people_person_seq", "person_id", "event_seq"),)

    #: AuditEvent.seq (no foreign key: the chain check, not the schema, must be what finds a deleted event).
    event_seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    person_id: Mapped[int] = mapped_column(Integer, primary_key=True)


def people_of(event: AuditEvent) -> list[int]:
    """The people an event names: its person, or those a list page showed (details["people"])."""
    if event.person_id is not None:
        return [event.person_id]
    if '"people"' not in (event.details or ""):
        return []
    return [int(pid) for pid in json.loads(event.details).get("people", [])]


class AuditChainHead(db.Model):
    """The single row that serialises appends: whoever updates it first owns the next link."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    hash: Mapped[str] = mapped_column(String(64), nullable=False, default=GENESIS)


def _digest(seq: int, occurred: datetime, user_id, organisation_id, action, object_type, object_id,
            person_id, details: str, ip, prev_hash: str) -> str:
    payload = json.dumps(
        [seq, occurred.strftime("%Y-%m-%dT%H:%M:%S.%f"), user_id, organisation_id, action, object_type,
         object_id, person_id, details, ip, prev_hash],
        separators=(",", ":"), ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _unproxy(value):
    """current_user is a werkzeug LocalProxy: record the User behind it, not the proxy's class name."""
    getter = getattr(value, "_get_current_object", None)
    return getter() if callable(getter) else value


def _actor(by):
    """Who acted: always named by the caller (`by=`); None is a trusted script or an anonymous visitor."""
    return _unproxy(by) if by is not None else None


def _event(action: str, *, by, obj=None, object_type=None, object_id=None, person_id=None, details=None,
           organisation_id=None) -> AuditEvent:
    """An event with everything but its place in the chain, taken when it happens (who, when, from where)."""
    actor = _actor(by)
    obj = _unproxy(obj)
    if obj is not None:
        object_type = object_type or type(obj).__name__
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
    if organisation_id is None and actor is not None:
        organisation_id = actor.organisation_id
    return AuditEvent(occurred_dt=utcnow(), user_id=actor.id if actor is not None else None,
                      organisation_id=organisation_id, action=action, object_type=object_type,
                      object_id=str(object_id) if object_id is not None else None, person_id=person_id,
                      details=json.dumps(details or {}, sort_keys=True, ensure_ascii=False, default=str),
                      ip=request.remote_addr if has_request_context() else None)


def _append(session: Session, events: list[AuditEvent]) -> None:
    """Link `events` to the head of the chain and insert them, in `session`'s transaction.

    UPDATE … RETURNING first: it takes the head's row lock (PostgreSQL) or the write lock (SQLite) and reads the
    head in one statement, so concurrent appends queue there instead of forking the chain. Then one INSERT for
    the whole run and the new head hash: three statements however many events, and the lock is held from the
    first of them to the commit.
    """
    head_table = AuditChainHead.__table__
    count = len(events)
    head = session.execute(update(head_table).where(head_table.c.id == 1)
                           .values(seq=head_table.c.seq + count)
                           .returning(head_table.c.seq, head_table.c.hash)).one_or_none()
    if head is None:
        raise RuntimeError("audit chain head missing; run the migrations")
    seq, prev = head.seq - count + 1, head.hash
    for event in events:
        # id = seq: the surrogate key is pinned to the chain position, so verify() notices if it is altered too.
        event.id = event.seq = seq
        event.prev_hash = prev
        event.hash = prev = _digest(seq, event.occurred_dt, event.user_id, event.organisation_id, event.action,
                                    event.object_type, event.object_id, event.person_id, event.details,
                                    event.ip, event.prev_hash)
        seq += 1
    session.add_all(events)
    session.flush()
    named = [{"event_seq": event.seq, "person_id": pid} for event in events for pid in people_of(event)]
    if named:
        session.execute(insert(AuditEventPerson), named)
    session.execute(update(head_table).where(head_table.c.id == 1).values(hash=prev))


# --- The buffer: a transaction's events wait in its session and are appended just before it commits ---------
#
# Why: every append locks the one head row until the transaction ends. Appending inside record() held that lock
# from a request's first audited step to its commit, so one long write (an agreement import) made every page
# that records a read wait for it. Now record() only buffers the event; a `before_commit` listener on the
# portal's session appends the whole buffer right before the commit, so the lock is held for milliseconds and
# a change and its events still commit or roll back together. A session listener rather than a step in the
# request's unit of work, so scripts, the CLI and tests that commit the session themselves need nothing else.

_PENDING = "audit_pending"  # key in session.info
_SET_ASIDE = "_audit_reads_set_aside"  # key in flask.g


@dataclass
class _Pending:
    event: AuditEvent
    #: The innermost transaction when it was recorded: rolling back a savepoint drops only the events in it.
    transaction: object
    #: Where the object id comes from when the object had none yet when the event was recorded.
    obj: object = None
    #: A read of personal data (record_reads): kept although the request fails, since the page showed it.
    read: bool = False


def _buffer(events: list[AuditEvent], *, obj=None, read: bool = False) -> None:
    session = db.session()  # the request's (app context's) session behind the scoped proxy
    if not session.in_transaction():
        session.begin()  # a transaction to belong to, so a rollback before any SQL still drops the events
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_PENDING, []).extend(_Pending(e, transaction, obj, read) for e in events)


@listens_for(db.session, "before_commit")
def _append_buffered(session: Session) -> None:
    """Append the transaction's buffered events as the last thing before its commit (see the note above)."""
    if session.in_nested_transaction():
        return  # a savepoint's release: its events wait for the real commit
    pending = session.info.get(_PENDING)
    if not pending:
        return
    session.flush()  # the transaction's own changes first, so the head is held only for the append itself
    for item in pending:
        if item.event.object_id is None and getattr(item.obj, "id", None) is not None:
            item.event.object_id = str(item.obj.id)
    _append(session, [item.event for item in pending])
    pending.clear()


def _within(transaction, ancestor) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


def _drop(session: Session, transaction) -> None:
    """Forget the events of a transaction that ends without committing; a request keeps its reads aside."""
    pending = session.info.get(_PENDING)
    if not pending:
        return
    dropped = [item for item in pending if _within(item.transaction, transaction)]
    pending[:] = [item for item in pending if not _within(item.transaction, transaction)]
    reads = [item.event for item in dropped if item.read]
    if reads and has_request_context():
        g.setdefault(_SET_ASIDE, []).extend(reads)


@listens_for(db.session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous_transaction) -> None:
    _drop(session, previous_transaction)


@listens_for(db.session, "after_transaction_end")
def _drop_closed(session: Session, transaction) -> None:
    if transaction.parent is None:  # closed without a commit (session.close(), remove())
        _drop(session, transaction)


def keep_reads_of_request() -> None:
    """A request that succeeds after a rollback: its reads set aside go into the commit after all."""
    reads = g.pop(_SET_ASIDE, None) if has_request_context() else None
    if reads:
        _buffer(reads, read=True)


def write_reads_of_failed_request() -> None:
    """A request that answers >= 400 has rolled back; the reads its page showed (a form re-shown with the
    person's name) are written in their own transaction all the same."""
    reads = g.pop(_SET_ASIDE, None) if has_request_context() else None
    if reads:
        _write_now(reads)


def _write_now(events: list[AuditEvent]) -> None:
    with Session(db.engine) as session:
        _append(session, events)
        session.commit()


# --- Recording ------------------------------------------------------------------------------------------------


def record(action: str, *, by, obj=None, **kwargs) -> AuditEvent:
    """Record an event in the current transaction: it is appended when the transaction commits and dropped
    if it rolls back, so it stays exactly when the change does.

    `by` is the acting user, always passed explicitly (None: a trusted script, or nobody logged in). The event
    returned gets its place in the chain (seq, hash) at the commit.
    """
    new = _event(action, by=by, obj=obj, **kwargs)
    _buffer([new], obj=_unproxy(obj))
    return new


def record_independent(action: str, *, by, **kwargs) -> None:
    """Record an event in its own transaction, so it stays even when the request rolls back."""
    new = _event(action, by=by, **kwargs)  # before the rollback expires `by`
    db.session.rollback()  # the request rolls back anyway; on SQLite its write lock would block our session
    _write_now([new])


def record_refusal(reason: str, *, by, object_type: str | None = None, object_id=None,
                   person_id: int | None = None) -> None:
    """A refused request ("access.denied"), kept even though the request itself rolls back."""
    details = {"reason": reason}
    if has_request_context():
        details.update(method=request.method, path=request.path)
    record_independent("access.denied", by=by, object_type=object_type, object_id=object_id, person_id=person_id,
                       details=details)


def record_reads(action: str, person_ids, *, by, details=None, **kwargs) -> None:
    """Record a read of personal data: one event per call naming everyone shown (a list page writes one event,
    not one per row), and each person once per request however often they are shown. The people are in the
    event's hashed details and in the per-person index, so a person's extract stays exact.

    Reads are kept when the request answers with an error page too (see write_reads_of_failed_request).
    """
    seen: set = g.setdefault("_audited_reads", set()) if has_request_context() else set()
    fresh = []
    for pid in person_ids:
        if (action, pid) in seen:
            continue
        seen.add((action, pid))
        fresh.append(pid)
    if len(fresh) == 1:
        _buffer([_event(action, by=by, person_id=fresh[0], details=details, **kwargs)], read=True)
    elif fresh:
        _buffer([_event(action, by=by, details={**(details or {}), "people": sorted(fresh)}, **kwargs)], read=True)


def ensure_head(session: Session | None = None) -> None:
    """Create the chain head row if missing (migrations create it; create_all in tests needs this)."""
    session = session or db.session
    if session.get(AuditChainHead, 1) is None:
        session.add(AuditChainHead(id=1, seq=0, hash=GENESIS))
        session.flush()


