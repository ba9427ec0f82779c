"""Fixtures for agreements: the Lekeberg demo agreement built through the same seeder the demo uses."""
from __future__ import annotations

import pytest

from agreements import demo
from agreements import operations as ops
from agreements.models import Agreement
from portal.db import db
from portal.orgs import create_organisation


@pytest.fixture
def lekeberg(app, orgs) -> Agreement:
    """The seed agreement: revision 1 adopted, revision 2 an open draft."""
    demo.seed({"lekeberg": orgs["kommun"], "af-hallsberg": orgs["af"]})
    db.session.commit()
    return db.session.scalars(db.select(Agreement)).one()


@pytest.fixture
def proposed(lekeberg) -> Agreement:
    """The seed agreement with revision 2 proposed for adoption (the steering group may comment and adopt)."""
    ops.propose(lekeberg.revisions[1], by=None)
    db.session.commit()
    return lekeberg


@pytest.fixture
def other_org(orgs):
    """A kommun that is no party of the seed agreement."""
    org = create_organisation(name="Örebro kommun", code="orebro", kind="kommun", orgnr="212000-1967", by=None)
    db.session.commit()
    return org


@pytest.fixture
def staff(make_user, orgs, other_org):
    """`staff(org, role)`: a user with one role in "kommun", "ami", "ifo", "skola", "af" or "other" (no party)."""

    def make(org: str = "kommun", role: str = "samordnare"):
        return make_user(org=other_org if org == "other" else org, roles=(role,))

    return make
