"""Demo deltagare and samtycken (invented young people) so every people/consent page has something to show."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from stdnum import luhn

from portal import clock
from portal.auth.models import User
from portal.db import db
from portal.orgs import Organisation
from portal.people import consent as consents
from portal.people import holders, identity
from portal.people import operations as people
from portal.people.vocabulary import PURPOSES

# A tiny valid PDF header is enough for a demo scan: the portal checks the file signature.
DEMO_SCAN = b"%PDF-1.4\n% Demo: inskannad samtyckesblankett\n%%EOF\n"


def _pnr(birth: date, serial: str) -> str:
    """An invented but checksum-valid personnummer for the demo."""
    body = birth.strftime("%y%m%d") + serial
    return f"{birth:%Y%m%d}-{serial}{luhn.calc_check_digit(body)}"


def _staff(org: Organisation) -> User:
    return db.session.scalars(select(User).where(User.organisation_id == org.id).order_by(User.id)).first()


def _born(years: int, days: int = 0) -> date:
    """A birth date `years` ago, moved `days` later (so the person turns years+1 in 365-days days)."""
    return identity.add_years(clock.today(), -years) + timedelta(days=days)


def seed_people(orgs: dict[str, Organisation]) -> None:
    ami, af, kommun, skola, ifo = (orgs["lekeberg-ami"], orgs["af-hallsberg"], orgs["lekeberg"],
                                   orgs["lekebergsskolan"], orgs["lekeberg-ifo"])
    by_ami, by_kommun, by_skola = _staff(ami), _staff(kommun), _staff(skola)
    today = clock.today()
    all_purposes = list(PURPOSES)

    elsa, _ = holders.register_person(by=by_ami, first_name="Elsa", last_name="Lindqvist",
                                     number=_pnr(_born(18, -40), "238"), home_kommun="1814",
                                     address="Storgatan 3", postal_code="716 31", city="Fjugesta",
                                     phone="070-000 00 01", email="elsa@exempel.se")
    people.add_note(elsa, by=by_ami, category="utbildning", text="Avbröt gymnasiet åk 2; vill läsa in via Komvux.")
    people.add_note(elsa, by=by_ami, category="halsa", text="Har berättat om sömnproblem.")
    consents.register_consent(elsa, by=by_ami, organisation_ids=[af.id], purposes=all_purposes,
                              categories=["kontakt", "utbildning", "sysselsattning"], valid_from=today,
                              valid_until=consents.default_valid_until(elsa, today), method="blankett",
                              scan=("samtycke-elsa.pdf", DEMO_SCAN), given_by_person=True)

    omar, _ = holders.register_person(by=by_ami, first_name="Omar", last_name="Haddad",
                                     number=_pnr(_born(16, -100), "457"), home_kommun="1814")
    people.add_note(omar, by=by_ami, category="sysselsattning", text="Intresserad av traineejobb inom lager.")
    consents.register_consent(omar, by=by_ami, organisation_ids=[af.id], purposes=["samordning"],
                              categories=["sysselsattning"], valid_from=today - timedelta(days=400),
                              valid_until=today - timedelta(days=36), method="muntlig",
                              method_note="Muntligt vid möte på AMI, handläggare och SYV närvarande.",
                              given_by_person=True, maturity_assessment="Bedöms mogen att själv ta ställning.")

    wilma, _ = holders.register_person(by=by_kommun, first_name="Wilma", last_name="Ek",
                                      number=_pnr(_born(19, -10), "622"), home_kommun="1861")
    people.add_note(wilma, by=by_kommun, category="social", text="Bor hos kompis sedan en månad.")
    withdrawn = consents.register_consent(wilma, by=by_kommun, organisation_ids=[af.id, ifo.id],
                                          purposes=all_purposes, categories=["kontakt", "social"],
                                          valid_from=today - timedelta(days=60),
                                          valid_until=today + timedelta(days=300), method="digital")
    consents.withdraw_consent(withdrawn, by=by_kommun, reason="Wilma vill inte längre att uppgifter delas.")

    leo, _ = holders.register_person(by=by_skola, first_name="Leo", last_name="Bergström",
                                    number=_pnr(_born(14, -200), "731"), home_kommun="1814")
    people.add_guardian(leo, by=by_skola, name="Anna Bergström", relation="mamma", phone="070-000 00 02")
    people.add_guardian(leo, by=by_skola, name="Jonas Bergström", relation="pappa", phone="070-000 00 03")
    consents.register_consent(leo, by=by_skola, organisation_ids=[ami.id], purposes=["samordning", "mote"],
                              categories=["kontakt", "utbildning"], valid_from=today,
                              valid_until=today + timedelta(days=180), method="blankett",
                              scan=("samtycke-leo.pdf", DEMO_SCAN), given_by_person=False,
                              guardian_names=["Anna Bergström", "Jonas Bergström"],
                              person_view="Leo tycker att det är bra att skolan och AMI pratar med varandra.")

    saga, _ = holders.register_person(by=by_ami, first_name="Saga", last_name="Nyström",
                                     number=_pnr(_born(18, -150), "846"), is_protected=True,
                                     address="(skyddad adress)", phone="070-000 00 04")
    consents.register_consent(saga, by=by_ami, organisation_ids=[af.id], purposes=all_purposes,
                              categories=["kontakt", "sysselsattning"], valid_from=today,
                              valid_until=today + timedelta(days=200), method="digital")

    # Thirteen, newly met by AMI, no consent yet: the person page's empty state, and a consent form for a child.
    ida, _ = holders.register_person(by=by_ami, first_name="Ida", last_name="Holm",
                                    number=_pnr(_born(13, -120), "519"), home_kommun="1814")
    people.add_guardian(ida, by=by_ami, name="Karin Holm", relation="mamma", phone="070-000 00 05")

    # Turns 18 in about two weeks: a guardian-only consent that lapses then, so the expiry list has a row.
    noah, _ = holders.register_person(by=by_ami, first_name="Noah", last_name="Karlsson",
                                     number=_pnr(_born(18, 14), "915"), home_kommun="1814")
    consents.register_consent(noah, by=by_ami, organisation_ids=[af.id], purposes=["samordning"],
                              categories=["utbildning"], valid_from=today, valid_until=today + timedelta(days=300),
                              method="digital", given_by_person=False, guardian_names=["Maria Karlsson"],
                              person_view="Noah är positiv.")
    # Arbetsförmedlingen registers Elsa as well, spelt as it has her, and takes a consent naming AMI: AMI is asked
    # to confirm it before its records open to Arbetsförmedlingen (a notice waits for AMI's staff).
    by_af = _staff(af)
    elsa_af, _ = holders.register_person(by=by_af, first_name="Elsa", last_name="Lindkvist",
                                         number=_pnr(_born(18, -40), "238"), home_kommun="1814")
    people.add_note(elsa_af, by=by_af, category="sysselsattning", text="Inskriven som arbetssökande.")
    consents.register_consent(elsa_af, by=by_af, organisation_ids=[ami.id], purposes=["samordning"],
                              categories=["sysselsattning"], valid_from=today,
                              valid_until=today + timedelta(days=200), method="digital")
    consents.notify_expiring()
