"""The daily job: deregistered ("fyllt 20") on the 20th birthday, also for someone born on 29 February; who turns
20 within 30 days; reminders of due contacts; safe to run twice a day."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from kaa import daily
from kaa.models import KaaEnrolment
from portal.clock import today
from portal.db import db
from portal.notifications import Notice
from portal.people.identity import add_years
from tests.kaa.helpers import enrol


def _notices() -> int:
    return db.session.scalar(select(func.count(Notice.id)))


def test_a_person_born_on_29_february_is_deregistered_on_29_february_of_the_year_they_turn_20(make_user):
    ami = make_user(org="ami")
    leap = enrol(ami, first="Skott", last="Dag", birth=date(2004, 2, 29), ago=(today() - date(2023, 6, 1)).days)
    other = enrol(ami, first="Mars", last="Född", birth=date(2004, 3, 1), ago=(today() - date(2023, 6, 1)).days)
    daily.run(date(2024, 2, 28))
    assert leap.is_open and other.is_open
    summary = daily.run(date(2024, 2, 29))
    db.session.commit()
    assert (leap.deregistered_on, leap.deregistration_reason) == (date(2024, 2, 29), "fyllt_20")
    assert other.is_open and "1 avregistrerade" in summary
    daily.run(date(2024, 3, 1))
    assert other.deregistered_on == date(2024, 3, 1)


def test_age_out_on_the_birthday_and_idempotent(make_user):
    ami = make_user(org="ami")
    birthday_today = enrol(ami, birth=add_years(today(), -20) + timedelta(days=1), ago=30)
    tomorrow = enrol(ami, birth=add_years(today(), -20) + timedelta(days=2), ago=30)
    on = today() + timedelta(days=1)
    first = daily.run(on)
    db.session.commit()
    notices = _notices()
    second = daily.run(on)
    db.session.commit()
    assert not birthday_today.is_open and birthday_today.deregistered_on == on
    assert tomorrow.is_open
    assert "1 avregistrerade" in first and "0 avregistrerade" in second
    assert _notices() == notices  # nothing twice


def test_a_late_run_dates_the_deregistration_on_the_birthday(make_user):
    ami = make_user(org="ami")
    birth = add_years(today(), -20) - timedelta(days=3)  # turned 20 three days ago, registered at 19
    enrolment = enrol(ami, birth=birth, ago=100, commit=False)
    db.session.commit()
    daily.run(today())
    assert enrolment.deregistered_on == add_years(birth, 20)


def test_turning_20_soon_and_due_contacts_are_told_to_the_holder_once(make_user, orgs):
    ami = make_user(org="ami")
    enrol(ami, first="Lucas", birth=add_years(today(), -20) + timedelta(days=7), ago=200)
    enrol(ami, first="Nora", ago=3)
    summary = daily.run(today())
    db.session.commit()
    assert "1 fyller 20" in summary and "2 ska kontaktas" in summary
    messages = db.session.scalars(select(Notice).where(Notice.organisation_id == orgs["ami"].id)).all()
    assert len(messages) == 2
    assert all("Lucas" not in (m.message + str(m.params)) for m in messages)  # a pseudonym, never a name
    daily.run(today())
    db.session.commit()
    assert _notices() == 2


def test_the_commands_run_the_job(app, make_user):
    ami = make_user(org="ami")
    enrolment = enrol(ami, birth=add_years(today(), -20) + timedelta(days=1), ago=30)
    result = app.test_cli_runner().invoke(args=["kaa-daily", "--on", (today() + timedelta(days=1)).isoformat()])
    assert result.exit_code == 0, result.output
    assert "1 avregistrerade (fyllt 20)" in result.output
    db.session.expire_all()
    assert db.session.get(KaaEnrolment, enrolment.id).deregistration_reason == "fyllt_20"


def test_flask_daily_runs_the_kaa_job_too(app, make_user):
    ami = make_user(org="ami")
    enrolment = enrol(ami, birth=add_years(today(), -20), ago=30, commit=False)  # turns 20 today
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["daily", "--job", "kaa"])
    assert result.exit_code == 0, result.output
    assert "avregistrerade (fyllt 20)" in result.output
    db.session.expire_all()
    assert db.session.get(KaaEnrolment, enrolment.id).deregistration_reason == "fyllt_20"
