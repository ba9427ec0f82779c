"""`flask --app portal daily`: every area's job runs, each in its own transaction; one failing job fails the
command (exit 1) but not the others; a second run the same day tells nothing more; `consent-reminders` still works."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import daily
from portal.clock import today
from portal.db import db
from portal.notifications import Notice
from tests.people import factories as f


def _run(app, *args):
    return app.test_cli_runner().invoke(args=["daily", *args])


def _notices() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Notice))


def test_the_areas_register_their_jobs(app):
    assert {"consent-reminders", "referrals"} <= set(daily.DAILY_JOBS)


def test_daily_runs_every_job_and_a_second_run_the_same_day_tells_nothing_more(app, orgs, make_user):
    user = make_user(org="ami")
    p = f.person(user)
    f.consent(p, user, [orgs["ami"].id, orgs["af"].id], until=today() + timedelta(days=10))
    result = _run(app)
    assert result.exit_code == 0, result.output
    assert "Påminnelser om samtycken som går ut: 1 påminnelser skapade." in result.output
    assert "Remisser:" in result.output
    told = _notices()
    assert told >= 1
    again = _run(app)
    assert again.exit_code == 0 and "0 påminnelser skapade" in again.output
    assert _notices() == told


def test_a_failing_job_fails_the_command_and_the_others_still_run_and_keep_their_work(app, orgs, make_user,
                                                                                      monkeypatch):
    user = make_user(org="ami")
    p = f.person(user)
    f.consent(p, user, [orgs["ami"].id, orgs["af"].id], until=today() + timedelta(days=10))

    def broken(on):
        db.session.add(Notice(organisation_id=orgs["ami"].id, message="halvfärdigt", key="broken-job"))
        db.session.flush()
        raise RuntimeError("databasen svarade inte")

    jobs = {"broken": daily.DailyJob("broken", "Trasigt jobb", broken), **daily.DAILY_JOBS}
    monkeypatch.setattr(daily, "DAILY_JOBS", jobs)
    result = _run(app)
    assert result.exit_code == 1
    assert "Trasigt jobb: MISSLYCKADES (RuntimeError: databasen svarade inte)" in result.output
    assert "1 påminnelser skapade" in result.output and "Remisser:" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(Notice.id).where(Notice.key == "broken-job")) is None  # rolled back
    assert db.session.scalar(select(func.count()).select_from(Notice).where(Notice.key.like("consent-expiring-%"))) == 1


def test_one_job_can_be_run_alone_and_an_unknown_one_is_named(app):
    result = _run(app, "--job", "referrals")
    assert result.exit_code == 0 and "Remisser:" in result.output and "Påminnelser" not in result.output
    unknown = _run(app, "--job", "finns-inte")
    assert unknown.exit_code == 2 and "okänt jobb finns-inte" in unknown.output


def test_consent_reminders_is_kept_as_an_alias(app, orgs, make_user):
    user = make_user(org="ami")
    p = f.person(user)
    f.consent(p, user, [orgs["ami"].id, orgs["af"].id], until=today() + timedelta(days=10))
    before = _notices()  # AF was asked to confirm the consent
    result = app.test_cli_runner().invoke(args=["consent-reminders"])
    assert result.exit_code == 0 and "1 påminnelser skapade" in result.output
    assert _notices() == before + 1
    assert "0 påminnelser skapade" in app.test_cli_runner().invoke(args=["consent-reminders"]).output


@pytest.mark.parametrize("keys", [None, {"referrals"}])
def test_run_daily_reports_each_job(app, keys):
    results = daily.run_daily(keys=keys)
    assert all(error is None for _, _, error in results)
    assert "referrals" in {job.key for job, _, _ in results}
