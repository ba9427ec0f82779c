"""A school's dropout report (referral of type studieavbrott), accepted by the home kommun, registers the person in
its KAA register through the `on_referral_accepted` hook."""
from __future__ import annotations

from sqlalchemy import select

from kaa.models import KaaEnrolment
from portal.db import db
from portal.people.gate import gate
from referrals import operations as referrals
from tests.kaa.helpers import enrol
from tests.people import factories as f
from tests.people.factories import born
from tests.referrals.helpers import received


def _enrolments(person_id):
    db.session.expire_all()
    return list(db.session.scalars(select(KaaEnrolment).where(KaaEnrolment.person_id == person_id)))


def test_accepting_a_dropout_report_registers_the_person(make_user, orgs):
    school, kommun = make_user(org="skola"), make_user(org="kommun", roles=("samordnare",))
    pupil = f.person(school, first="Elsa", last="Lindqvist", birth=born(17))
    referral = received(school, orgs["kommun"], kommun, pupil, type="studieavbrott", categories=("utbildning",),
                        reason="Har inte varit i skolan sedan oktober.")
    assert _enrolments(pupil.id) == []
    referrals.accept(referral, by=kommun)
    db.session.commit()
    [enrolment] = _enrolments(pupil.id)
    assert (enrolment.org_id, enrolment.kommunkod, enrolment.source, enrolment.origin) == (
        orgs["kommun"].id, "1814", "avbrott_nationellt", "referral")
    assert enrolment.registered_on == referral.submitted_on and enrolment.referral_reference == referral.reference
    assert gate(kommun, pupil, record=False).allowed  # the kommun now holds the person itself
    # AMI, the kommun's KAA unit, sees the enrolment through the register's basis in law.
    assert gate(make_user(org="ami"), pupil, record=False).allowed


def test_a_person_already_in_the_register_or_aged_20_is_not_registered_again(make_user, orgs):
    school, kommun, ami = make_user(org="skola"), make_user(org="kommun", roles=("samordnare",)), make_user(org="ami")
    enrolled = enrol(ami, birth=born(18))
    pupil = enrolled.person
    from portal.people import holders

    holders.register_person(by=school, first_name="Nora", last_name="Lind", number=pupil.number_display)
    db.session.commit()
    referral = received(school, orgs["kommun"], kommun, pupil, type="studieavbrott", categories=("utbildning",))
    referrals.accept(referral, by=kommun)
    db.session.commit()
    assert [e.id for e in _enrolments(pupil.id)] == [enrolled.id]
    older = f.person(school, birth=born(20, -3))
    referral = received(school, orgs["kommun"], kommun, older, type="studieavbrott", categories=("utbildning",))
    referrals.accept(referral, by=kommun)
    db.session.commit()
    assert _enrolments(older.id) == []


def test_other_referral_types_register_nobody(make_user, orgs):
    school, kommun = make_user(org="skola"), make_user(org="kommun", roles=("samordnare",))
    from tests.referrals.helpers import consented_person

    pupil = consented_person(school, orgs["kommun"], birth=born(17))
    referral = received(school, orgs["kommun"], kommun, pupil, type="overlamning")
    referrals.accept(referral, by=kommun)
    db.session.commit()
    assert _enrolments(pupil.id) == []
