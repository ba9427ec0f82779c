"""Demo referrals between the Lekeberg organisations: every state, overdue ones, each kind of basis, a thread.

Everything goes through the operations with the demo staff as `by=`, so timelines, notices and the audit trail
read as they would after real use. The people are the people demo's (portal/people/demo.py); the consents with
the purpose remiss that the referrals rest on are registered here, through the consent operations.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal import clock
from portal.auth.models import User
from portal.db import db
from portal.orgs import Organisation
from portal.people import consent as consents
from portal.people import holders
from portal.people.identity import format_id_number
from portal.people.models import Person
from portal.workdays import add_working_days, is_working_day
from referrals import attachments
from referrals import operations as ops
from referrals.models import Referral

#: A one-page PDF is all a demo attachment needs: the portal checks the file's first bytes.
DEMO_PDF = (b"%PDF-1.4\n% Demo: bilaga till remiss\n1 0 obj << /Type /Catalog >> endobj\n"
            b"trailer << /Root 1 0 R >>\n%%EOF\n")
#: How many consents this seeder registers (the people demo's tests count theirs apart from these).
CONSENTS_ADDED = 4


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _person(first_name: str) -> Person:
    return db.session.scalar(select(Person).where(Person.first_name == first_name).order_by(Person.id))


def working_days_before(day, count: int):
    """The working day `count` working days before `day` (so add_working_days(result, count) == day or later)."""
    while count > 0:
        day -= timedelta(days=1)
        count -= is_working_day(day)
    return day


def _backdate(referral: Referral, working_days_ago: int) -> None:
    """Move a referral made today back in time, as if sent `working_days_ago` working days ago.

    The operations stamp today (a real user cannot send yesterday), yet the demo must show referrals that are
    overdue and timelines that took weeks. So after the operations ran, the dates they wrote are moved: the
    submission day, the due day counted from it with the receiver's response time, and each later step a working
    day after the one before (never after today), so the timeline, the due marking and the inbox's sorting agree.
    """
    db.session.flush()
    # receive_on_open writes its step past the relationship: read the timeline as it stands in the database.
    db.session.expire(referral, ["events", "comments", "attachments"])
    today = clock.today()
    submitted = working_days_before(today, working_days_ago)
    if referral.submitted_on is not None:
        referral.submitted_on = submitted
        referral.due_on = add_working_days(submitted, ops.response_days(referral.to_org_id))
    moment = clock.now().replace(hour=9, minute=12, second=0, microsecond=0)
    shift = timedelta(days=(today - submitted).days)
    referral.created_dt = moment - shift - timedelta(hours=1)
    day = submitted
    for step, event in enumerate(referral.events):
        if step:
            day = min(add_working_days(day, 1), today)
        event.at_dt = moment - timedelta(days=(today - day).days) + timedelta(minutes=7 * step)
    if referral.ended_on is not None:
        referral.ended_on = day
    for row in (*referral.comments, *referral.attachments):
        row.created_dt = moment - timedelta(days=(today - day).days) + timedelta(hours=2)
    db.session.flush()


def _send(by, to: Organisation, person, *, type, reason, help_requested="", categories=(), urgency="normal"):  # noqa: A002
    referral = ops.save_draft(None, by=by, type=type, to_org_id=to.id, person=person, categories=list(categories),
                              reason=reason, help_requested=help_requested, urgency=urgency)
    return ops.submit(referral, by=by)


def seed(orgs: dict[str, Organisation]) -> None:
    ami, af, kommun, ifo = orgs["lekeberg-ami"], orgs["af-hallsberg"], orgs["lekeberg"], orgs["lekeberg-ifo"]
    ahmed = _user("ami.handlaggare@lekeberg.example")
    fatima = _user("handlaggare@af-hallsberg.example")
    karin = _user("kaa.samordnare@lekeberg.example")
    sara = _user("handlaggare@lekeberg.example")
    johan = _user("ifo.handlaggare@lekeberg.example")
    peter = _user("syv@lekebergsskolan.example")
    elsa, saga, omar, noah, leo = (_person(n) for n in ("Elsa", "Saga", "Omar", "Noah", "Leo"))
    today = clock.today()

    # The kommun's coordinator gives it a week and a half to answer; the others keep the default five days.
    ops.set_response_time(kommun, by=karin, working_days=7)

    # Consents with the purpose remiss, taken by AMI, which keeps these young people (CONSENTS_ADDED of them).
    consents.register_consent(
        elsa, by=ahmed, organisation_ids=[kommun.id, ifo.id], purposes=["remiss", "samordning"],
        categories=["kontakt", "utbildning", "sysselsattning", "social"], valid_from=today - timedelta(days=30),
        valid_until=today + timedelta(days=330), method="digital")
    consents.register_consent(
        saga, by=ahmed, organisation_ids=[af.id], purposes=["remiss"], categories=["kontakt", "sysselsattning",
                                                                                 "utbildning"],
        valid_from=today - timedelta(days=40), valid_until=today + timedelta(days=300), method="digital")
    consents.register_consent(
        noah, by=ahmed, organisation_ids=[kommun.id], purposes=["remiss", "samordning"],
        categories=["kontakt", "utbildning"], valid_from=today - timedelta(days=20),
        valid_until=today + timedelta(days=300), method="digital", given_by_person=True,
        maturity_assessment="Bedöms mogen att själv ta ställning; vill ha stöd av KAA.")
    omar_consent = consents.register_consent(
        omar, by=ahmed, organisation_ids=[ifo.id], purposes=["remiss"], categories=["kontakt", "social"],
        valid_from=today - timedelta(days=25), valid_until=today + timedelta(days=200), method="muntlig",
        method_note="Muntligt vid möte på AMI den dag det registrerades; Omar och handläggaren närvarande.",
        given_by_person=True, maturity_assessment="Bedöms mogen att själv ta ställning.")

    # Draft: Arbetsförmedlingen would refer Elsa to AMI, but its own consent does not cover remiss yet.
    ops.save_draft(None, by=fatima, type="insats", to_org_id=ami.id, person=elsa,
                   categories=["sysselsattning"], reason="Inskriven som arbetssökande, vill börja arbeta.",
                   help_requested="Anvisning till utbildningskontrakt när samtycket omfattar remiss.")

    # Received by Arbetsförmedlingen two working days ago, within its response time.
    opened = _send(ahmed, af, saga, type="insats", categories=["sysselsattning"],
                   reason="Saga vill börja arbeta och behöver stöd att söka jobb inom handel.",
                   help_requested="Matchning mot lediga jobb och ett första planeringssamtal.")
    ops.receive_on_open(opened, by=fatima)
    _backdate(opened, 2)

    # Submitted eight working days ago, nobody at Arbetsförmedlingen has opened it: overdue.
    overdue = _send(ahmed, af, saga, type="overlamning", categories=["kontakt", "sysselsattning"],
                    reason="Saga har gått klart introduktionsprogrammet och står nu till arbetsmarknadens "
                           "förfogande.", help_requested="Inskrivning och planering mot arbete.")
    _backdate(overdue, 8)

    # Submitted today, skyndsam: waits for IFO.
    _send(ahmed, ifo, elsa, type="stod", urgency="skyndsam", categories=["kontakt", "social"],
          reason="Elsa har berättat att hon inte har någonstans att bo efter månadsskiftet.",
          help_requested="Kontakt med socialsekreterare om boende och försörjning.")

    # Received and assigned at the kommun, but the response time ran out: overdue though someone has it.
    waiting = _send(ahmed, kommun, noah, type="overlamning", categories=["kontakt", "utbildning"],
                    reason="Noah har avbrutit sin praktik och har inte varit i kontakt med AMI på en månad.",
                    help_requested="KAA tar över uppföljningen till han börjar studera igen.")
    ops.receive_on_open(waiting, by=karin)
    ops.assign(waiting, by=karin, assignee_id=karin.id)
    _backdate(waiting, 10)

    # Accepted by Arbetsförmedlingen, with a thread on both sides and an attachment from AMI.
    accepted = _send(ahmed, af, elsa, type="insats", categories=["kontakt", "utbildning", "sysselsattning"],
                     reason="Elsa avbröt gymnasiet i årskurs 2 och vill kombinera studier med arbete.",
                     help_requested="Anvisning till utbildningskontrakt (steg 1 i rutinen).")
    attachments.add(accepted, by=ahmed, filename="Kartläggning AMI.pdf", data=DEMO_PDF)
    ops.receive_on_open(accepted, by=fatima)
    ops.comment(accepted, by=fatima, body="Vi bokar ett inskrivningsmöte. Kan AMI vara med?")
    ops.comment(accepted, by=ahmed, body="Ja, jag kommer. Tisdagar och torsdagar passar bäst.")
    ops.accept(accepted, by=fatima)
    _backdate(accepted, 12)

    # Declined by the kommun: KAA is not the right receiver for her.
    declined = _send(ahmed, kommun, elsa, type="stod", categories=["kontakt", "utbildning"],
                     reason="Elsa vill läsa in gymnasiet och behöver stöd av studie- och yrkesvägledare.",
                     help_requested="Vägledningssamtal genom KAA.")
    ops.receive_on_open(declined, by=sara)
    ops.decline(declined, by=sara, reason="Elsa har fyllt 18 och omfattas inte av aktivitetsansvaret; "
                                          "vänd er till Komvux vägledning.")
    _backdate(declined, 15)

    # Closed: Arbetsförmedlingen took Saga on and she got a work placement.
    closed = _send(ahmed, af, saga, type="insats", categories=["kontakt", "sysselsattning"],
                   reason="Saga vill pröva på lager och logistik.", help_requested="Praktikplats inom lager.")
    ops.receive_on_open(closed, by=fatima)
    ops.accept(closed, by=fatima)
    ops.close(closed, by=fatima, outcome="praktik", note="Praktik på lager i Fjugesta i tolv veckor.")
    _backdate(closed, 30)

    # Withdrawn by AMI before Arbetsförmedlingen opened it.
    withdrawn = _send(ahmed, af, elsa, type="overlamning", categories=["kontakt"],
                      reason="Elsa flyttar till Örebro.", help_requested="Överlämning till ert kontor.")
    ops.withdraw(withdrawn, by=ahmed, reason="Skickad av misstag: Elsa bor kvar i Lekeberg.")
    _backdate(withdrawn, 20)

    # A studieavbrott from the school to the home kommun: a duty to inform, no consent. The school registers
    # Elsa (it knew her number), the kommun's coordinator gives it to a caseworker, who accepts it.
    elsa_at_school, _ = holders.register_person(by=peter, first_name="Elsa", last_name="Lindqvist",
                                                number=format_id_number(elsa.id_kind, elsa.id_number),
                                                home_kommun="1814")
    dropout = _send(peter, kommun, elsa_at_school, type="studieavbrott",
                    reason="Elsa har inte varit i skolan sedan höstlovet och har meddelat att hon avbryter "
                           "sina studier på naturvetenskapsprogrammet.")
    attachments.add(dropout, by=peter, filename="Frånvarosammanställning.pdf", data=DEMO_PDF)
    ops.receive_on_open(dropout, by=karin)
    ops.assign(dropout, by=karin, assignee_id=sara.id)
    ops.accept(dropout, by=sara)
    ops.comment(dropout, by=sara, body="Elsa är kontaktad och har en tid hos KAA nästa vecka.")
    _backdate(dropout, 6)

    # An orosanmälan from the school to social services: it is received and cannot be declined.
    concern = _send(peter, ifo, leo, type="orosanmalan", urgency="akut",
                    reason="Leo har berättat för sin mentor att det är mycket bråk hemma och att han inte vill gå "
                           "hem efter skolan.")
    ops.receive_on_open(concern, by=johan)
    ops.comment(concern, by=johan, body="Mottagen. Vi kontaktar skolan i dag för att boka ett möte.")
    _backdate(concern, 2)

    # An anonymised consultation: no person, no identifiers, a thread.
    consultation = _send(sara, ifo, None, type="konsultation",
                         reason="En 17-åring som KAA följer har slutat komma till sina möten och verkar inte ha "
                                "någon vuxen hemma. När bör vi göra en orosanmälan?",
                         help_requested="Råd om hur vi går vidare.")
    ops.receive_on_open(consultation, by=johan)
    ops.comment(consultation, by=johan, body="Vid minsta oro för en person under 18 år ska ni anmäla. Ring oss "
                                            "gärna först så går vi igenom det tillsammans.")
    _backdate(consultation, 4)

    # Accepted by IFO, then Omar withdrew his consent: both sides are told, IFO no longer sees AMI's part, and
    # the referral can only be closed or continued with a new consent. Withdrawn through the consent operation
    # so that the referrals' hook runs as it does in life.
    lost = _send(ahmed, ifo, omar, type="stod", categories=["kontakt", "social"],
                 reason="Omar har skulder och behöver hjälp att få ordning på sin ekonomi.",
                 help_requested="Budget- och skuldrådgivning.")
    ops.receive_on_open(lost, by=johan)
    ops.accept(lost, by=johan)
    _backdate(lost, 9)
    consents.withdraw_consent(omar_consent, by=ahmed, reason="Omar vill inte längre att AMI och IFO delar "
                                                             "uppgifter.")
