"""Enrolment operations: register, occupation, measures, contacts with guardians, deregister, re-register, and the
follow-up rules that set the next contact date."""
from __future__ import annotations

from datetime import timedelta

import pytest
from dateutil.relativedelta import relativedelta

from kaa import operations as ops
from kaa.operations import KaaError
from portal.clock import today
from portal.db import db
from portal.errors import StaleEdit
from portal.people import operations as people
from tests.helpers import count_events
from tests.kaa.helpers import contact, enrol, number
from tests.people.factories import born


def _fields(exc) -> set:
    return {field for field, _message in exc.value.errors}


def test_registering_holds_the_person_and_is_due_from_the_registration_day(make_user, orgs):
    ami = make_user(org="ami")
    enrolment = enrol(ami, ago=5)
    assert enrolment.is_open and enrolment.next_contact_on == today() - timedelta(days=5)
    assert enrolment.person.home_kommun is None or enrolment.kommunkod == "1814"
    assert count_events("kaa.enrolment.register") == 1


def test_a_second_open_enrolment_in_the_same_kommun_is_refused(make_user):
    ami = make_user(org="ami")
    enrolment = enrol(ami)
    with pytest.raises(KaaError) as exc:
        ops.register(by=make_user(org="kommun"), first_name="Nora", last_name="Lind",
                     number=enrolment.person.number_display, source="inflyttad", registered_on=today())
    assert "redan inskriven" in str(exc.value)


@pytest.mark.parametrize("years, days, message", [(20, 0, "fyllt 20"), (15, 0, "under 16"), (16, 1, "under 16")])
def test_only_16_to_19_year_olds_are_registered(make_user, years, days, message):
    with pytest.raises(KaaError) as exc:
        ops.register(by=make_user(org="ami"), first_name="A", last_name="B", number=number(born(years, days)),
                     source="annat", registered_on=today())
    assert message in str(exc.value)


def test_every_problem_of_the_register_form_at_once(make_user):
    with pytest.raises(KaaError) as exc:
        ops.register(by=make_user(org="ami"), first_name="", last_name="", number="12345", source="nej",
                     registered_on=today() + timedelta(days=1))
    assert {"first_name", "last_name", "number", "source", "registered_on"} <= _fields(exc)


def test_follow_up_rules_set_the_next_contact(make_user, app):
    ami = make_user(org="ami")
    enrolment = enrol(ami, ago=60)
    contact(enrolment, ami, ago=50, outcome="ej_svar")
    assert enrolment.next_contact_on == today() - timedelta(days=50) + timedelta(days=14)  # retry after 14 days
    contact(enrolment, ami, ago=40, declined=True)
    assert enrolment.next_contact_on == today() - timedelta(days=40) + relativedelta(months=3)  # declined: 3 months
    ops.add_measure(enrolment, by=ami, content="Praktik", offered_on=today() - timedelta(days=20), answer="ja",
                    start_on=today() - timedelta(days=10))
    contact(enrolment, ami, ago=10)
    assert enrolment.next_contact_on == today() - timedelta(days=10) + relativedelta(months=1)  # monthly
    assert ops.in_measure(enrolment)


def test_the_follow_up_months_are_settings(app, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "KAA_DECLINED_FOLLOWUP_MONTHS", 6)
    ami = make_user(org="ami")
    enrolment = enrol(ami, ago=10)
    contact(enrolment, ami, ago=5, declined=True)
    assert enrolment.next_contact_on == today() - timedelta(days=5) + relativedelta(months=6)


def test_a_contact_in_the_future_or_before_registration_is_refused(make_user):
    ami = make_user(org="ami")
    enrolment = enrol(ami, ago=3)
    with pytest.raises(KaaError) as exc:
        contact(enrolment, ami, ago=-1)
    assert "framtiden" in str(exc.value)
    with pytest.raises(KaaError) as exc:
        contact(enrolment, ami, ago=10)
    assert _fields(exc) == {"contact_on"}
    with pytest.raises(KaaError) as exc:
        contact(enrolment, ami, outcome="ej_svar", declined=True)
    assert _fields(exc) == {"declined"}
    db.session.rollback()
    assert count_events("kaa.contact.add") == 0


def test_a_guardian_marked_not_to_be_contacted_is_never_offered(make_user):
    ami = make_user(org="ami")
    enrolment = enrol(ami, birth=born(16))
    mother = people.add_guardian(enrolment.person, by=ami, name="Sofia Öberg", relation="mamma", phone="070-1")
    father = people.add_guardian(enrolment.person, by=ami, name="Mikael Öberg", relation="pappa", phone="070-2")
    ops.mark_guardian(enrolment, by=ami, guardian_id=father.id, no_contact=True)
    db.session.commit()
    from portal.people.gate import gate

    offered = ops.guardians_to_offer(enrolment, gate(ami, enrolment.person, record=False))
    assert [g.name for g in offered] == ["Sofia Öberg"]
    with pytest.raises(KaaError) as exc:
        contact(enrolment, ami, with_whom="vardnadshavare", guardian_id=father.id, offered=offered)
    assert _fields(exc) == {"guardian_id"}
    done = contact(enrolment, ami, with_whom="vardnadshavare", guardian_id=mother.id, offered=offered)
    assert done.guardian_id == mother.id


def test_deregistration_needs_a_reason_and_a_date_and_refuses_a_stale_form(make_user):
    ami = make_user(org="ami")
    enrolment = enrol(ami, ago=10)
    with pytest.raises(KaaError) as exc:
        ops.deregister(enrolment, by=ami, reason="", on=None)
    assert _fields(exc) == {"reason", "on"}
    with pytest.raises(KaaError) as exc:
        ops.deregister(enrolment, by=ami, reason="annat", on=today())
    assert _fields(exc) == {"note"}
    stale = str(enrolment.version)
    ops.change_occupation(enrolment, by=ami, occupation="arbete", since=today(), expected_version=stale)
    db.session.commit()
    with pytest.raises(StaleEdit):
        ops.deregister(enrolment, by=ami, reason="flyttat", on=today(), expected_version=stale)
    ops.deregister(enrolment, by=ami, reason="flyttat", on=today(), expected_version=str(enrolment.version))
    assert not enrolment.is_open and enrolment.next_contact_on is None
    with pytest.raises(KaaError):  # a second submit finds it closed
        ops.deregister(enrolment, by=ami, reason="flyttat", on=today())


def test_re_registration_opens_a_new_enrolment_and_keeps_the_old(make_user):
    ami = make_user(org="ami")
    first = enrol(ami, ago=100)
    with pytest.raises(KaaError):
        ops.reregister(first, by=ami, source="avbrott_nationellt", registered_on=today())  # still open
    ops.deregister(first, by=ami, reason="nationellt_program", on=today() - timedelta(days=50))
    second = ops.reregister(first, by=ami, source="avbrott_nationellt", registered_on=today())
    db.session.commit()
    assert second.id != first.id and second.is_open and not first.is_open
    assert first.deregistration_reason == "nationellt_program"


def test_re_registration_after_20_is_refused(make_user):
    ami = make_user(org="ami")
    first = enrol(ami, birth=born(20, -10), ago=60)  # 19 when registered, 20 since ten days
    ops.deregister(first, by=ami, reason="flyttat", on=today() - timedelta(days=40))
    with pytest.raises(KaaError) as exc:
        ops.reregister(first, by=ami, source="inflyttad", registered_on=today())
    assert "fyllt 20" in str(exc.value)


def test_closed_enrolments_take_no_contacts_or_measures(make_user):
    ami = make_user(org="ami")
    enrolment = enrol(ami)
    ops.deregister(enrolment, by=ami, reason="fullfoljt", on=today())
    with pytest.raises(KaaError):
        contact(enrolment, ami)
    with pytest.raises(KaaError):
        ops.add_measure(enrolment, by=ami, content="Praktik", offered_on=today())


def test_control_characters_are_cleaned_from_notes(make_user):
    ami = make_user(org="ami")
    enrolment = enrol(ami)
    done = contact(enrolment, ami, note="Bokat\x00 möte\u202e 12/3")
    assert "\x00" not in done.contact_note and "\u202e" not in done.contact_note


def test_re_registration_dated_before_the_previous_enrolment_ended_is_refused_beside_the_date(make_user):
    """Two enrolments of one person may not overlap: the half-year report would count them twice."""
    ami = make_user(org="ami")
    first = enrol(ami, ago=100)
    ops.deregister(first, by=ami, reason="nationellt_program", on=today() - timedelta(days=50))
    with pytest.raises(KaaError) as exc:
        ops.reregister(first, by=ami, source="avbrott_nationellt", registered_on=today() - timedelta(days=60))
    assert _fields(exc) == {"registered_on"}
    assert "före" in str(exc.value)
    second = ops.reregister(first, by=ami, source="avbrott_nationellt", registered_on=today() - timedelta(days=50))
    assert second.is_open


def test_deregistration_as_turned_20_is_refused_before_the_20th_birthday(make_user):
    ami = make_user(org="ami")
    young = enrol(ami, birth=born(17))
    with pytest.raises(KaaError) as exc:
        ops.deregister(young, by=ami, reason="fyllt_20", on=today())
    assert _fields(exc) == {"reason"} and "fyller 20 år först" in str(exc.value)
    assert young.is_open
    old = enrol(ami, birth=born(20, -1), ago=30)  # 19 when registered, 20 since yesterday
    ops.deregister(old, by=ami, reason="fyllt_20", on=today())
    assert old.deregistration_reason == "fyllt_20"
