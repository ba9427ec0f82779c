"""KAA's daily job: deregister on the 20th birthday, tell who turns 20 within 30 days, remind of due contacts.

Idempotent: run it twice a day, or a day late, and nothing happens twice (an enrolment is closed once; each
notice has a key per enrolment or per organisation and day). `flask --app portal kaa-daily` runs it alone.
"""
from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from kaa import operations as ops
from kaa.models import KaaEnrolment
from portal import audit, notifications
from portal.db import db
from portal.notifications import N_
from portal.people.identity import add_years
from portal.people.models import Person

SOON_DAYS = 30


def _open_born(after: date | None, until: date):
    stmt = (select(KaaEnrolment).join(Person, Person.id == KaaEnrolment.person_id)
            .where(KaaEnrolment.deregistered_on.is_(None), Person.birth_date <= until)
            .options(contains_eager(KaaEnrolment.person)).order_by(KaaEnrolment.id))
    if after is not None:
        stmt = stmt.where(Person.birth_date > after)
    return list(db.session.scalars(stmt))


def age_out(on: date) -> int:
    """Close ("fyllt 20") every open enrolment whose person turned 20 on or before `on`, dated the birthday."""
    closed = 0
    for enrolment in _open_born(None, add_years(on, -20)):
        birthday = ops.twentieth_birthday(enrolment.person.birth_date)
        ops._close(enrolment, "fyllt_20", min(birthday, on))
        audit.record("kaa.enrolment.age_out", by=None, obj=enrolment, person_id=enrolment.person_id,
                     details={"reason": "fyllt_20"})
        closed += 1
    return closed


def turning_20(on: date) -> int:
    """One notice per enrolment to its holder when the person turns 20 within SOON_DAYS (by pseudonym)."""
    soon = _open_born(add_years(on, -20), add_years(on + timedelta(days=SOON_DAYS), -20))
    for enrolment in soon:
        notifications.notify_organisation(
            enrolment.org_id, N_("Deltagare %(p)s fyller 20 år %(day)s och skrivs då ut ur KAA-registret."),
            params={"p": enrolment.person.pseudonym,
                    "day": ops.twentieth_birthday(enrolment.person.birth_date).isoformat()},
            url=f"/kaa/inskrivning/{enrolment.id}", permission="kaa.work", key=f"kaa-turns20-{enrolment.id}")
    return len(soon)


def remind_due(on: date) -> int:
    """One notice per holding organisation and day: how many of its enrolments are due for contact."""
    due = Counter(db.session.scalars(select(KaaEnrolment.org_id).where(
        KaaEnrolment.deregistered_on.is_(None), KaaEnrolment.next_contact_on <= on)))
    for org_id, count in sorted(due.items()):
        notifications.notify_organisation(
            org_id, N_("%(n)s unga i KAA-registret ska kontaktas nu."), params={"n": count}, url="/kaa/att-kontakta",
            permission="kaa.work", key=f"kaa-due-{org_id}-{on.isoformat()}")
    return sum(due.values())


def run(on: date) -> str:
    """The whole job for a day; returns a one-line summary (for `flask daily` and the log)."""
    closed = age_out(on)
    soon = turning_20(on)
    due = remind_due(on)
    db.session.flush()
    return f"KAA {on.isoformat()}: {closed} avregistrerade (fyllt 20), {soon} fyller 20 inom {SOON_DAYS} dagar, " \
           f"{due} ska kontaktas"
