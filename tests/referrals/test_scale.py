"""`flask seed-scale --referrals M`: as many referrals as asked, in every state, each resting on what it must
(a consent the sender stands behind, or a duty), between organisations of one kommun; the gate agrees."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from portal.auth.models import User
from portal.db import db
from portal.orgs import Organisation
from portal.people.gate import gate
from portal.people.models import PersonLink
from portal.scale_ground import seed_scale
from referrals import basis, workflow
from referrals.models import STATES, Referral, ReferralAttachment, ReferralComment, ReferralEvent

ON = date(2026, 3, 16)
PEOPLE, REFERRALS = 150, 900


def _seed(**asked):
    ctx = seed_scale(people=PEOPLE, kommun_count=3, seed=5, audit_events=400, on=ON, asked=asked)
    db.session.expire_all()
    return ctx


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_as_many_as_asked_in_every_state_with_timelines_threads_and_files(app):
    ctx = _seed(referrals=REFERRALS)
    assert _count(Referral) == REFERRALS == ctx.counts["referrals"]
    referrals = db.session.scalars(select(Referral)).all()
    states = {state: sum(r.state == state for r in referrals) for state in STATES}
    assert all(states.values()), states
    ended = states["closed"] + states["declined"] + states["withdrawn"]
    assert ended > REFERRALS / 2 and states["draft"] < REFERRALS / 10  # most closed, some open
    overdue = [r for r in referrals if r.state in workflow.AWAITING and r.due_on < ON]
    assert 0 < len(overdue) < (states["submitted"] + states["received"]) / 2  # a few overdue
    assert {r.type for r in referrals} == set(workflow.TYPES)
    assert _count(ReferralComment) > REFERRALS / 2 and 0 < _count(ReferralAttachment) < REFERRALS / 3
    for r in referrals:
        events = sorted(r.events, key=lambda e: e.id)
        if r.state == "draft":
            assert not events and r.submitted_on is None
            continue
        assert events[-1].to_state == r.state, r.id
        assert [e.at_dt for e in events] == sorted(e.at_dt for e in events), r.id
        assert all(e.by_org_id in r.org_ids() for e in events)
        assert workflow.transition(events[0].action, "draft", r.type) is not None
        assert r.version == len(events) + 1


def test_each_rests_on_what_it_must(app):
    _seed(referrals=REFERRALS)
    orgs = {o.id: o for o in db.session.scalars(select(Organisation))}
    held = set(db.session.execute(select(PersonLink.person_id, PersonLink.organisation_id)).all())
    for r in db.session.scalars(select(Referral)):
        sender, receiver = orgs[r.from_org_id], orgs[r.to_org_id]
        assert sender.id != receiver.id
        assert {sender.parent_id or sender.id, receiver.parent_id or receiver.id} - {None} and (
            sender.kind == "arbetsformedlingen" or receiver.kind == "arbetsformedlingen"
            or (sender.parent_id or sender.id) == (receiver.parent_id or receiver.id)), r.id
        type_ = workflow.TYPES[r.type]
        if type_.basis == "none":
            assert r.person_id is None and r.consent_id is None and not r.attachments
            continue
        assert (r.person_id, sender.id) in held, r.id  # the sender passes on someone it holds
        if type_.basis == "duty":
            assert r.consent_id is None and (not type_.to_kinds or receiver.kind in type_.to_kinds)
            assert not type_.from_kinds or sender.kind in type_.from_kinds
            continue
        if r.submitted_on is None:  # a draft (or one discarded as a draft) rests on nothing yet
            assert r.consent_id is None
            continue
        assert r.consent is not None and basis.PURPOSE in r.consent.purposes
        # It held on the day it was sent, and still holds for every open one.
        assert basis.consent_holds(r, on=r.submitted_on), r.id
        if r.state in workflow.OPEN:
            assert basis.consent_holds(r, on=ON), r.id


def test_the_receiver_of_an_open_duty_referral_sees_the_person_and_others_do_not(app):
    _seed(referrals=REFERRALS)
    found = db.session.scalars(select(Referral).where(Referral.type.in_(("studieavbrott", "orosanmalan")),
                                                      Referral.state.in_(workflow.OPEN))).all()
    assert found
    checked = 0
    for r in found[:20]:
        receiver = db.session.scalar(select(User).where(User.organisation_id == r.to_org_id).order_by(User.id))
        if db.session.scalar(select(PersonLink.id).where(PersonLink.person_id == r.person_id,
                                                         PersonLink.organisation_id == r.to_org_id)):
            continue  # it holds the person itself anyway
        assert gate(receiver, r.person_id, basis.PURPOSE, on=ON, record=False).allowed, r.id
        checked += 1
    assert checked
    ended = db.session.scalars(select(Referral).where(Referral.type == "studieavbrott",
                                                      Referral.state.in_(workflow.ENDED))).all()
    for r in ended[:20]:
        others = select(Referral.id).where(Referral.person_id == r.person_id, Referral.to_org_id == r.to_org_id,
                                           Referral.type.in_(("studieavbrott", "orosanmalan")),
                                           Referral.state.in_(workflow.OPEN))
        holds = db.session.scalar(select(PersonLink.id).where(PersonLink.person_id == r.person_id,
                                                              PersonLink.organisation_id == r.to_org_id))
        if holds or db.session.scalar(others):
            continue
        receiver = db.session.scalar(select(User).where(User.organisation_id == r.to_org_id).order_by(User.id))
        views = gate(receiver, r.person_id, basis.PURPOSE, on=ON, record=False)
        # Once the matter ended the duty no longer opens the person (a consent still may).
        assert not any("skollagen" in str(b) or "14 kap" in str(b) for b in views.bases), r.id


def test_the_default_is_three_a_person_and_none_when_asked_for_none(app, wipe):
    _seed()
    assert _count(Referral) == 3 * PEOPLE
    wipe()
    _seed(referrals=0)
    assert _count(Referral) == 0 and _count(ReferralEvent) == 0


def test_the_command_takes_the_option(app):
    runner = app.test_cli_runner()
    assert "--referrals" in runner.invoke(args=["seed-scale", "--help"]).output
    result = runner.invoke(args=["seed-scale", "--people", "20", "--orgs", "2", "--audit-events", "50",
                                 "--referrals", "40"])
    assert result.exit_code == 0, result.output
    assert _count(Referral) == 40 and "referrals" in result.output
    assert runner.invoke(args=["seed-scale", "--referrals", "-1"]).exit_code != 0
