"""Two people acting on one referral at once, on PostgreSQL with two real connections: exactly one state change
wins, the other gets a StaleEdit naming the state now; comments written meanwhile are all kept."""
from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import func, select

from portal.auth.models import User
from portal.db import db
from portal.errors import StaleEdit
from referrals import operations as ops
from referrals.models import Referral, ReferralComment, ReferralEvent
from tests.referrals import helpers as h

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def _postgres_only():
    if not os.environ.get("DATABASE_URL", "").startswith("postgresql"):
        pytest.skip("needs DATABASE_URL=postgresql+psycopg://...")


def _race(app, referral_id: int, *acts):
    """Run each act(referral, version) in its own thread, app context, session and connection; all load the
    referral first and start together at a barrier; each commits its own transaction. Returns (result|exception)
    per act, in order."""
    barrier = threading.Barrier(len(acts), timeout=20)
    outcomes: list[object] = [None] * len(acts)

    def run(index, act):
        with app.app_context():
            try:
                referral = db.session.get(Referral, referral_id)
                version = referral.version
                barrier.wait()
                outcomes[index] = act(referral, version)
                db.session.commit()
            except BaseException as exc:  # noqa: BLE001 - reported to the test
                db.session.rollback()
                outcomes[index] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, act)) for i, act in enumerate(acts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def _user(user_id: int) -> User:
    return db.session.get(User, user_id)


@pytest.fixture
def waiting(orgs, make_user):
    """A received referral from AF to the AMI, and two AMI caseworkers."""
    af, ami, ami2 = make_user(org="af"), make_user(org="ami"), make_user(org="ami")
    r = h.received(af, orgs["ami"], ami, h.consented_person(af, orgs["ami"]))
    return {"referral": r.id, "af": af.id, "ami": ami.id, "ami2": ami2.id}


def _state(referral_id):
    db.session.expire_all()
    referral = db.session.get(Referral, referral_id)
    steps = db.session.scalars(select(ReferralEvent.action).where(ReferralEvent.referral_id == referral_id)
                               .order_by(ReferralEvent.id)).all()
    return referral, steps


def test_two_handlers_accepting_at_once_make_one_change_and_the_other_hears_the_state(app, waiting):
    outcomes = _race(
        app, waiting["referral"],
        lambda r, v: ops.accept(r, by=_user(waiting["ami"]), expected_version=v),
        lambda r, v: ops.accept(r, by=_user(waiting["ami2"]), expected_version=v))
    won = [o for o in outcomes if isinstance(o, Referral)]
    lost = [o for o in outcomes if isinstance(o, StaleEdit)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert "Den är nu accepterad" in str(lost[0])
    referral, steps = _state(waiting["referral"])
    assert referral.state == "accepted" and steps.count("accept") == 1


def test_accept_and_withdraw_at_once_one_wins(app, waiting):
    for _round in range(3):
        outcomes = _race(
            app, waiting["referral"],
            lambda r, v: ops.accept(r, by=_user(waiting["ami"]), expected_version=v),
            lambda r, v: ops.withdraw(r, by=_user(waiting["af"]), reason="Fel mottagare.", expected_version=v))
        referral, steps = _state(waiting["referral"])
        lost = [o for o in outcomes if isinstance(o, Exception)]
        assert len(lost) == 1 and isinstance(lost[0], StaleEdit), outcomes
        assert referral.state in ("accepted", "withdrawn")
        assert f"Den är nu {ops.state_label(referral.state)}" in str(lost[0])
        assert steps.count("accept") + steps.count("withdraw") == 1
        # A fresh referral for the next round.
        af, ami = _user(waiting["af"]), _user(waiting["ami"])
        fresh = h.received(af, referral.to_org, ami, referral.person)
        waiting["referral"] = fresh.id


def test_comments_written_while_a_step_is_taken_are_all_kept(app, waiting):
    outcomes = _race(
        app, waiting["referral"],
        lambda r, v: ops.comment(r, by=_user(waiting["af"]), body="Från avsändaren."),
        lambda r, v: ops.comment(r, by=_user(waiting["ami2"]), body="Från mottagaren."),
        lambda r, v: ops.accept(r, by=_user(waiting["ami"]), expected_version=v))
    assert not any(isinstance(o, BaseException) for o in outcomes), outcomes
    db.session.expire_all()
    bodies = sorted(db.session.scalars(select(ReferralComment.body)
                                       .where(ReferralComment.referral_id == waiting["referral"])))
    assert bodies == ["Från avsändaren.", "Från mottagaren."]
    referral, steps = _state(waiting["referral"])
    assert referral.state == "accepted" and steps.count("accept") == 1


def test_two_first_openings_at_once_record_one_receipt(app, orgs, make_user):
    af, ami, ami2 = make_user(org="af"), make_user(org="ami"), make_user(org="ami")
    r = h.sent(af, orgs["ami"], h.consented_person(af, orgs["ami"]))
    outcomes = _race(app, r.id,
                     lambda ref, v: ops.receive_on_open(ref, by=_user(ami.id)),
                     lambda ref, v: ops.receive_on_open(ref, by=_user(ami2.id)))
    assert sorted(outcomes) == [False, True], outcomes
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(ReferralEvent).where(
        ReferralEvent.referral_id == r.id, ReferralEvent.action == "receive")) == 1
