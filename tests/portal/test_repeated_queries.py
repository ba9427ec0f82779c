"""No request sends the same SQL statement with the same parameters twice: what one request needs it loads once.

The main pages as the demo's staff see them, each request on an empty identity map as in production (the tests
share one session across requests, so it is emptied first).
"""
from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from portal import demo
from portal.db import db
from tests.referrals.demo_like import ensure_referrals

AMI = "ami.handlaggare@lekeberg.example"
AF = "handlaggare@af-hallsberg.example"
COORDINATOR = "kaa.samordnare@lekeberg.example"
STEERING = "styrgrupp@af-hallsberg.example"
ORG_ADMIN = "admin@lekeberg.example"
SYSTEM_ADMIN = "systemadmin@dua-portalen.example"

#: (who, method, path with {person}, {agreement}, {goal} filled in from the demo, form data)
PAGES = [
    (AMI, "GET", "/", None),
    (AF, "GET", "/", None),
    (COORDINATOR, "GET", "/", None),
    (STEERING, "GET", "/", None),
    (ORG_ADMIN, "GET", "/", None),
    (SYSTEM_ADMIN, "GET", "/", None),
    (AMI, "GET", "/deltagare/samtycken/aterkallade", None),
    (SYSTEM_ADMIN, "GET", "/admin/e-post", None),
    (AMI, "GET", "/deltagare", None),
    (AMI, "POST", "/deltagare", {"q": "Elsa"}),
    (AMI, "GET", "/deltagare/{person}", None),
    (AF, "GET", "/deltagare/{person}", None),
    (AMI, "GET", "/deltagare/{person}/samtycken", None),
    (AF, "GET", "/deltagare/{person}/samtycken", None),
    (AMI, "GET", "/meddelanden", None),
    (ORG_ADMIN, "GET", "/admin/granskningslogg", None),
    (ORG_ADMIN, "GET", "/admin/granskningslogg?action=person", None),
    (COORDINATOR, "GET", "/overenskommelser/", None),
    (COORDINATOR, "GET", "/overenskommelser/{agreement}", None),
    (COORDINATOR, "GET", "/overenskommelser/{agreement}/revisioner/1", None),
    (COORDINATOR, "GET", "/overenskommelser/{agreement}/revisioner/2", None),
    (STEERING, "GET", "/overenskommelser/{agreement}/revisioner/1", None),
    (COORDINATOR, "GET", "/overenskommelser/{agreement}/mal/{goal}", None),
    (COORDINATOR, "GET", "/overenskommelser/{agreement}/revisioner/1/dokument.docx", None),
    (COORDINATOR, "GET", "/overenskommelser/{agreement}/revisioner/2/dokument.docx", None),
    (ORG_ADMIN, "GET", "/admin/anvandare", None),
    (SYSTEM_ADMIN, "GET", "/admin/anvandare", None),
    (AMI, "GET", "/remisser/", None),
    (AMI, "GET", "/remisser/?lada=mina&sortera=svarsdag", None),
    (AF, "GET", "/remisser/?lada=utgaende", None),
    (AF, "POST", "/remisser/", {"lada": "utgaende", "q": "Nora"}),
    (AMI, "GET", "/remisser/{referral}", None),
    (AF, "GET", "/remisser/{referral}", None),
    (AF, "GET", "/remisser/ny", None),
    (AF, "GET", "/remisser/ny?deltagare={person}", None),
    (COORDINATOR, "GET", "/remisser/svarstid", None),
    (AMI, "GET", "/kaa/att-kontakta", None),
    (COORDINATOR, "GET", "/kaa/register", None),
    (AMI, "GET", "/kaa/inskrivning/{enrolment}", None),
    (COORDINATOR, "GET", "/kaa/inskrivning/{enrolment}", None),
    (COORDINATOR, "GET", "/kaa/rapport", None),
    (COORDINATOR, "GET", "/kaa/rapport/scb.csv", None),
    (AMI, "GET", "/moten/", None),
    (COORDINATOR, "GET", "/moten/{series}", None),
    (AMI, "GET", "/moten/mote/{meeting}", None),
    (COORDINATOR, "GET", "/moten/mote/{meeting}", None),
    (AF, "GET", "/moten/mote/{meeting}", None),
    (COORDINATOR, "GET", "/moten/mote/{past_meeting}/minnesanteckningar", None),
    (COORDINATOR, "GET", "/moten/mote/{meeting}/minnesanteckningar/skriv", None),
    (AMI, "GET", "/moten/mina-ataganden", None),
    (AMI, "GET", "/remisser/rutiner", None),
    (AMI, "GET", "/remisser/rutiner/{run}", None),
    (AF, "GET", "/remisser/rutiner/{run}", None),
    (AMI, "GET", "/remisser/rutiner/tavla/utbildningskontrakt/3.1", None),
    (AMI, "GET", "/remisser/rutiner/uppfoljningar", None),
    (AMI, "GET", "/remisser/handlingsplan/{person}", None),
    (AMI, "GET", "/remisser/handlingsplan/{person}/jamfor", None),
    (COORDINATOR, "GET", "/remisser/rutiner/platser", None),
]


@pytest.fixture
def demo_ids(app, demo):
    """The demo seeded; the ids the pages' addresses need (Elsa, whom AMI keeps and Arbetsförmedlingen holds)."""
    from agreements.models import Agreement, Goal
    from kaa.models import KaaEnrolment
    from portal.people.models import Person

    elsa = db.session.scalars(select(Person).order_by(Person.id)).first()
    # the first: the 2016 agreement (the demo's follow-on agreement in force comes second)
    agreement = db.session.scalars(select(Agreement).order_by(Agreement.id)).first()
    goal = db.session.scalars(select(Goal).where(Goal.agreement_id == agreement.id).order_by(Goal.id)).first()
    from meetings.models import AgendaItem, Meeting, Minutes
    from referrals.routine_models import RoutineRun

    referral = ensure_referrals()["received"]
    enrolment = db.session.scalars(select(KaaEnrolment).order_by(KaaEnrolment.id.desc())).first()  # with guardians
    meeting = db.session.scalar(select(AgendaItem.meeting_id).where(AgendaItem.person_id.is_not(None)))
    past = db.session.scalars(select(Minutes.meeting_id).order_by(Minutes.id)).first()
    series = db.session.get(Meeting, meeting).series_id
    run = db.session.scalars(select(RoutineRun).order_by(RoutineRun.id)).first()
    return {"person": elsa.ref, "agreement": agreement.id, "goal": goal.id, "referral": referral.id,
            "enrolment": enrolment.id, "meeting": meeting, "past_meeting": past, "series": series, "run": run.id}


def repeated(recorded) -> list[str]:
    """Each statement sent more than once with the same parameters, with how often."""
    counts = Counter((statement, repr(parameters)) for statement, parameters in recorded)
    return [f"{n}× {' '.join(statement.split())[:240]} {parameters[:120]}"
            for (statement, parameters), n in counts.items() if n > 1]


@pytest.mark.parametrize(("who", "method", "path", "data"), PAGES,
                         ids=[f"{who.split('@')[0]} {method} {path}" for who, method, path, _data in PAGES])
def test_no_statement_runs_twice_in_a_request(demo_ids, client, record_queries, who, method, path, data):
    response = client.post("/logga-in", data={"email": who, "password": demo.DEMO_PASSWORD}, follow_redirects=True)
    assert response.status_code == 200
    db.session.expunge_all()
    with record_queries() as recorded:
        response = client.open(path.format(**demo_ids), method=method, data=data)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    print(f"{len(recorded)} statements: {who} {method} {path}")
    assert not repeated(recorded), "\n".join(repeated(recorded))
