"""Statements per page for the run page, the board (with its drill-down), "mina uppföljningar" and the plan page:
the same number whatever the number of runs, steps done, documents and plan versions (no N+1). The counts are
printed (`-s`) for the notes."""
from __future__ import annotations

from datetime import timedelta

from portal.clock import today
from portal.db import db
from referrals import plans
from referrals import routines as runs
from tests.referrals.routines import helpers as h

#: Measured on SQLite and PostgreSQL when written; a page far above these has grown a query per row or more.
CEILING = 40


def _count(client, count_queries, url):
    with count_queries() as counted:
        response = client.get(url)
    assert response.status_code == 200, url
    return counted[0]


def _grow_run(run, ami, af, documents: int):
    """The run a step further and with more documents (each its own row, its recorder joined)."""
    for i in range(documents):
        runs.record_document(run, by=ami, kind="annat", title=f"Dokument {i}", dated_on=today(),
                             filename=f"d{i}.pdf", data=b"%PDF-1.4\n%%EOF\n")
    db.session.commit()


def test_the_run_page_sends_the_same_statements_with_more_steps_done_and_documents(referred, ami, af, client,
                                                                                   login, count_queries):
    run = h.started(ami, referred)
    h.complete(run, "1", af)
    runs.record_meeting(run, "2", by=ami, on=today())
    h.complete(run, "2", ami)
    _grow_run(run, ami, af, 1)
    login(ami)
    url = f"/remisser/rutiner/{run.id}"
    # The same step (3.1: what it needs is asked once each, whatever the rows), with more rows behind it.
    few = _count(client, count_queries, url)
    for i in range(3):
        runs.doubtful(run, "3.2", by=af, reason=f"Tveksam {i}")
        db.session.commit()
    _grow_run(run, ami, af, 9)
    for n in range(5):  # other runs in the organisation change nothing on this page
        other = h.started(ami, h.accepted_referral(af, ami, referred_orgs(ami, af), first=f"Annan{n}"))
        h.complete(other, "1", af)
    assert run.current == "3.1"
    many = _count(client, count_queries, url)
    print(f"\nstatements: run page {few} -> {many}")
    assert many == few and many <= CEILING


def test_the_board_drill_down_and_follow_ups_stay_constant_as_runs_grow(lekeberg, orgs, af, ami, client, login,
                                                                        count_queries):
    def add(n, start):
        for i in range(start, start + n):
            run = h.started(ami, h.accepted_referral(af, ami, orgs, first=f"Namn{i}"))
            run.follow_up_on = today() + timedelta(days=i - 3)  # some overdue, some ahead
        db.session.commit()

    pages = {"board": "/remisser/rutiner", "drill-down": "/remisser/rutiner/tavla/utbildningskontrakt/1",
             "mina uppföljningar": "/remisser/rutiner/uppfoljningar"}
    add(2, 0)
    login(ami)
    few = {name: _count(client, count_queries, url) for name, url in pages.items()}
    add(13, 2)
    runs.stop(runs_of_first(ami), by=ami, reason="Flyttat")  # a stopped one on the board's own row
    db.session.commit()
    many = {name: _count(client, count_queries, url) for name, url in pages.items()}
    print(f"\nstatements: {few} -> {many}")
    assert many == few and max(many.values()) <= CEILING


def referred_orgs(ami, af):
    return {"ami": ami.organisation, "af": af.organisation}


def runs_of_first(ami):
    from referrals.routine_models import RoutineRun

    return db.session.scalars(db.select(RoutineRun).order_by(RoutineRun.id)).first()


def test_the_plan_page_stays_constant_as_versions_grow(referred, ami, client, login, count_queries):
    person = referred.person
    plans.save(person, by=ami, expected_version=0, goal="Mål 1")
    db.session.commit()
    login(ami)
    url = f"/remisser/handlingsplan/{person.ref}"
    few = _count(client, count_queries, url)
    for n in range(2, 12):
        plans.save(person, by=ami, expected_version=n - 1, goal=f"Mål {n}")
    db.session.commit()
    many = _count(client, count_queries, url)
    version = _count(client, count_queries, f"{url}/version/3")
    print(f"\nstatements: plan page {few} -> {many}, a version {version}")
    assert many == few and many <= CEILING
