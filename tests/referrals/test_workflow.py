"""The transition table: every step it allows works, every step it forbids is refused — for each type."""
from __future__ import annotations

import itertools

import pytest

from portal.db import db
from portal.errors import NotPermitted
from referrals import operations as ops
from referrals import workflow
from referrals.models import STATES, TYPE_KEYS, Referral
from tests.referrals import helpers as h

#: What the issue asks of the table, written out once more by hand: the test fails if the table drifts.
EXPECTED = {
    ("draft", "submit"): "submitted",
    ("draft", "discard"): "withdrawn",
    ("submitted", "receive"): "received",
    ("submitted", "withdraw"): "withdrawn",
    ("received", "withdraw"): "withdrawn",
    ("received", "accept"): "accepted",
    ("received", "decline"): "declined",
    ("accepted", "close"): "closed",
}
ACTIONS = sorted({row.action for row in workflow.TRANSITIONS})


def expected(state, action, type_key):
    if type_key == "orosanmalan":
        if action in ("accept", "decline", "withdraw") or (state, action) == ("accepted", "close"):
            return None
        if (state, action) == ("received", "close"):
            return "closed"
    return EXPECTED.get((state, action))


@pytest.mark.parametrize(("state", "action", "type_key"), list(itertools.product(STATES, ACTIONS, TYPE_KEYS)))
def test_the_table_is_what_the_flow_says(state, action, type_key):
    step = workflow.transition(action, state, type_key)
    assert (step.target if step else None) == expected(state, action, type_key)


def test_every_state_and_type_is_reachable_and_ended_states_are_final():
    for type_key in TYPE_KEYS:
        for state in workflow.ENDED:
            assert workflow.actions_from(state, type_key) == []
    targets = {row.target for row in workflow.TRANSITIONS} | {"draft"}
    assert targets == set(STATES)


def _at(state, type_key, sender, receiver, to_org, person):
    kw = {"type": type_key}
    if type_key == "konsultation":
        kw["reason"] = "Hur gör ni med unga som inte svarar på kallelser?"
    r = h.draft(sender, to_org, person if type_key != "konsultation" else None, **kw)
    path = {"draft": [], "submitted": ["submit"], "received": ["submit", "receive"],
            "accepted": ["submit", "receive", "accept"], "declined": ["submit", "receive", "decline"],
            "closed": ["submit", "receive", "accept", "close"] if type_key != "orosanmalan"
            else ["submit", "receive", "close"], "withdrawn": ["discard"]}[state]
    for action in path:
        _do(r, action, sender if workflow.transition(action, r.state, r.type).side == "sender" else receiver)
    db.session.commit()
    assert r.state == state
    return r


def _do(r, action, user, version=None):
    if action == "receive":
        if not ops.receive_on_open(r, by=user):
            raise ops.ReferralError("not received")
        return
    call = {"submit": ops.submit, "discard": ops.discard, "withdraw": ops.withdraw, "accept": ops.accept,
            "decline": lambda ref, **kw: ops.decline(ref, reason="Inte vår målgrupp.", **kw),
            "close": lambda ref, **kw: ops.close(ref, outcome="studier", **kw)}[action]
    call(r, by=user, expected_version=version)


@pytest.mark.parametrize("type_key", ["overlamning", "orosanmalan"])
def test_each_forbidden_step_is_refused_with_the_state_and_nothing_changes(type_key, orgs, make_user):
    to = "ifo"
    sender = make_user(org="skola")
    receiver = make_user(org=to)
    for state in STATES:
        for action in ACTIONS:
            if expected(state, action, type_key) is not None:
                continue
            if type_key == "orosanmalan" and state in ("accepted", "declined"):
                continue  # never reached: an orosanmälan is only received and closed
            p = h.consented_person(sender, orgs[to])
            r = _at(state, type_key, sender, receiver, orgs[to], p)
            before = (r.state, r.version, len(r.events))
            step_side = {row.side for row in workflow.TRANSITIONS if row.action == action}
            user = sender if "sender" in step_side else receiver
            if action == "receive":  # opening it receives it only when it waits to be received
                assert not ops.receive_on_open(r, by=user)
                db.session.rollback()
                assert db.session.get(Referral, r.id).state == state
                continue
            # The receiver does not see a draft at all: a 403, not a state.
            refusal = NotPermitted if state == "draft" and user is receiver else ops.ReferralError
            with pytest.raises(refusal) as refused:
                _do(r, action, user)
            db.session.rollback()
            r = db.session.get(Referral, r.id)
            assert (r.state, r.version, len(r.events)) == before, (state, action)
            if refusal is ops.ReferralError:
                assert str(workflow.STATE_LABELS[state]).lower() in str(refused.value), (state, action)


def test_declining_needs_a_reason_and_closing_an_outcome(orgs, make_user):
    sender, receiver = make_user(org="skola"), make_user(org="ifo")
    r = h.received(sender, orgs["ifo"], receiver, h.consented_person(sender, orgs["ifo"]))
    with pytest.raises(ops.ReferralError) as refused:
        ops.decline(r, by=receiver, reason="  \x00 ")
    assert refused.value.field == "reason"
    ops.accept(r, by=receiver)
    with pytest.raises(ops.ReferralError) as refused:
        ops.close(r, by=receiver, outcome="vet inte")
    assert refused.value.field == "outcome"
    ops.close(r, by=receiver, outcome="praktik", note="Praktik på biblioteket.")
    db.session.commit()
    assert [e.action for e in r.events] == ["submit", "receive", "accept", "close"]
    assert r.events[-1].note == "Praktik: Praktik på biblioteket."
    assert all(e.by_id and e.at_dt for e in r.events)


def test_a_stale_version_is_refused_naming_the_state_now(orgs, make_user):
    sender, receiver = make_user(org="skola"), make_user(org="ifo")
    r = h.received(sender, orgs["ifo"], receiver, h.consented_person(sender, orgs["ifo"]))
    seen = r.version
    ops.withdraw(r, by=sender, expected_version=seen)
    db.session.commit()
    with pytest.raises(ops.StaleEdit) as refused:
        ops.accept(r, by=receiver, expected_version=seen)
    assert "återtagen" in str(refused.value)
    assert r.state == "withdrawn"


def test_the_same_step_sent_twice_by_the_same_user_counts_once(orgs, make_user):
    sender, receiver, colleague = make_user(org="skola"), make_user(org="ifo"), make_user(org="ifo")
    r = h.received(sender, orgs["ifo"], receiver, h.consented_person(sender, orgs["ifo"]))
    seen = r.version
    ops.accept(r, by=receiver, expected_version=seen)
    db.session.commit()
    ops.accept(r, by=receiver, expected_version=seen)  # the double click: no error, no second step
    db.session.commit()
    assert [e.action for e in r.events].count("accept") == 1
    with pytest.raises(ops.StaleEdit):  # someone else with the same old page is told what happened
        ops.accept(r, by=colleague, expected_version=seen)
