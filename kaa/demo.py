"""Demo KAA register for Lekeberg: a dozen young people in every state, with contacts, measures and an import."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from stdnum import luhn

from kaa import imports
from kaa import operations as ops
from portal import clock
from portal.auth.models import User
from portal.db import db
from portal.orgs import Organisation
from portal.people import identity
from portal.people import operations as people


def _pnr(birth: date, serial: str) -> str:
    body = birth.strftime("%y%m%d") + serial
    return f"{birth:%Y%m%d}-{serial}{luhn.calc_check_digit(body)}"


def _born(years: int, days: int = 0) -> date:
    return identity.add_years(clock.today(), -years) + timedelta(days=days)


def _staff(org: Organisation, email: str) -> User | None:
    return db.session.scalar(select(User).where(User.organisation_id == org.id, User.email == email))


def seed(orgs: dict[str, Organisation]) -> None:
    ami = _staff(orgs["lekeberg-ami"], "ami.handlaggare@lekeberg.example")
    kommun = _staff(orgs["lekeberg"], "kaa.samordnare@lekeberg.example")
    if ami is None or kommun is None or not orgs["lekeberg"].kommunkod:
        return
    today = clock.today()

    def enrol(by, first, last, years, days, serial, source, ago, occupation="okand", **contact):
        return ops.register(by=by, first_name=first, last_name=last, number=_pnr(_born(years, days), serial),
                            source=source, registered_on=today - timedelta(days=ago), occupation=occupation,
                            **contact)

    def contact(enrolment, by, ago, outcome="kontakt_etablerad", channel="telefon", declined=False, **kw):
        ops.record_contact(enrolment, by=by, contact_on=today - timedelta(days=ago), channel=channel,
                           outcome=outcome, with_whom=kw.pop("with_whom", "ungdomen"), declined=declined,
                           **kw)

    # New, not contacted yet: due from today.
    enrol(ami, "Nora", "Lind", 17, -30, "112", "avbrott_nationellt", 0)
    # Registered three weeks ago and never contacted: overdue.
    enrol(ami, "Isak", "Holm", 18, -90, "124", "studiebevis", 21)
    # Two attempts without answer: due again.
    hugo = enrol(ami, "Hugo", "Sandberg", 17, -150, "136", "introduktionsprogram", 40, city="Fjugesta")
    contact(hugo, ami, 30, outcome="ej_svar", channel="sms")
    contact(hugo, ami, 18, outcome="meddelande_lamnat")
    # Reached, in a measure (praktik), followed up monthly.
    maja = enrol(ami, "Maja", "Ström", 18, -20, "148", "avbrott_nationellt", 120, occupation="praktik")
    contact(maja, ami, 110, channel="hembesok")
    ops.add_measure(maja, by=ami, content="Praktik på Lekebergs bibliotek, 20 timmar i veckan",
                    offered_on=today - timedelta(days=100), answer="ja", start_on=today - timedelta(days=90))
    contact(maja, ami, 12)
    # Declined 100 days ago: due again after three months.
    alva = enrol(ami, "Alva", "Berg", 19, -60, "150", "aldrig_paborjat", 200)
    ops.add_measure(alva, by=ami, content="Studie- och yrkesvägledning hos SYV",
                    offered_on=today - timedelta(days=101), answer="nej")
    contact(alva, ami, 100, declined=True)
    # Declined three weeks ago: not due yet.
    enrol_ = enrol(ami, "Elias", "Nyberg", 18, -200, "162", "inflyttad", 60)
    contact(enrol_, ami, 21, declined=True, channel="brev", outcome="kontakt_etablerad")
    # Studying at komvux, working.
    ella = enrol(kommun, "Ella", "Falk", 19, -10, "174", "studiebevis", 150, occupation="studier")
    contact(ella, kommun, 140, channel="epost")
    anton = enrol(ami, "Anton", "Vik", 19, -120, "186", "avbrott_nationellt", 170, occupation="arbete")
    contact(anton, ami, 160)
    # Turns 20 next week.
    enrol(ami, "Lucas", "Åkesson", 19, -358, "198", "aldrig_paborjat", 300, occupation="ingen_kand")
    # Back on a national programme: deregistered.
    saga = enrol(ami, "Saga", "Lund", 17, -40, "204", "avbrott_nationellt", 160)
    contact(saga, ami, 150)
    ops.deregister(saga, by=ami, reason="nationellt_program", on=today - timedelta(days=20))
    # Under 18 with guardians, one of whom may not be contacted; protected identity.
    liam = enrol(ami, "Liam", "Öberg", 16, -30, "216", "avbrott_nationellt", 10, is_protected=True,
                 address="Skyddad adress 1", postal_code="716 30", city="Fjugesta")
    people.add_guardian(liam.person, by=ami, name="Sofia Öberg", relation="mamma", phone="070-000 00 11")
    father = people.add_guardian(liam.person, by=ami, name="Mikael Öberg", relation="pappa", phone="070-000 00 12")
    ops.mark_guardian(liam, by=ami, guardian_id=father.id, no_contact=True)
    # One from the population register's list, imported as a CSV file (Windows-1252, semicolons).
    csv = ("personnummer;förnamn;efternamn;adress;postnummer;ort;skola;program\r\n"
           f"{_pnr(_born(17, -75), '228')};Vera;Sjöberg;Kyrkvägen 4;716 93;Fjugesta;Lekebergsskolan;IMA\r\n")
    imports.run_import(csv.encode("cp1252"), by=ami, source="introduktionsprogram")
