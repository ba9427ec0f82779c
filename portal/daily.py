"""The daily jobs: each area registers its own from init_app; `flask --app portal daily` runs them all."""
from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import click

from portal.clock import today
from portal.db import db


@dataclass(frozen=True)
class DailyJob:
    key: str
    #: Said before the job's own summary line.
    label: str
    #: run(on) -> a one-line summary in Swedish; must be idempotent (the command may run twice a day).
    run: Callable[[date], str]


DAILY_JOBS: dict[str, DailyJob] = {}


def register_daily_job(key: str, label: str, run: Callable[[date], str]) -> DailyJob:
    job = DailyJob(key, label, run)
    DAILY_JOBS[key] = job
    return job


def run_daily(on: date | None = None, keys=None) -> list[tuple[DailyJob, str | None, Exception | None]]:
    """Run each job in its own transaction: one failing job is reported and rolled back, the others still run."""
    on = on or today()
    results = []
    for job in DAILY_JOBS.values():
        if keys and job.key not in keys:
            continue
        try:
            summary = job.run(on)
            db.session.commit()
            results.append((job, summary, None))
        except Exception as exc:  # noqa: BLE001 - reported per job; the command's exit code says it failed
            db.session.rollback()
            results.append((job, None, exc))
    return results


def init_app(app) -> None:
    @app.cli.command("daily")
    @click.option("--job", "jobs", multiple=True, help="Kör bara detta jobb (kan anges flera gånger).")
    def daily(jobs):
        """Kör dagens jobb för varje område (påminnelser, försenade remisser, ...). Kan köras flera gånger."""
        unknown = [key for key in jobs if key not in DAILY_JOBS]
        if unknown:
            click.echo(f"Fel: okänt jobb {', '.join(unknown)}. Finns: {', '.join(DAILY_JOBS)}.", err=True)
            sys.exit(2)
        failed = False
        for job, summary, error in run_daily(keys=set(jobs) or None):
            if error is None:
                click.echo(f"{job.label}: {summary}")
            else:
                failed = True
                click.echo(f"{job.label}: MISSLYCKADES ({type(error).__name__}: {error})", err=True)
        sys.exit(1 if failed else 0)
