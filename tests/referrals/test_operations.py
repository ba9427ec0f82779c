"""Operations around the core steps: drafts refused beside their field, double submits, assignment, comments and
the response time — the unhappy paths first."""
from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.auth import operations as accounts
from portal.db import db
from portal.errors import NotPermitted, StaleEdit
from portal.orgs import update_organisation
from referrals import operations as ops
from referrals.models import Referral, ReferralComment, ResponseTime
from tests.referrals import helpers as h


@pytest.fixture
def clock_at(monkeypatch):
    def set_day(day: date) -> None:
        moment = datetime.combine(day, time(9, 0), tzinfo=UTC)

        class Frozen(datetime):
            @classmethod
            def now(cls, tz=None):
                return moment.astimezone(tz) if tz else moment.replace(tzinfo=None)

        monkeypatch.setattr(clock, "datetime", Frozen)

    return set_day


def _draft_refusal(by, **values) -> dict[str, str]:
    base = dict(type="overlamning", to_org_id=None, person=None, categories=["utbildning"], reason="Skäl.",
                help_requested="Stöd.")
    with pytest.raises(ops.ReferralError) as refused:
        ops.save_draft(None, by=by, **{**base, **values})
    db.session.rollback()
    return {field: str(message) for field, message in refused.value.errors}


# --- Drafts ---------------------------------------------------------------------------------------------------


def test_a_referral_to_ones_own_organisation_is_refused_beside_the_field(orgs, make_user):
    af = make_user(org="af")
    p = h.consented_person(af, orgs["ami"])
    errors = _draft_refusal(af, to_org_id=orgs["af"].id, person=p)
    assert "annan organisation än er egen" in errors["to_org_id"]


def test_a_referral_to_an_inactive_organisation_is_refused_and_so_is_sending_one_after_it_closed(orgs, make_user):
    af = make_user(org="af")
    p = h.consented_person(af, orgs["ami"])
    r = h.draft(af, orgs["ami"], p)
    ami = orgs["ami"]
    update_organisation(ami, name=ami.name, kind=ami.kind, orgnr=ami.orgnr, parent=ami.parent, is_active=False,
                        by=None)
    db.session.commit()
    errors = _draft_refusal(af, to_org_id=ami.id, person=p)
    assert "inte längre aktiv" in errors["to_org_id"]
    with pytest.raises(ops.ReferralError) as refused:
        ops.submit(r, by=af)
    db.session.rollback()
    assert refused.value.field == "to_org_id" and r.state == "draft"


@pytest.mark.parametrize(("values", "field"), [
    ({"reason": "   "}, "reason"),
    ({"reason": "\x00\x07\u202e"}, "reason"),
    ({"help_requested": ""}, "help_requested"),
    ({"reason": "x" * (ops.TEXT_LIMIT + 1)}, "reason"),
    ({"type": "finns-inte"}, "type"),
    ({"type": None}, "type"),
    ({"to_org_id": "abc"}, "to_org_id"),
    ({"to_org_id": 2**40}, "to_org_id"),
    ({"categories": ["påhittad"]}, "categories"),
    ({"categories": []}, "categories"),
    ({"urgency": "igår"}, "urgency"),
    ({"person": None}, "person"),
])
def test_bad_draft_values_are_named_beside_their_field_and_nothing_is_created(orgs, make_user, values, field):
    af = make_user(org="af")
    p = h.consented_person(af, orgs["ami"])
    errors = _draft_refusal(af, **{"to_org_id": orgs["ami"].id, "person": p, **values})
    assert field in errors, errors
    assert db.session.scalar(select(func.count()).select_from(Referral)) == 0


def test_all_problems_of_a_draft_come_at_once(orgs, make_user):
    af = make_user(org="af")
    errors = _draft_refusal(af, type="overlamning", to_org_id="", reason="", help_requested="", categories=[])
    assert {"to_org_id", "reason", "help_requested", "categories", "person"} <= set(errors)


def test_a_person_the_sender_does_not_hold_is_refused(orgs, make_user):
    af, ami = make_user(org="af"), make_user(org="ami")
    theirs = h.consented_person(ami, orgs["af"])
    errors = _draft_refusal(af, to_org_id=orgs["ami"].id, person=theirs)
    assert "registrerad hos er" in errors["person"]


def test_control_characters_are_cleaned_from_the_text(orgs, make_user):
    af = make_user(org="af")
    r = h.draft(af, orgs["ami"], h.consented_person(af, orgs["ami"]), reason="Rad ett\x07\r\nrad\u202e två")
    assert "\x07" not in r.reason and "\u202e" not in r.reason and "Rad ett" in r.reason


def test_the_same_form_posted_twice_returns_the_first_draft(orgs, make_user):
    af = make_user(org="af")
    p = h.consented_person(af, orgs["ami"])
    values = dict(type="overlamning", to_org_id=orgs["ami"].id, person=p, categories=["utbildning"],
                  reason="Skäl.", help_requested="Stöd.", form_key="a1b2c3")
    first = ops.save_draft(None, by=af, **values)
    db.session.commit()
    again = ops.save_draft(None, by=af, **{**values, "reason": "Skäl, igen."})
    db.session.commit()
    assert again.id == first.id and again.reason == "Skäl."
    assert db.session.scalar(select(func.count()).select_from(Referral)) == 1
    other = ops.save_draft(None, by=af, **{**values, "form_key": "d4e5f6"})
    assert other.id != first.id


def test_only_staff_who_send_referrals_may_start_one_and_only_the_sender_edits_a_draft(orgs, make_user):
    af, ami = make_user(org="af"), make_user(org="ami")
    p = h.consented_person(af, orgs["ami"])
    for user in (make_user(org="af", roles=("styrgrupp",)), make_user(org="af", roles=("org_admin",))):
        with pytest.raises(NotPermitted):
            ops.save_draft(None, by=user, type="overlamning", to_org_id=orgs["ami"].id, person=p,
                           categories=["utbildning"], reason="Skäl.", help_requested="Stöd.")
        db.session.rollback()
    r = h.draft(af, orgs["ami"], p)
    with pytest.raises(NotPermitted):
        ops.save_draft(r, by=ami, type="overlamning", to_org_id=orgs["ami"].id, person=p,
                       categories=["utbildning"], reason="Ändrat.", help_requested="Stöd.", expected_version=1)
    db.session.rollback()
    with pytest.raises(StaleEdit):
        ops.save_draft(r, by=af, type="overlamning", to_org_id=orgs["ami"].id, person=p,
                       categories=["utbildning"], reason="Ändrat.", help_requested="Stöd.",
                       expected_version=r.version + 1)
    db.session.rollback()


# --- Assignment ---------------------------------------------------------------------------------------------


@pytest.fixture
def received(orgs, make_user):
    af, ami = make_user(org="af"), make_user(org="ami")
    boss = make_user(org="ami", roles=("samordnare",))
    r = h.received(af, orgs["ami"], ami, h.consented_person(af, orgs["ami"]))
    return {"af": af, "ami": ami, "boss": boss, "referral": r}


def _assign_refusal(r, by, assignee_id) -> str:
    with pytest.raises(ops.ReferralError) as refused:
        ops.assign(r, by=by, assignee_id=assignee_id)
    db.session.rollback()
    assert refused.value.field == "assignee_id"
    return str(refused.value)


def test_assignment_refuses_anyone_who_is_not_an_active_handler_of_the_receiver(received, make_user):
    r, boss = received["referral"], received["boss"]
    other_org = make_user(org="af")
    steering = make_user(org="ami", roles=("styrgrupp",))
    admin = make_user(org="ami", roles=("org_admin",))
    gone = make_user(org="ami")
    accounts.set_active(gone, False, by=None)
    db.session.commit()
    for user_id in (other_org.id, steering.id, admin.id, gone.id, "abc", 2**40, -1):
        assert "som hanterar remisser" in _assign_refusal(r, boss, user_id)
    assert db.session.get(Referral, r.id).assignee_id is None


def test_only_the_receivers_coordinator_assigns(received, make_user):
    r = received["referral"]
    for user in (received["ami"], received["af"], make_user(org="af", roles=("samordnare",))):
        with pytest.raises(NotPermitted):
            ops.assign(r, by=user, assignee_id=received["ami"].id)
        db.session.rollback()


def test_assign_and_unassign_with_the_version(received):
    r, boss, ami = received["referral"], received["boss"], received["ami"]
    version = r.version
    ops.assign(r, by=boss, assignee_id=str(ami.id), expected_version=version)
    db.session.commit()
    assert r.assignee_id == ami.id and r.events[-1].action == "assign"
    with pytest.raises(StaleEdit):
        ops.assign(r, by=boss, assignee_id="", expected_version=version)
    db.session.rollback()
    ops.assign(r, by=boss, assignee_id="", expected_version=r.version)
    db.session.commit()
    assert r.assignee_id is None


def test_no_assignment_after_the_matter_ended(received):
    r, boss, ami = received["referral"], received["boss"], received["ami"]
    ops.decline(r, by=ami, reason="Ingen plats.")
    db.session.commit()
    with pytest.raises(NotPermitted):
        ops.assign(r, by=boss, assignee_id=ami.id)
    db.session.rollback()


# --- Comments -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", ["", "   ", "\x00\x07", "x" * (ops.TEXT_LIMIT + 1)])
def test_an_empty_or_oversized_comment_is_refused(received, body):
    with pytest.raises(ops.ReferralError) as refused:
        ops.comment(received["referral"], by=received["af"], body=body)
    db.session.rollback()
    assert refused.value.field == "body"
    assert db.session.scalar(select(func.count()).select_from(ReferralComment)) == 0


def test_a_third_organisation_and_a_draft_take_no_comments(orgs, received, make_user):
    with pytest.raises(NotPermitted):
        ops.comment(received["referral"], by=make_user(org="ifo"), body="Hej")
    db.session.rollback()
    af = received["af"]
    draft = h.draft(af, orgs["ami"], h.consented_person(af, orgs["ami"]))
    with pytest.raises(NotPermitted):
        ops.comment(draft, by=af, body="Hej")
    db.session.rollback()


# --- Response time ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("days", [0, 61, -1, "", "abc", "5.5", None, 2**40])
def test_a_response_time_out_of_bounds_is_refused(orgs, make_user, days):
    boss = make_user(org="ami", roles=("samordnare",))
    with pytest.raises(ops.ReferralError) as refused:
        ops.set_response_time(orgs["ami"], by=boss, working_days=days)
    db.session.rollback()
    assert refused.value.field == "working_days"
    assert db.session.get(ResponseTime, orgs["ami"].id) is None


def test_only_the_organisations_coordinator_sets_its_response_time(orgs, make_user):
    for user in (make_user(org="ami"), make_user(org="af", roles=("samordnare",))):
        with pytest.raises(NotPermitted):
            ops.set_response_time(orgs["ami"], by=user, working_days=10)
        db.session.rollback()


def test_the_response_time_sets_the_due_day_of_referrals_sent_afterwards(orgs, make_user, clock_at):
    clock_at(date(2026, 6, 17))  # Wednesday before midsommarafton
    af, boss = make_user(org="af"), make_user(org="ami", roles=("samordnare",))
    before = h.sent(af, orgs["ami"], h.consented_person(af, orgs["ami"]))
    assert before.due_on == date(2026, 6, 25)  # 5 days: 18, 22, 23, 24, 25 June
    for days, due in ((1, date(2026, 6, 18)), (60, date(2026, 9, 10)), ("2", date(2026, 6, 22))):
        ops.set_response_time(orgs["ami"], by=boss, working_days=days)
        db.session.commit()
        assert ops.response_days(orgs["ami"].id) == int(days)
        r = h.sent(af, orgs["ami"], h.consented_person(af, orgs["ami"]))
        assert r.due_on == due
    assert db.session.get(Referral, before.id).due_on == date(2026, 6, 25)  # unchanged
