"""Builders for the KAA tests: enrolments through the same operations the pages use."""
from __future__ import annotations

from datetime import date, timedelta

from kaa import operations as ops
from portal.clock import today
from portal.db import db
from tests.people.factories import born, pnr

_serial = {"n": 300}


def number(birth: date | None = None) -> str:
    _serial["n"] += 1
    return pnr(birth or born(17), str(_serial["n"]))


def enrol(by, *, first="Nora", last="Lind", birth: date | None = None, ago: int = 0, source="avbrott_nationellt",
          occupation="okand", commit=True, **kwargs):
    enrolment = ops.register(by=by, first_name=first, last_name=last, number=number(birth), source=source,
                             registered_on=today() - timedelta(days=ago), occupation=occupation, **kwargs)
    if commit:
        db.session.commit()
    return enrolment


def contact(enrolment, by, *, ago: int = 0, outcome="kontakt_etablerad", declined=False, channel="telefon",
            with_whom="ungdomen", commit=True, **kwargs):
    result = ops.record_contact(enrolment, by=by, contact_on=today() - timedelta(days=ago), channel=channel,
                                outcome=outcome, with_whom=with_whom, declined=declined, **kwargs)
    if commit:
        db.session.commit()
    return result
