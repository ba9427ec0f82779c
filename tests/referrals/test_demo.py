"""The demo's referrals: every state between the Lekeberg organisations, overdue ones, each basis, threads and
files, made through the operations so timelines name people; and the demo is not seeded twice."""
from __future__ import annotations

from sqlalchemy import func, select

from portal import audit_check, demo
from portal.clock import today
from portal.db import db
from portal.orgs import Organisation
from referrals import basis, workflow
from referrals.models import STATES, Referral, ReferralAttachment, ReferralComment, ReferralEvent


def _seeded() -> list[Referral]:
    demo.seed()
    db.session.commit()
    return list(db.session.scalars(select(Referral).order_by(Referral.id)))


def _org(code: str) -> int:
    return db.session.scalar(select(Organisation.id).where(Organisation.code == code))


def test_every_state_and_kind_of_basis_is_there(app):
    referrals = _seeded()
    assert {r.state for r in referrals} == set(STATES)
    types = {r.type for r in referrals}
    assert {"studieavbrott", "orosanmalan", "konsultation"} <= types and types & {"overlamning", "insats", "stod"}
    dropout = next(r for r in referrals if r.type == "studieavbrott")
    assert (dropout.from_org_id, dropout.to_org_id) == (_org("lekebergsskolan"), _org("lekeberg"))
    concern = next(r for r in referrals if r.type == "orosanmalan")
    assert concern.to_org_id == _org("lekeberg-ifo") and concern.consent_id is None
    consultation = next(r for r in referrals if r.type == "konsultation")
    assert consultation.person_id is None and not consultation.attachments
    # Every sent consent-based referral rests on a consent with the purpose remiss.
    for r in referrals:
        if workflow.TYPES[r.type].basis == "consent" and r.state != "draft":
            assert r.consent is not None and basis.PURPOSE in r.consent.purposes, r.reference


def test_some_are_overdue_some_assigned_one_lost_its_consent(app):
    referrals = _seeded()
    overdue = [r for r in referrals if r.state in workflow.AWAITING and r.due_on < today()]
    assert len(overdue) >= 2 and {r.state for r in overdue} == {"submitted", "received"}
    assert any(r.assignee_id for r in overdue) and sum(bool(r.assignee_id) for r in referrals) >= 2
    lost = [r for r in referrals if r.consent_lost_dt is not None]
    assert len(lost) == 1 and lost[0].state in workflow.OPEN and lost[0].consent.withdrawn_dt is not None
    assert not basis.consent_holds(lost[0])
    # The timeline shows who took each step (the demo's staff), in order and never after today.
    for r in referrals:
        steps = [e for e in r.events if e.action not in ("consent_lost",)]
        assert all(e.by_id is not None for e in steps), r.reference
        days = [e.at_dt for e in r.events]
        assert days == sorted(days), r.reference
        if r.submitted_on:
            assert r.submitted_on <= today() and r.due_on > r.submitted_on


def test_threads_and_files_and_the_trail(app):
    _seeded()
    assert db.session.scalar(select(func.count()).select_from(ReferralComment)) >= 4
    files = db.session.scalars(select(ReferralAttachment)).all()
    assert files and all(f.content_type == "application/pdf" and f.data.startswith(b"%PDF-") for f in files)
    sides = db.session.execute(select(ReferralComment.organisation_id, Referral.from_org_id, Referral.to_org_id)
                               .join(Referral)).all()
    assert any(org == to for org, _from, to in sides) and any(org == frm for org, frm, _to in sides)
    assert db.session.scalar(select(func.count()).select_from(ReferralEvent)) > 20
    assert audit_check.verify().ok


def test_the_demo_is_not_seeded_twice(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    count = db.session.scalar(select(func.count()).select_from(Referral))
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code != 0 and "redan" in again.output
    assert runner.invoke(args=["seed-demo", "--if-empty"]).exit_code == 0
    db.session.expire_all()
    # the referrals' demo's 13, and Mira's from Arbetsförmedlingen that the routines' demo starts a run from
    assert db.session.scalar(select(func.count()).select_from(Referral)) == count == 14
