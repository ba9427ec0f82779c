"""Fixtures for routine runs and plans: the seed agreement with a revision in force today, AMI and AF staff, and
a person referred from AF to AMI under a consent for referral and coordination."""
from __future__ import annotations

from datetime import timedelta

import pytest

from agreements import adoption, demo
from agreements import operations as agreement_ops
from agreements.models import Agreement
from portal.clock import today
from portal.db import db
from tests.referrals.routines import helpers as h


@pytest.fixture
def lekeberg(app, orgs) -> Agreement:
    """The seed agreement: revision 1 adopted (2017, long expired), revision 2 adopted and in force today."""
    demo.seed({"lekeberg": orgs["kommun"], "af-hallsberg": orgs["af"]})
    agreement = db.session.scalars(db.select(Agreement)).one()
    h.adopt_in_force(agreement)
    db.session.commit()
    return agreement


@pytest.fixture
def expired(app, orgs) -> Agreement:
    """The seed agreement as it stands: only revision 1 (2016-12-31 – 2017-12-31) adopted."""
    demo.seed({"lekeberg": orgs["kommun"], "af-hallsberg": orgs["af"]})
    db.session.commit()
    return db.session.scalars(db.select(Agreement)).one()


@pytest.fixture
def ami(make_user):
    return make_user("ami", ("handlaggare",), name="Ahmed Nilsson")


@pytest.fixture
def af(make_user):
    return make_user("af", ("handlaggare",), name="Fatima Karlsson")


@pytest.fixture
def coordinator(make_user):
    return make_user("ami", ("samordnare",), name="Karin Ek")


@pytest.fixture
def referred(lekeberg, af, ami, orgs):
    """A person AF referred to AMI, accepted by AMI, with a consent for referral and coordination."""
    return h.accepted_referral(af, ami, orgs)


@pytest.fixture
def new_revision(lekeberg):
    """`new_revision()`: adopt a revision 3 whose UBK step 2 reads differently (a run started before stays)."""
    def adopt():
        draft = agreement_ops.new_revision(lekeberg, by=None)
        draft.valid_from, draft.valid_to = today(), today() + timedelta(days=400)
        ubk = draft.appendices[0].routines[0]
        ubk.steps[1].text = "Ny lydelse av steg 2."
        ubk.steps[1].needs_meeting = False
        db.session.flush()
        agreement_ops.propose(draft, by=None)
        adoption.adopt(draft, adopted_on=today(), confirm_expired=True, by=None)
        db.session.commit()
        return draft
    return adopt
