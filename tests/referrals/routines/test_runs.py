"""Routine runs walked end to end: UBK with the "tveksam" loop, Traineejobb with the selection and its waiting
list, prerequisite refusals, the responsible party, order, ended runs, expired agreements and new revisions."""
from __future__ import annotations

from datetime import timedelta

import pytest

from portal.clock import today
from portal.db import db
from portal.errors import NotPermitted, StaleEdit
from portal.people import consent as consents
from portal.people.models import Consent
from referrals import offerings
from referrals import routines as runs
from referrals.routine_models import RoutineRun
from tests.referrals.routines import helpers as h


def states(run):
    return {s.label: s.state for s in run.steps}


def refused(operation, *words):
    with pytest.raises(runs.RoutineError) as caught:
        operation()
    db.session.rollback()
    for word in words:
        assert word in str(caught.value), str(caught.value)
    return str(caught.value)


def test_the_ubk_routine_is_walked_with_the_doubtful_loop_and_ends_in_a_follow_up(lekeberg, referred, ami, af):
    assert [r.key for r in runs.startable_for(referred, ami)] == ["utbildningskontrakt", "traineejobb", "syv"]
    run = h.started(ami, referred)
    assert run.revision_id == lekeberg.revisions[1].id and run.current == "1"
    assert run.partner_ids == [referred.from_org_id]
    # step 1 is Arbetsförmedlingen's: the kommun cannot tick it off
    refused(lambda: runs.complete(run, "1", by=ami), "Steg 1 utförs av Arbetsförmedlingen")
    h.complete(run, "1", af, note="Initierad för AMI.")
    # the information meeting needs its date first
    refused(lambda: runs.complete(run, "2", by=ami), "Det saknas: ett mötesdatum för steget")
    runs.record_meeting(run, "2", by=ami, on=today())
    h.complete(run, "2", ami)
    assert run.current == "3.1"
    # 3.1 needs the study plan: the message names what is missing
    runs.record_meeting(run, "3.1", by=ami, on=today())
    refused(lambda: runs.complete(run, "3.1", by=ami), "studieplan registrerad på rutinen")
    # tveksam: the motivation meeting with AF, and back to 3.1 — AF's step, with a reason
    refused(lambda: runs.doubtful(run, "3.2", by=ami, reason="Osäker"), "Arbetsförmedlingen")
    refused(lambda: runs.doubtful(run, "3.2", by=af, reason="  "), "varför")
    runs.doubtful(run, "3.2", by=af, reason="Vill hellre jobba än studera just nu.")
    db.session.commit()
    assert run.current == "3.1" and run.step("3.2").times == 1 and run.step("3.1").meeting_on is None
    assert "Vill hellre jobba" in run.step("3.2").note
    h.prepare(run, "3.1", ami, documents=("studieplan",))
    h.complete(run, "3.1", ami)
    assert run.current == "4" and states(run)["3.1"] == "done"
    h.complete(run, "4", ami)
    h.complete(run, "5", ami)
    h.prepare(run, "6", af, documents=("avtal",))
    h.complete(run, "6", af)
    h.complete(run, "7", ami)
    assert run.state == "done" and run.current == "" and run.follow_up_on == today() + timedelta(days=90)
    assert set(states(run).values()) == {"done"}
    assert run.step("1").done_by_id == af.id and run.step("1").note == "Initierad för AMI."
    refused(lambda: runs.complete(run, "7", by=ami), "avslutad")
    # the follow-up: AF (a partner) does not record the kommun's; a next date must lie ahead
    with pytest.raises(NotPermitted):
        runs.record_follow_up(run, by=af)
    db.session.rollback()
    refused(lambda: runs.record_follow_up(run, by=ami, next_on=today()), "efter i dag")
    runs.record_follow_up(run, by=ami, note="Studierna går bra.", next_on=today() + timedelta(days=60))
    db.session.commit()
    assert run.follow_up_on == today() + timedelta(days=60)
    runs.record_follow_up(run, by=ami)
    db.session.commit()
    assert run.follow_up_on is None


def test_a_step_cannot_be_taken_out_of_order_twice_or_by_another_organisation(referred, ami, af, make_user, lekeberg):
    run = h.started(ami, referred)
    refused(lambda: runs.complete(run, "5", by=ami), "Steg 5 kan inte tas före steg 1")
    h.complete(run, "1", af)
    refused(lambda: runs.complete(run, "1", by=af), "redan avklarat")
    refused(lambda: runs.complete(run, "9", by=ami), "finns inte")
    for outsider in (make_user("skola", ("handlaggare",)), make_user("ifo", ("handlaggare",)),
                     make_user("ami", ("styrgrupp",))):
        with pytest.raises(NotPermitted):
            runs.complete(run, "2", by=outsider)
        db.session.rollback()
    # a stale form (the run moved on since it was opened) is refused
    with pytest.raises(StaleEdit):
        runs.skip(run, "2", by=ami, reason="Inte aktuellt", expected_version=run.version - 1)
    db.session.rollback()
    runs.skip(run, "2", by=ami, reason="Deltagaren var redan informerad.", expected_version=run.version)
    db.session.commit()
    assert states(run)["2"] == "skipped" and run.step("2").reason == "Deltagaren var redan informerad."
    refused(lambda: runs.skip(run, "3.1", by=ami, reason=""), "Skriv varför")


def test_the_consent_prerequisite_names_the_organisations_and_holds_no_longer_once_withdrawn(referred, ami, af):
    """AMI registered Elsa too (its own record): it still sees her once the consent is gone, but the step that
    needs a consent covering both organisations is refused with what is missing."""
    from portal.people import holders

    person = referred.person
    holders.register_person(by=ami, first_name="Elsa", last_name="Lindqvist", number=person.id_number,
                            is_protected=False, home_kommun="1814")
    run = h.started(ami, referred)
    h.complete(run, "1", af)
    runs.record_meeting(run, "2", by=ami, on=today())
    h.complete(run, "2", ami)
    h.prepare(run, "3.1", ami, documents=("studieplan",))
    consent = db.session.scalars(db.select(Consent).where(Consent.person_id == run.person_id)).one()
    consents.withdraw_consent(consent, by=af, reason="Deltagaren vill inte längre.")
    db.session.commit()
    message = refused(lambda: runs.complete(run, "3.1", by=ami), "samtycke för samordning")
    assert "Arbetsförmedlingen Hallsberg" in message and "Lekebergs kommun, AMI" in message


def test_a_run_cannot_start_under_an_expired_agreement_nor_without_seeing_the_person(expired, orgs, af, ami):
    referral = h.accepted_referral(af, ami, orgs)
    ubk = h.routine(ami)
    assert ubk.has_expired(today()) and runs.startable_for(referral, ami) == []
    refused(lambda: runs.start(referral.person, ubk, by=ami, referral=referral), "gällde till 2017-12-31")


def test_starting_needs_coordination_consent_and_only_one_open_run_of_a_kind(lekeberg, orgs, af, ami, make_user):
    from tests.people import factories as f
    person = f.person(af, first="Nora")
    f.consent(person, af, [orgs["af"].id, orgs["ami"].id], purposes=("remiss",))
    refused(lambda: runs.start(person, h.routine(ami), by=ami), "inte se deltagaren för samordning")
    referral = h.accepted_referral(af, ami, orgs, first="Omar")
    h.started(ami, referral)
    refused(lambda: runs.start(referral.person, h.routine(ami), by=ami), "redan en pågående rutin")
    with pytest.raises(NotPermitted):
        runs.start(referral.person, h.routine(ami), by=make_user("ami", ("styrgrupp",)))


def test_a_run_stays_on_its_revision_when_a_newer_one_is_adopted(lekeberg, referred, ami, af, new_revision):
    run = h.started(ami, referred)
    third = new_revision()
    assert h.routine(ami).revision_id == third.id and h.routine(ami).step("2").text == "Ny lydelse av steg 2."
    assert runs.routine_of(run).revision_number == 2 and runs.routine_of(run).step("2").needs_meeting
    h.complete(run, "1", af)
    refused(lambda: runs.complete(run, "2", by=ami), "mötesdatum")


def test_traineejobb_is_walked_with_a_selection_and_a_waiting_list(lekeberg, orgs, af, ami, coordinator):
    trainee = h.routine(ami, "traineejobb")
    offering = offerings.create(trainee, by=coordinator, title="Traineejobb i äldreomsorgen", starts_on=today(),
                                ends_on=today() + timedelta(days=365), places=2)
    walked = []
    for name in ("Alva", "Bo", "Cia"):
        run = h.started(ami, h.accepted_referral(af, ami, orgs, first=name), "traineejobb")
        h.complete(run, "1", ami)
        h.complete(run, "2", af)
        runs.record_meeting(run, "3", by=ami, on=today())
        h.complete(run, "3", ami)
        h.prepare(run, "4.1", ami, documents=("studieplan",))
        h.complete(run, "4.1", ami)
        assert run.current == "4.3"
        refused(lambda run=run: runs.complete(run, "4.3", by=ami), "ett urval där deltagaren fått en plats")
        offerings.nominate(offering, run, by=coordinator)
        walked.append(run)
    db.session.commit()
    a, b, c = offering.candidates
    with pytest.raises(offerings.OfferingError, match="2 lediga platser"):
        offerings.choose(offering, chosen=[a.id, b.id, c.id], by=coordinator)
    db.session.rollback()
    offerings.choose(offering, chosen=[c.id, a.id], by=coordinator)
    db.session.commit()
    assert [x.state for x in (a, b, c)] == ["selected", "waiting", "selected"] and b.rank == 1
    assert [r.current for r in walked] == ["5", "4.3", "5"]
    successor = offerings.release(a, by=coordinator)
    db.session.commit()
    assert successor is b and b.state == "selected" and walked[1].current == "5"
    run = walked[2]
    h.complete(run, "5", ami)
    h.prepare(run, "6", af, documents=("avtal",))
    h.complete(run, "6", af)
    h.complete(run, "7", ami)
    assert run.state == "done" and run.follow_up_on == today() + timedelta(days=90)
    with pytest.raises(NotPermitted):  # places are the coordinator's
        offerings.choose(offering, chosen=[], by=ami)


def test_the_syv_routine_needs_the_grades_before_they_are_sent(lekeberg, referred, ami, af, make_user):
    run = h.started(ami, referred, "syv")
    h.prepare(run, "1", ami, documents=())
    h.complete(run, "1", ami)
    refused(lambda: runs.complete(run, "2", by=ami), "betyg registrerade på rutinen")
    assert db.session.scalar(db.select(db.func.count()).select_from(RoutineRun)) == 1
