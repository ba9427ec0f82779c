"""Fixtures for meetings: Försäkringskassan beside the test organisations, a Vägen series and its people."""
from __future__ import annotations

from datetime import timedelta

import pytest

from portal.clock import today
from portal.db import db
from portal.orgs import create_organisation
from portal.people import consent as consents
from portal.people import holders
from tests.meetings.helpers import make_series


@pytest.fixture
def fk(orgs):
    org = create_organisation(name="Försäkringskassan Örebro", code="fk-orebro", kind="forsakringskassan",
                              orgnr="202100-5521", by=None)
    db.session.commit()
    return org


@pytest.fixture
def coordinator(make_user):
    return make_user(org="kommun", roles=("samordnare",), name="Karin Samordnare")


@pytest.fixture
def vagen(orgs, fk, coordinator):
    """Vägen: the kommun, AMI, IFO, Arbetsförmedlingen and Försäkringskassan; Karin coordinates."""
    return make_series([orgs["kommun"], orgs["ami"], orgs["ifo"], orgs["af"], fk], coordinator)


@pytest.fixture
def ami_worker(make_user):
    return make_user(org="ami", roles=("handlaggare",), name="Ahmed Ami")


@pytest.fixture
def person(ami_worker):
    """Adam, registered by AMI (who holds him)."""
    adam, _ = holders.register_person(by=ami_worker, first_name="Adam", last_name="Sandberg",
                                      number="20080520-2389", home_kommun="1814")
    db.session.commit()
    return adam


@pytest.fixture
def consent_for(ami_worker):
    """`consent_for(person, orgs, purposes=["mote"])`: a consent AMI registers naming these organisations."""

    def make(person, organisations, purposes=("mote",)):
        consent = consents.register_consent(
            person, by=ami_worker, organisation_ids=[o.id for o in organisations], purposes=list(purposes),
            categories=["sysselsattning"], valid_from=today(), valid_until=today() + timedelta(days=200),
            method="digital")
        db.session.commit()
        return consent

    return make
