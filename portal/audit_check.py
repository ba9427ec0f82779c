"""Checking the audit trail's hash chain, also against a head hash kept elsewhere (an anchor)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.audit import GENESIS, AuditChainHead, AuditEvent, _digest
from portal.db import db
from portal.errors import RuleError

#: "1234:9f86…" (the event's number and its hash) or the hash alone; `flask audit head` prints the first form.
_ANCHOR = re.compile(r"(?:(\d{1,18}):)?([0-9a-f]{64})")


class AnchorError(RuleError):
    """The head hash given to check against is not written as one."""


@dataclass(frozen=True)
class Anchor:
    """A head of the chain kept outside the portal: deleting the newest events or rewriting the chain (and its
    head row to match) passes the chain's own check, but not this one."""

    hash: str
    seq: int | None = None

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}" if self.seq is not None else self.hash


def parse_anchor(text: str | None) -> Anchor | None:
    """The anchor typed in a form or on the command line; None when nothing was given."""
    text = (text or "").strip().lower()
    if not text:
        return None
    match = _ANCHOR.fullmatch(text)
    if match is None:
        raise AnchorError(_l("Ange kontrollsumman som den sparades: 64 tecken 0–9 och a–f, gärna med händelsens "
                             "nummer och kolon först (t.ex. 1234:9f86d081…)."), field="head")
    return Anchor(match.group(2), int(match.group(1)) if match.group(1) else None)


@dataclass
class VerifyResult:
    ok: bool
    #: Events checked and found whole, from the first.
    checked: int
    #: The hash of the last whole event: the head to keep elsewhere (with `checked` as its number).
    head_hash: str
    broken_seq: int | None = None
    problem: str | None = None
    #: Events in the whole portal's chain, as its head row counts them.
    total: int = 0
    #: Where the anchor given was found in the chain.
    anchor_seq: int | None = None

    @property
    def anchor(self) -> str:
        """What to keep elsewhere: the number of the last whole event and its hash."""
        return str(Anchor(self.head_hash, self.checked))


class _Broken(Exception):
    def __init__(self, seq: int, problem, last_good_hash: str):
        super().__init__(str(problem))
        self.seq, self.problem, self.last_good_hash = seq, problem, last_good_hash


class _Walk:
    """The chain walked in order so far: the last whole hash, how many are whole, and where the anchor is."""

    def __init__(self, anchor: Anchor | None):
        self.prev, self.checked, self.anchor = GENESIS, 0, anchor
        self.anchor_seq = 0 if anchor is not None and anchor.hash == GENESIS else None

    def run(self, session: Session, upto: int | None = None) -> None:
        """Check every event after the ones already checked (up to `upto`), in order."""
        query = select(AuditEvent).where(AuditEvent.seq > self.checked)
        if upto is not None:
            query = query.where(AuditEvent.seq <= upto)
        rows = session.execute(query.order_by(AuditEvent.seq).execution_options(yield_per=1000))
        for (event,) in rows:
            expected, prev = self.checked + 1, self.prev
            if event.seq != expected:
                raise _Broken(expected, _l("händelsen saknas eller har flyttats (nästa i ordning är nr %(n)s)",
                                           n=event.seq), prev)
            if event.id != event.seq:
                raise _Broken(event.seq, _l("händelsens id har ändrats"), prev)
            if event.prev_hash != prev:
                raise _Broken(event.seq, _l("länken till föregående händelse stämmer inte"), prev)
            digest = _digest(event.seq, event.occurred_dt, event.user_id, event.organisation_id, event.action,
                             event.object_type, event.object_id, event.person_id, event.details, event.ip,
                             event.prev_hash)
            if digest != event.hash:
                raise _Broken(event.seq, _l("händelsens innehåll har ändrats"), prev)
            self.prev, self.checked = event.hash, expected
            if self.anchor is not None and event.hash == self.anchor.hash:
                self.anchor_seq = event.seq

    def anchor_problem(self) -> tuple[int | None, object] | None:
        """Where and how the whole chain disagrees with the anchor, or None when the anchor is in it."""
        anchor = self.anchor
        if anchor is None or (self.anchor_seq is not None and anchor.seq in (None, self.anchor_seq)):
            return None
        if anchor.seq is None:
            return None, _l("den sparade kontrollsumman finns inte bland kedjans %(n)s händelser: händelser har "
                            "tagits bort eller kedjan har skrivits om", n=self.checked)
        if anchor.seq > self.checked:
            return self.checked + 1, _l("kedjan slutar vid händelse nr %(last)s men den sparade kontrollsumman "
                                        "gäller nr %(n)s: de senaste händelserna har tagits bort",
                                        last=self.checked, n=anchor.seq)
        return anchor.seq, _l("händelse nr %(n)s har inte den sparade kontrollsumman: kedjan har skrivits om fram "
                              "till den", n=anchor.seq)


def verify(session: Session | None = None, anchor: Anchor | None = None) -> VerifyResult:
    """Walk the chain in order and report the first broken link, and the head hash to keep elsewhere.

    With an `anchor` (a head kept elsewhere) the chain must also still hold that head at its place.
    Safe on a live system: the head is read after the walk, and events appended meanwhile are walked too,
    so a concurrent append is never mistaken for a missing event.
    """
    session = session or db.session
    walk = _Walk(anchor)
    head = None
    try:
        walk.run(session)
        head = session.execute(
            select(AuditChainHead.seq, AuditChainHead.hash).where(AuditChainHead.id == 1)
        ).first()
        if head is not None and head.seq > walk.checked:
            # Appends committed during the walk (the head commits together with its event): check those up
            # to the head we read; anything later is newer still and left for the next run.
            walk.run(session, upto=head.seq)
    except _Broken as broken:
        total = session.scalar(select(AuditChainHead.seq).where(AuditChainHead.id == 1)) or 0
        return VerifyResult(False, broken.seq - 1, broken.last_good_hash, broken.seq, broken.problem, total)
    checked, prev = walk.checked, walk.prev
    total = head.seq if head is not None else checked
    if head is not None and head.seq > checked:
        return VerifyResult(False, checked, prev, checked + 1,
                            _l("händelsen saknas (kedjans huvud säger att det finns %(n)s händelser)", n=head.seq),
                            total)
    if head is not None and head.seq < checked:
        return VerifyResult(False, head.seq, _hash_at(session, head.seq), head.seq + 1,
                            _l("händelsen ligger efter kedjans huvud och är inte skriven av portalen"), total)
    if head is not None and head.hash != prev:
        return VerifyResult(False, checked, prev, head.seq, _l("kedjans huvud stämmer inte med sista händelsen"),
                            total)
    mismatch = walk.anchor_problem()
    if mismatch is not None:
        return VerifyResult(False, checked, prev, mismatch[0], mismatch[1], total)
    return VerifyResult(True, checked, prev, total=total, anchor_seq=walk.anchor_seq)


def _hash_at(session: Session, seq: int) -> str:
    if seq <= 0:
        return GENESIS
    return session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == seq)) or GENESIS
