"""Demo runs and plans: Elsa walks the UBK routine (with one "tveksam" loop) to the study-plan meeting, Saga is
on her way into traineejobb, AMI offers 8 traineejobb places, and Elsa has an action plan in two versions."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.auth.models import User
from portal.clock import today
from portal.db import db
from portal.orgs import Organisation
from portal.people.models import Person, PersonLink
from referrals import offerings, plans
from referrals import routines as runs


def _user(email: str) -> User:
    return db.session.scalars(select(User).where(User.email == email)).one()


def _person(org: Organisation, first: str, last: str):
    link = db.session.scalars(select(PersonLink).where(PersonLink.organisation_id == org.id,
                                                      PersonLink.first_name == first,
                                                      PersonLink.last_name == last)).first()
    return db.session.get(Person, link.person_id) if link is not None else None


def seed(orgs: dict[str, Organisation]) -> None:
    ami, af = orgs.get("lekeberg-ami"), orgs.get("af-hallsberg")
    if ami is None or af is None:
        return
    caseworker, af_caseworker = _user("ami.handlaggare@lekeberg.example"), _user("handlaggare@af-hallsberg.example")
    routines = {r.key: r for r in runs.routines_of(ami) if not r.has_expired(today())}
    elsa, saga = _person(ami, "Elsa", "Lindqvist"), _person(ami, "Saga", "Nyström")
    if "utbildningskontrakt" not in routines or elsa is None:
        return
    run = runs.start(elsa, routines["utbildningskontrakt"], by=caseworker, partner_ids=[af.id])
    runs.complete(run, "1", by=af_caseworker, note="Uppfyller kriterierna för utbildningskontrakt.")
    runs.record_meeting(run, "2", by=caseworker, on=today() - timedelta(days=20))
    runs.complete(run, "2", by=caseworker, note="Informationsträff på AMI.")
    runs.doubtful(run, "3.2", by=af_caseworker, reason="Vill hellre börja arbeta direkt; motivationsmöte bokat.")
    runs.record_meeting(run, "3.1", by=caseworker, on=today() + timedelta(days=7))
    if saga is not None and "traineejobb" in routines:
        trainee = runs.start(saga, routines["traineejobb"], by=caseworker, partner_ids=[af.id])
        runs.complete(trainee, "1", by=caseworker, note="Praktikplats inom äldreomsorgen.")
        runs.complete(trainee, "2", by=af_caseworker)
        coordinator = _user("kaa.samordnare@lekeberg.example")
        offerings.create(routines["traineejobb"], by=coordinator, title="Traineejobb i välfärden",
                         starts_on=today(), ends_on=today() + timedelta(days=365), places=8)
    plans.save(elsa, by=caseworker, goal="Påbörja studier på komvux för att få gymnasieexamen.",
               place="AMI Lekeberg och Komvux Örebro", starts_on=today() - timedelta(days=10),
               ends_on=today() + timedelta(days=170), person_measures="Delta i studieplaneringen med SYV.",
               kommun_measures="Ordna praktikplats och följa upp varannan vecka.", other_actor="Arbetsförmedlingen",
               other_measures="Utbildningskontrakt och motivationsmöte.", follow_up_on=today() + timedelta(days=14),
               evaluation_on=today() + timedelta(days=90), follow_up_by="Ahmed Nilsson, AMI")
    plans.save(elsa, by=caseworker, expected_version=1,
               goal="Påbörja studier på komvux för att få gymnasieexamen, kombinerat med praktik.",
               place="AMI Lekeberg och Komvux Örebro", starts_on=today() - timedelta(days=10),
               ends_on=today() + timedelta(days=170), person_measures="Delta i studieplaneringen med SYV.",
               kommun_measures="Ordna praktikplats och följa upp varannan vecka.", other_actor="Arbetsförmedlingen",
               other_measures="Utbildningskontrakt och motivationsmöte.", follow_up_on=today() + timedelta(days=14),
               evaluation_on=today() + timedelta(days=90), follow_up_by="Ahmed Nilsson, AMI")
    _accepted_referral(af_caseworker, caseworker, af, ami)
    db.session.flush()


def _accepted_referral(af_caseworker, caseworker, af, ami) -> None:
    """Mira, whom AF refers to AMI for an utbildningskontrakt and AMI has accepted: a run can start from it."""
    from portal.people import consent as consents
    from portal.people import holders
    from portal.people.identity import add_years
    from referrals import operations as referral_ops

    birth = add_years(today(), -21) - timedelta(days=40)
    body = birth.strftime("%y%m%d") + "617"
    from stdnum import luhn

    mira, _ = holders.register_person(by=af_caseworker, first_name="Mira", last_name="Sundberg",
                                      number=f"{birth:%Y%m%d}-617{luhn.calc_check_digit(body)}", is_protected=False,
                                      home_kommun="1814")
    consents.register_consent(mira, by=af_caseworker, organisation_ids=[af.id, ami.id],
                              purposes=["remiss", "samordning"], categories=["kontakt", "utbildning"],
                              valid_from=today() - timedelta(days=5), valid_until=today() + timedelta(days=360),
                              method="digital", given_by_person=True, guardian_names=[], person_view="",
                              maturity_assessment="", is_past_twenty_stated=True)
    referral = referral_ops.save_draft(None, by=af_caseworker, type="overlamning", to_org_id=ami.id, person=mira,
                                       categories=["utbildning"], reason="Saknar gymnasieexamen, vill studera.",
                                       help_requested="Utbildningskontrakt enligt rutinen.")
    referral_ops.submit(referral, by=af_caseworker)
    referral_ops.receive_on_open(referral, by=caseworker)
    referral_ops.accept(referral, by=caseworker)
