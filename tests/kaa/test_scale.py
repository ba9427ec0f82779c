"""`flask seed-scale` fills the KAA register too: enrolments held by each kommun's AMI, seen by the kommun by law."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from kaa import rules, worklist
from kaa.models import KaaEnrolment
from portal.auth.models import User, UserRole
from portal.db import db
from portal.orgs import Organisation
from portal.people.gate import gate
from portal.scale_ground import seed_scale


def test_seed_scale_fills_the_register(app):
    seed_scale(people=300, kommun_count=3, seed=7, audit_events=100, on=date(2026, 3, 16))
    db.session.expire_all()
    assert db.session.scalar(select(func.count(KaaEnrolment.id))) > 10
    enrolment = db.session.scalars(select(KaaEnrolment).order_by(KaaEnrolment.id)).first()
    kommun = db.session.get(Organisation, enrolment.kommun_org_id)
    assert kommun.kommunkod == enrolment.kommunkod
    coordinator = db.session.scalars(select(User).join(UserRole, UserRole.user_id == User.id).where(
        User.organisation_id == kommun.id, UserRole.role == "samordnare")).first()
    assert rules.can_work_register(coordinator)
    assert gate(coordinator, enrolment.person_id, record=False).allowed  # held by AMI, seen by law
    due = db.session.scalar(select(func.count(KaaEnrolment.id)).where(*worklist.due_clause(kommun.kommunkod,
                                                                                          date(2026, 3, 16))))
    assert due > 0
