"""Demo meetings: the Lekeberg styrgrupp, Vägen every other week (with Försäkringskassan), Mötesplats on Fridays."""
from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy import select

from meetings import agenda, minutes
from meetings import operations as ops
from portal import clock
from portal.auth.models import User
from portal.db import db
from portal.orgs import Organisation
from portal.people import consent as consents
from portal.people import holders


def _user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def _series(name, kind, members, coordinator, *, starts_on, ends_on, **rule):
    values = {"name": name, "kind": kind, "place": rule.pop("place", ""), "start_time": rule.pop("start", time(9)),
              "length_minutes": rule.pop("length", 90), "holiday_policy": rule.pop("holiday", "move"),
              "proposal_days": 2, "starts_on": starts_on, "ends_on": ends_on, **rule}
    return ops.create_series(values=values, member_org_ids=[o.id for o in members],
                             coordinator_ids=[coordinator.id] if coordinator else [], by=None, allow_past=True)


def _final_minutes(meeting, notes: dict, decision: str) -> None:
    items = [i for i in meeting.items]
    content = {"items": {str(i.id): {"notes": notes.get(i.kind, ""), "decision": decision if i.kind == "beslut"
                                     else ""} for i in items},
               "attendance": {str(o): {"status": "present", "replaced_by": ""} for o in meeting.series.member_org_ids},
               "general": ""}
    minutes.save_minutes(meeting, content=content, version=None, by=None)
    minutes.finalise(meeting, by=None)


def seed(orgs: dict[str, Organisation]) -> None:
    today = clock.today()
    fk = orgs["forsakringskassan-orebro"]  # in portal's demo organisations, as every demo organisation is
    kommun, ami, ifo, skola, af = (orgs["lekeberg"], orgs["lekeberg-ami"], orgs["lekeberg-ifo"],
                                   orgs["lekebergsskolan"], orgs["af-hallsberg"])
    coordinator = _user("kaa.samordnare@lekeberg.example")
    import agreements

    agreement = next(iter(agreements.agreements_for_organisation(kommun)), None)
    styrgrupp = _series("Styrgrupp DUA Lekeberg", "styrgrupp", [kommun, af], coordinator,
                        starts_on=date(today.year, 1, 1), ends_on=date(today.year + 1, 12, 31),
                        recurrence="dates", fixed_dates="22/2, 2/5, 5/9, 7/11", start=time(13), length=120,
                        place="Kommunhuset, Fjugesta", agreement_id=agreement.id if agreement else None)
    past = [m for m in styrgrupp.meetings if m.on_date < today]
    if past:
        meeting = past[-1]
        agenda.propose_item(meeting, kind="mal", title="Uppföljning av överenskommelsens mål", by=None)
        agenda.propose_item(meeting, kind="beslut", title="Revidering av överenskommelsen inför nästa år", by=None)
        _final_minutes(meeting, {"mal": "Arbetslösheten bland unga har minskat sedan förra mötet."},
                       "Samordnaren tar fram ett utkast till revidering.")
        minutes.add_action(meeting, what="Ta fram utkast till reviderad överenskommelse", owner_user_id=coordinator.id,
                           due_on=today + timedelta(days=10), by=None)

    vagen = _series("Vägen", "arendeforum", [kommun, ami, ifo, af, fk], coordinator,
                    starts_on=today - timedelta(days=42), ends_on=today + timedelta(days=180), recurrence="weekly",
                    interval_weeks=2, weekday=1, start=time(9), length=120, place="AMI, Lekeberg (rum Vägen)")
    for meeting in [m for m in vagen.meetings if m.on_date < today][-2:]:
        agenda.propose_item(meeting, kind="information", title="Läget hos respektive verksamhet", by=None)
        agenda.propose_item(meeting, kind="arende", title="Ung person som avbrutit gymnasiet",
                            anonymised_text="Ung man, 19 år, har avbrutit gymnasiet och saknar sysselsättning.",
                            by=None)
        agenda.propose_item(meeting, kind="beslut", title="Gemensam kartläggning", by=None)
        _final_minutes(meeting, {"arende": "AMI och Arbetsförmedlingen bokar ett gemensamt möte med den unge."},
                       "AMI samordnar kartläggningen.")
        minutes.add_action(meeting, what="Boka trepartssamtal", owner_org_id=ami.id,
                           due_on=meeting.on_date + timedelta(days=21), by=None)
    coming = next((m for m in vagen.meetings if m.on_date >= today + timedelta(days=4)), None)
    proposer = _user("ami.handlaggare@lekeberg.example")
    if coming is not None and proposer is not None:
        adam, _ = holders.register_person(by=proposer, first_name="Adam", last_name="Sandberg",
                                          number="20080520-2389", home_kommun="1814")
        consents.register_consent(adam, by=proposer, organisation_ids=sorted(vagen.member_org_ids),
                                  purposes=["mote", "samordning"], categories=["sysselsattning", "utbildning"],
                                  valid_from=today, valid_until=today + timedelta(days=365), method="digital",
                                  given_by_person=True)
        named = agenda.propose_item(coming, kind="arende", title="Ärendedragning med samtycke",
                                    description="Behöver stöd att komma tillbaka till studier.", person_ref=adam.ref,
                                    by=proposer)
        agenda.accept_item(coming, named, by=None)
        agenda.propose_item(coming, kind="arende", title="Ärendedragning utan samtycke",
                            anonymised_text="Ung kvinna, 20 år, långvarigt försörjningsstöd, vill pröva praktik.",
                            by=proposer)
        agenda.propose_item(coming, kind="information", title="Nytt från Försäkringskassan", by=None)
        # Lekebergsskolan joins Vägen after the named case was proposed: Adam's consent does not name it, so the
        # school's staff see the case as a pseudonym with the reason.
        rule = {name: getattr(vagen, name) for name in ("name", "kind", "place", "start_time", "length_minutes",
                                                        "holiday_policy", "proposal_days", "agreement_id")}
        ops.update_series(vagen, values=rule, member_org_ids=[*vagen.member_org_ids, skola.id], by=None)

    _series("Mötesplats Lekeberg", "motesplats", [ami, af, skola], coordinator, starts_on=today,
            ends_on=today + timedelta(days=120), recurrence="weekly", interval_weeks=1, weekday=4, start=time(9),
            length=180, place="Mötesplats Lekeberg, Fjugesta", holiday="skip")
    db.session.flush()
