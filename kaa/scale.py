"""`flask seed-scale` for KAA: a register in every kommun (held by its AMI) with contacts and measures, in bulk."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, select

from kaa.models import KaaContact, KaaEnrolment, KaaMeasure
from portal.people import access
from portal.people.identity import add_years
from portal.people.models import Person, PersonLink
from portal.scale import ScaleContext

#: Share of the 16–19-year-olds an AMI holds that are in the KAA register.
ENROLLED = 0.6


def seed_kaa(ctx: ScaleContext) -> None:
    rng = ctx.rng("kaa")
    ami = {group.ami.id: group for group in ctx.kommuner}
    young = ctx.conn.execute(
        select(PersonLink.person_id, PersonLink.organisation_id).join(Person, Person.id == PersonLink.person_id)
        .where(PersonLink.organisation_id.in_(sorted(ami)),
               and_(Person.birth_date > add_years(ctx.on, -20), Person.birth_date <= add_years(ctx.on, -16)))
        .order_by(PersonLink.person_id)).all()
    enrolments, contacts, measures, enrolled = [], [], [], []
    with ctx.progress("KAA", len(young)) as bar:
        for person_id, org_id in young:
            bar.update(1)
            if rng.random() >= ENROLLED:
                continue
            group, registered = ami[org_id], ctx.on - timedelta(days=rng.randrange(1, 700))
            closed = rng.random() < 0.3
            enrolment_id = ctx.new_id(KaaEnrolment)
            last_contact = None
            for _n in range(rng.choice((0, 1, 1, 2, 3))):
                day = registered + timedelta(days=rng.randrange(0, max(1, (ctx.on - registered).days)))
                last_contact = max(last_contact or day, day)
                contacts.append({"id": ctx.new_id(KaaContact), "enrolment_id": enrolment_id, "contact_on": day,
                                 "channel": rng.choice(("telefon", "sms", "brev", "hembesok")),
                                 "outcome": rng.choice(("kontakt_etablerad", "ej_svar", "meddelande_lamnat")),
                                 "declined": False, "with_whom": "ungdomen", "guardian_id": None,
                                 "contact_note": "", "org_id": org_id, "created_dt": ctx.now})
            if rng.random() < 0.3:
                measures.append({"id": ctx.new_id(KaaMeasure), "enrolment_id": enrolment_id,
                                 "content": "Praktik via AMI", "offered_on": registered, "accepted": True,
                                 "start_on": registered, "end_on": None, "org_id": org_id, "created_dt": ctx.now})
            due = None if closed else (last_contact + timedelta(days=30) if last_contact else registered)
            enrolments.append({
                "id": enrolment_id, "person_id": person_id, "kommunkod": group.code,
                "kommun_org_id": group.kommun.id, "org_id": org_id, "registered_on": registered,
                "source": rng.choice(("avbrott_nationellt", "introduktionsprogram", "studiebevis", "inflyttad")),
                "origin": "manual", "referral_reference": None,
                "occupation": rng.choice(("studier", "arbete", "praktik", "ingen_kand", "okand")),
                "occupation_since": registered, "planned_occupation": "", "next_contact_on": due,
                "deregistered_on": ctx.on - timedelta(days=1) if closed else None,
                "deregistration_reason": "nationellt_program" if closed else None, "deregistration_note": "",
                "no_contact_guardians": [], "created_dt": ctx.now, "version": 1})
            enrolled.append(person_id)
        ctx.insert(KaaEnrolment, enrolments)
        ctx.insert(KaaContact, contacts)
        ctx.insert(KaaMeasure, measures)
    ctx.commit()
    for start in range(0, len(enrolled), 5000):  # the kommun sees its register by law: derive those rows
        access.refresh(enrolled[start:start + 5000], ctx.conn)
    ctx.commit()
