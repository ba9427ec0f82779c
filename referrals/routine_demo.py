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
    db.session.flush()
