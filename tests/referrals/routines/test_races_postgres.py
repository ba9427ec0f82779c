"""Two coordinators selecting for the same places at once, on PostgreSQL with two real connections: one
selection wins, the other gets a StaleEdit saying how the places stand now, and no place is given twice."""
from __future__ import annotations

import os
import threading
from datetime import timedelta

import pytest

from portal.auth.models import User
from portal.clock import today
from portal.db import db
from portal.errors import StaleEdit
from referrals import offerings
from referrals.routine_models import Offering
from tests.referrals.routines import helpers as h

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def _postgres_only():
    if not os.environ.get("DATABASE_URL", "").startswith("postgresql"):
        pytest.skip("needs DATABASE_URL=postgresql+psycopg://...")


def test_two_coordinators_selecting_at_once_one_wins_and_the_other_hears_the_places(app, lekeberg, orgs, af, ami,
                                                                                      coordinator, make_user):
    second = make_user("ami", ("samordnare",), name="Per Ek")
    trainee = h.routine(ami, "traineejobb")
    offering = offerings.create(trainee, by=coordinator, title="Traineejobb", starts_on=today(),
                                ends_on=today() + timedelta(days=365), places=1)
    for name in ("Alva", "Bo"):
        run = h.started(ami, h.accepted_referral(af, ami, orgs, first=name), "traineejobb")
        offerings.nominate(offering, run, by=coordinator)
    db.session.commit()
    ids = {"offering": offering.id, "a": offering.candidates[0].id, "b": offering.candidates[1].id}
    users = [coordinator.id, second.id]
    db.session.remove()
    barrier = threading.Barrier(2, timeout=20)
    outcomes: list[object] = [None, None]

    def act(index, chosen):
        with app.app_context():
            try:
                places = db.session.get(Offering, ids["offering"])
                version = places.version
                by = db.session.get(User, users[index])
                barrier.wait()
                outcomes[index] = offerings.choose(places, chosen=[chosen], by=by, expected_version=version)
                db.session.commit()
            except BaseException as exc:  # noqa: BLE001 - reported to the test
                db.session.rollback()
                outcomes[index] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=act, args=(0, ids["a"])), threading.Thread(target=act, args=(1, ids["b"]))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    lost = [o for o in outcomes if isinstance(o, Exception)]
    assert len(lost) == 1 and isinstance(lost[0], StaleEdit), outcomes
    assert "1 av 1 platser en deltagare och 1 står på väntelistan" in str(lost[0])
    offering = db.session.get(Offering, ids["offering"])
    assert sorted(c.state for c in offering.candidates) == ["selected", "waiting"]
