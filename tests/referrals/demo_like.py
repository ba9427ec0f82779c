"""Referrals between the demo's organisations for tests that crawl the demo, until the demo seeds its own."""
from __future__ import annotations

from sqlalchemy import select

from portal.auth.models import User
from portal.db import db
from portal.orgs import by_code
from referrals.models import Referral
from tests.referrals import helpers as h


def ensure_referrals() -> dict[str, Referral]:
    """A received and a sent referral from Arbetsförmedlingen to AMI, a consultation from AMI to the kommun and a
    draft; the demo's own when it has some (the first received one stands for "received")."""
    existing = db.session.scalars(select(Referral).order_by(Referral.id)).all()
    if existing:
        first = next((r for r in existing if r.state == "received"), existing[0])
        return {"received": first}

    def user(email: str) -> User:
        return db.session.scalars(select(User).where(User.email == email)).one()

    af, ami = user("handlaggare@af-hallsberg.example"), user("ami.handlaggare@lekeberg.example")
    ami_org, kommun = by_code("lekeberg-ami"), by_code("lekeberg")
    person = h.consented_person(af, ami_org, first="Nora", last="Demoqvist")
    made = {
        "received": h.received(af, ami_org, ami, person),
        "sent": h.sent(af, ami_org, person),
        "consultation": h.sent(ami, kommun, None, type="konsultation", categories=(),
                               reason="Hur stöttar vi en ung person som inte kommer till aktiviteterna?",
                               help_requested="Råd om nästa steg."),
        "draft": h.draft(af, ami_org, person),
    }
    db.session.commit()
    return made


def ensure_keyboard_person() -> None:
    """The young person the keyboard journey sends from Arbetsförmedlingen to AMI (tests/e2e/test_referrals.py):
    held by Arbetsförmedlingen, with a consent for referral naming AMI. Not in the demo, so the journey's referral
    is its own."""
    from portal.people.models import Person

    if db.session.scalar(select(Person.id).where(Person.last_name == "Demoqvist")) is not None:
        return
    af = db.session.scalars(select(User).where(User.email == "handlaggare@af-hallsberg.example")).one()
    h.consented_person(af, by_code("lekeberg-ami"), first="Nora", last="Demoqvist")
    db.session.commit()
