"""Fixtures for agreements: the Lekeberg demo agreement built through the same seeder the demo uses."""
from __future__ import annotations

import pytest

from agreements import demo
from agreements.models import Agreement
from portal.db import db


@pytest.fixture
def lekeberg(app, orgs) -> Agreement:
    """The seed agreement: revision 1 adopted, revision 2 an open draft."""
    demo.seed({"lekeberg": orgs["kommun"], "af-hallsberg": orgs["af"]})
    db.session.commit()
    return db.session.scalars(db.select(Agreement)).one()
