"""Builders for referrals in tests, through the same operations the pages use."""
from __future__ import annotations

from portal.db import db
from referrals import operations as ops
from tests.people import factories as f


def consented_person(sender, receiver_org, *, categories=("kontakt", "utbildning"), purposes=("remiss",), **kw):
    """A person the sender holds, with a consent naming both organisations for a referral."""
    p = f.person(sender, **kw)
    f.consent(p, sender, [sender.organisation_id, receiver_org.id], categories=categories, purposes=purposes)
    return p


def draft(sender, to_org, person=None, *, type="overlamning", categories=("utbildning",),  # noqa: A002
          reason="Behöver stöd att hitta praktik.", help_requested="Kartläggning och praktikplats."):
    r = ops.save_draft(None, by=sender, type=type, to_org_id=to_org.id, person=person, categories=list(categories),
                       reason=reason, help_requested=help_requested)
    db.session.commit()
    return r


def sent(sender, to_org, person=None, **kw):
    r = draft(sender, to_org, person, **kw)
    ops.submit(r, by=sender)
    db.session.commit()
    return r


def received(sender, to_org, receiver, person=None, **kw):
    r = sent(sender, to_org, person, **kw)
    assert ops.receive_on_open(r, by=receiver)
    db.session.commit()
    return r
