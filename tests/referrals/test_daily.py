"""The referrals' daily job on a fixed clock: overdue referrals told once, a consent that ran out marks open
referrals and tells both sides once, and the receiver stops seeing the sender's part."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.db import db
from portal.notifications import Notice, notices_for
from portal.people.gate import gate
from referrals import basis, watch
from referrals import operations as ops
from referrals.models import Referral
from tests.people import factories as f
from tests.referrals import helpers as h


@pytest.fixture
def clock_at(monkeypatch):
    """`clock_at(day)`: portal.clock.today() (and now()) say `day`, 10:00 Swedish time, until changed again."""

    def set_day(day: date) -> None:
        moment = datetime.combine(day, time(9, 0), tzinfo=UTC)

        class Frozen(datetime):
            @classmethod
            def now(cls, tz=None):
                return moment.astimezone(tz) if tz else moment.replace(tzinfo=None)

        monkeypatch.setattr(clock, "datetime", Frozen)
        assert clock.today() == day

    return set_day


def _daily(app):
    return app.test_cli_runner().invoke(args=["daily", "--job", "referrals"])


def _count(**where) -> int:
    db.session.expire_all()
    stmt = select(func.count()).select_from(Notice)
    if "key_like" in where:
        stmt = stmt.where(Notice.key.like(where["key_like"]))
    return db.session.scalar(stmt)


def test_a_referral_sent_on_skartorsdag_is_due_after_easter_and_told_overdue_once(app, orgs, make_user, clock_at):
    clock_at(date(2026, 4, 2))
    af, ami = make_user(org="af"), make_user(org="ami")
    p = h.consented_person(af, orgs["ami"])
    r = h.sent(af, orgs["ami"], p)
    assert (r.submitted_on, r.due_on) == (date(2026, 4, 2), date(2026, 4, 13))

    clock_at(date(2026, 4, 13))  # the due day itself: not yet overdue
    assert "0 försenade" in _daily(app).output
    clock_at(date(2026, 4, 14))
    result = _daily(app)
    assert result.exit_code == 0 and "1 försenade remisser aviserade" in result.output
    overdue = f"referral-{r.id}-overdue-%"
    assert _count(key_like=overdue) == 2  # the receiver's handlers, and the user who sent it
    assert any("passerat svarstiden" in n.text and r.reference in n.text for n in notices_for(ami))
    assert any("passerat svarstiden" in n.text for n in notices_for(af))
    assert "0 försenade" in _daily(app).output  # the same day again
    clock_at(date(2026, 4, 15))
    assert "0 försenade" in _daily(app).output  # and the next day
    assert _count(key_like=overdue) == 2


def test_a_referral_answered_in_time_or_an_orosanmalan_received_is_not_overdue(app, orgs, make_user, clock_at):
    clock_at(date(2026, 3, 2))
    af, ami = make_user(org="af"), make_user(org="ami")
    skola, ifo = make_user(org="skola"), make_user(org="ifo")
    accepted = h.received(af, orgs["ami"], ami, h.consented_person(af, orgs["ami"]))
    ops.accept(accepted, by=ami)
    db.session.commit()
    concern = h.received(skola, orgs["ifo"], ifo, f.person(skola, birth=f.born(15)), type="orosanmalan",
                         categories=())
    waiting = h.sent(af, orgs["ami"], h.consented_person(af, orgs["ami"]))
    clock_at(date(2026, 3, 20))
    assert "1 försenade remisser aviserade" in _daily(app).output
    assert _count(key_like=f"referral-{waiting.id}-overdue-%") == 2
    for r in (accepted, concern):
        assert _count(key_like=f"referral-{r.id}-overdue-%") == 0


def test_overdue_beyond_the_window_is_not_told_again_every_day(app, orgs, make_user, clock_at):
    clock_at(date(2026, 3, 2))
    af = make_user(org="af")
    r = h.sent(af, orgs["ami"], h.consented_person(af, orgs["ami"]))
    clock_at(r.due_on + timedelta(days=watch.OVERDUE_WINDOW_DAYS + 1))
    assert "0 försenade" in _daily(app).output


def test_a_consent_that_ran_out_marks_open_referrals_and_tells_both_sides_once(app, orgs, make_user, clock_at):
    clock_at(date(2026, 3, 2))
    af, ami = make_user(org="af"), make_user(org="ami")
    p = f.person(af, first="Nora", last="Berglund")
    consent = f.consent(p, af, [orgs["af"].id, orgs["ami"].id], purposes=["remiss"],
                        until=date(2026, 3, 31))
    open_one = h.received(af, orgs["ami"], ami, p)
    ops.accept(open_one, by=ami)
    db.session.commit()
    waiting = h.sent(af, orgs["ami"], p)
    ended = h.received(af, orgs["ami"], ami, p)
    ops.decline(ended, by=ami, reason="Ingen plats.")
    db.session.commit()
    assert basis.sender_part_open(ami, open_one)

    clock_at(date(2026, 3, 31))  # its last day: it still holds
    assert "0 remisser utan giltigt samtycke" in _daily(app).output
    clock_at(date(2026, 4, 1))
    result = _daily(app)
    assert result.exit_code == 0 and "2 remisser utan giltigt samtycke markerade" in result.output
    db.session.expire_all()
    assert db.session.get(Referral, open_one.id).consent_lost_dt is not None
    assert db.session.get(Referral, waiting.id).consent_lost_dt is not None
    assert db.session.get(Referral, ended.id).consent_lost_dt is None
    keys = [f"consent-expired-{consent.id}-{orgs[o].id}" for o in ("af", "ami")]
    notices = list(db.session.scalars(select(Notice).where(Notice.key.in_(keys))))
    assert len(notices) == 2
    for notice in notices:
        assert open_one.reference in notice.text and waiting.reference in notice.text
        assert ended.reference not in notice.text and "Nora" not in notice.text
    before = _count()
    assert "0 remisser utan giltigt samtycke" in _daily(app).output
    assert _count() == before

    r = db.session.get(Referral, open_one.id)
    assert not basis.sender_part_open(ami, r) and basis.sender_part_open(af, r)
    assert not gate(ami, p, basis.PURPOSE, record=False).allowed
    events = [e.action for e in r.events]
    assert events[-1] == "consent_lost"
    # Only closing is left to the receiver; accepting what waits is refused with the reason.
    w = db.session.get(Referral, waiting.id)
    assert ops.receive_on_open(w, by=ami)  # opening it is still recorded
    with pytest.raises(ops.ReferralError, match="gäller inte längre"):
        ops.accept(w, by=ami)
    db.session.rollback()
    ops.close(db.session.get(Referral, open_one.id), by=ami, outcome="annat", note="Samtycket gick ut.")
    db.session.commit()


def test_a_guardian_consent_lapses_when_the_person_turns_18(app, orgs, make_user, clock_at):
    clock_at(date(2026, 3, 2))
    af, ami = make_user(org="af"), make_user(org="ami")
    p = f.person(af, birth=date(2008, 3, 10))  # 18 on 10 March 2026
    f.consent(p, af, [orgs["af"].id, orgs["ami"].id], purposes=["remiss"], given_by_person=False,
              guardians=("Vårdnadshavare Ett",), view="Vill ha stöd.", until=date(2026, 12, 31))
    r = h.received(af, orgs["ami"], ami, p)
    clock_at(date(2026, 3, 9))
    assert "0 remisser utan giltigt samtycke" in _daily(app).output
    clock_at(date(2026, 3, 10))
    assert "1 remisser utan giltigt samtycke" in _daily(app).output
    db.session.expire_all()
    assert db.session.get(Referral, r.id).consent_lost_dt is not None


def test_the_assignee_gets_one_overdue_mail_not_two(app, orgs, make_user, clock_at):
    from portal import notifications

    clock_at(date(2026, 3, 2))
    af, ami = make_user(org="af"), make_user(org="ami")
    boss, case = make_user(org="ami", roles=("samordnare",)), make_user(org="ami")
    for user in (af, ami, case):
        notifications.set_wants_mail(user, True, by=user)
    r = h.received(af, orgs["ami"], ami, h.consented_person(af, orgs["ami"]))
    ops.assign(r, by=boss, assignee_id=case.id)
    db.session.commit()
    before = {u.email: _mails(u.email) for u in (af, ami, case)}
    clock_at(r.due_on + timedelta(days=1))
    assert "1 försenade" in _daily(app).output
    assert {u.email: _mails(u.email) - before[u.email] for u in (af, ami, case)} == {
        af.email: 1, ami.email: 1, case.email: 1}


def _mails(address: str) -> int:
    from portal.notifications import OutboxMail

    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(OutboxMail).where(OutboxMail.to_address == address))


def _new_version(old, by, org_ids, **kw):
    from datetime import timedelta as td

    from portal.people import consent as consents

    c = consents.register_consent(
        old.person, by=by, organisation_ids=org_ids, purposes=kw.get("purposes", ["remiss"]),
        categories=list(kw.get("categories", ("kontakt", "utbildning", "sysselsattning"))),
        valid_from=clock.today() - td(days=1), valid_until=clock.today() + td(days=200), method="digital",
        given_by_person=True, guardian_names=[], person_view="", maturity_assessment="Mogen nog.", supersedes=old)
    db.session.commit()
    return c


def test_a_new_version_of_the_consent_that_still_carries_the_referral_carries_it_on(app, orgs, make_user, clock_at):
    """The young person changed their consent (a category added): the referral moves to the new version the next
    morning, told as a continuation, not as a consent lost."""
    clock_at(date(2026, 3, 2))
    af, ami = make_user(org="af"), make_user(org="ami")
    p = h.consented_person(af, orgs["ami"])
    r = h.received(af, orgs["ami"], ami, p)
    old = r.consent
    new = _new_version(old, af, [orgs["af"].id, orgs["ami"].id])
    clock_at(date(2026, 3, 3))
    result = _daily(app)
    assert "0 remisser utan giltigt samtycke" in result.output and "1 remisser flyttade" in result.output
    db.session.expire_all()
    r = db.session.get(Referral, r.id)
    assert r.consent_id == new.id and r.consent_lost_dt is None and r.events[-1].action == "continue"
    assert basis.sender_part_open(ami, r)
    assert _count(key_like=f"consent-expired-{old.id}-%") == 0
    assert "0 remisser flyttade" in _daily(app).output


def test_a_new_version_that_drops_the_receiver_marks_the_referral_and_tells_both(app, orgs, make_user, clock_at):
    clock_at(date(2026, 3, 2))
    af, ami = make_user(org="af"), make_user(org="ami")
    p = h.consented_person(af, orgs["ami"])
    r = h.received(af, orgs["ami"], ami, p)
    old = r.consent
    _new_version(old, af, [orgs["af"].id, orgs["ifo"].id])
    clock_at(date(2026, 3, 3))
    assert "1 remisser utan giltigt samtycke" in _daily(app).output
    db.session.expire_all()
    assert db.session.get(Referral, r.id).consent_lost_dt is not None
    assert _count(key_like=f"consent-expired-{old.id}-%") == 2
