"""Builders for routine runs in tests, through the same operations the pages use."""
from __future__ import annotations

from datetime import timedelta

from agreements import adoption
from agreements import operations as agreement_ops
from portal.clock import today
from portal.db import db
from referrals import operations as referral_ops
from referrals import routines as runs
from tests.people import factories as f
from tests.referrals import helpers as rh


def adopt_in_force(agreement) -> None:
    """Adopt the seed's draft revision 2 with a period that covers today (a trusted script: by=None)."""
    draft = agreement.revisions[1]
    draft.valid_from, draft.valid_to = today() - timedelta(days=30), today() + timedelta(days=335)
    db.session.flush()
    agreement_ops.propose(draft, by=None)
    adoption.adopt(draft, adopted_on=today() - timedelta(days=30), by=None)


def accepted_referral(af, ami, orgs, **person):
    """A person AF holds, with a consent naming AF and AMI for referral and coordination, referred to AMI and
    accepted there."""
    p = f.person(af, **person)
    f.consent(p, af, [orgs["af"].id, orgs["ami"].id], categories=("kontakt", "utbildning"),
              purposes=("remiss", "samordning"))
    r = rh.received(af, orgs["ami"], ami, p)
    referral_ops.accept(r, by=ami)
    db.session.commit()
    return r


def routine(user, key="utbildningskontrakt"):
    return next(r for r in runs.routines_of(user.organisation) if r.key == key)


def started(ami, referral, key="utbildningskontrakt"):
    run = runs.start(referral.person, routine(ami, key), by=ami, referral=referral)
    db.session.commit()
    return run


def prepare(run, label, by, *, documents=("studieplan", "avtal")):
    """Record what the step needs: its meeting date and the documents."""
    runs.record_meeting(run, label, by=by, on=today())
    for kind in documents:
        if not any(d.kind == kind for d in run.documents):
            runs.record_document(run, by=by, kind=kind, title=f"{kind.capitalize()} för deltagaren", dated_on=today())
    db.session.commit()


def complete(run, label, by, **kw):
    runs.complete(run, label, by=by, **kw)
    db.session.commit()
    return run
