"""Who may open which routine, offering and plan page: anonymous → login, a role without the permission → 403,
another organisation → 403 (or, where a page has nothing of the run, never the person's name), the holding
side → its page. Every endpoint and method of the routine, offering and plan pages is in the table."""
from __future__ import annotations

from datetime import timedelta

import pytest

from portal.clock import today
from portal.db import db
from portal.permissions import ROLE_PERMISSIONS
from referrals import offerings, plans
from referrals import routines as runs
from tests.referrals.routines import helpers as h

PDF = b"%PDF-1.4\n%%EOF\n"

#: (method, url with {referral} {ref} {run} {doc} {offering} {candidate}, permission, what AMI's staff with the
#: permission get for an empty form: 400 refused beside its fields, 302 done, 200 the page).
VIEWS = [
    ("GET", "/remisser/{referral}/rutin", "routine.run", 200),
    ("POST", "/remisser/{referral}/rutin", "routine.run", 400),
    ("GET", "/remisser/deltagare/{ref}/rutin", "routine.run", 200),
    ("POST", "/remisser/deltagare/{ref}/rutin", "routine.run", 400),
    ("GET", "/remisser/rutiner/{run}", "routine.run", 200),
    ("POST", "/remisser/rutiner/{run}/steg/1/klar", "routine.run", 400),
    ("POST", "/remisser/rutiner/{run}/steg/1/hoppa", "routine.run", 400),
    ("POST", "/remisser/rutiner/{run}/steg/3.2/tveksam", "routine.run", 400),
    ("POST", "/remisser/rutiner/{run}/steg/2/mote", "routine.run", 400),
    ("POST", "/remisser/rutiner/{run}/dokument", "routine.run", 400),
    ("GET", "/remisser/rutiner/{run}/dokument/{doc}", "routine.run", 200),
    ("GET", "/remisser/rutiner/{run}/avbryt", "routine.run", 200),
    ("POST", "/remisser/rutiner/{run}/avbryt", "routine.run", 400),
    ("POST", "/remisser/rutiner/{run}/uppfoljning", "routine.run", 302),
    ("GET", "/remisser/rutiner", "routine.run", 200),
    ("GET", "/remisser/rutiner/tavla/utbildningskontrakt/1", "routine.run", 200),
    ("GET", "/remisser/rutiner/uppfoljningar", "routine.run", 200),
    ("GET", "/remisser/rutiner/platser", "routine.offer", 200),
    ("POST", "/remisser/rutiner/platser", "routine.offer", 400),
    ("GET", "/remisser/rutiner/platser/{offering}", "routine.offer", 200),
    ("POST", "/remisser/rutiner/platser/{offering}/foresla", "routine.offer", 400),
    ("POST", "/remisser/rutiner/platser/{offering}/urval", "routine.offer", 400),
    ("POST", "/remisser/rutiner/platser/{offering}/kandidat/{candidate}/lamna", "routine.offer", 400),
    ("GET", "/remisser/handlingsplan/{ref}", "plan.write", 200),
    ("POST", "/remisser/handlingsplan/{ref}", "plan.write", 400),
    ("GET", "/remisser/handlingsplan/{ref}/version/1", "plan.write", 200),
    ("GET", "/remisser/handlingsplan/{ref}/jamfor", "plan.write", 200),
    ("GET", "/remisser/handlingsplan/{ref}/version/1/handlingsplan.docx", "plan.write", 200),
]
MATRIX = [(method, url, role, expected if permission in granted else 403)
          for method, url, permission, expected in VIEWS for role, granted in ROLE_PERMISSIONS.items()]
#: Pages about no run, offering or plan of AMI's: another organisation gets its own (empty) page.
OWN_PAGES = {"/remisser/rutiner", "/remisser/rutiner/uppfoljningar", "/remisser/rutiner/platser",
             "/remisser/rutiner/tavla/utbildningskontrakt/1"}


@pytest.fixture
def setting(referred, ami, coordinator):
    """Elsa's UBK run held by AMI (a document with its file, a follow-up due), AMI's offering with her
    traineejobb run put forward, and AMI's plan for her."""
    run = h.started(ami, referred)
    document = runs.record_document(run, by=ami, kind="studieplan", title="Studieplan", dated_on=today(),
                                    filename="plan.pdf", data=PDF)
    run.follow_up_on = today() + timedelta(days=5)
    trainee = h.started(ami, referred, "traineejobb")
    offering = offerings.create(h.routine(ami, "traineejobb"), by=coordinator, title="Platser", starts_on=today(),
                                ends_on=today() + timedelta(days=200), places=2)
    candidate = offerings.nominate(offering, trainee, by=coordinator)
    plans.save(referred.person, by=ami, expected_version=0, goal="Studera.")
    db.session.commit()
    return {"referral": referred.id, "ref": referred.person.ref, "run": run.id, "doc": document.id,
            "offering": offering.id, "candidate": candidate.id}


def test_the_matrix_covers_every_routine_offering_and_plan_endpoint(app):
    covered = {(m, u) for m, u, _, _ in VIEWS}
    shapes = {"<int:referral_id>": "{referral}", "<ref>": "{ref}", "<int:run_id>": "{run}",
              "<int:document_id>": "{doc}", "<int:offering_id>": "{offering}", "<int:candidate_id>": "{candidate}",
              "<int:number>": "1", "<key>": "utbildningskontrakt"}
    labels = {"klar": "1", "hoppa": "1", "tveksam": "3.2", "mote": "2"}
    for rule in app.url_map.iter_rules():
        module = app.view_functions[rule.endpoint].__module__
        if module not in ("referrals.routine_views", "referrals.offer_views", "referrals.plan_views"):
            continue
        path = rule.rule
        for shape, value in shapes.items():
            path = path.replace(shape, value)
        path = path.replace("/<label>/", f"/{labels.get(path.rsplit('/', 1)[-1], '')}/").replace("<label>", "1")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (method, path) in covered, (method, rule.rule)


@pytest.mark.parametrize(("method", "url"), [(m, u) for m, u, _, _ in VIEWS])
def test_anonymous_is_sent_to_login(client, setting, method, url):
    response = client.open(url.format(**setting), method=method)
    assert response.status_code == 302 and "/logga-in" in response.headers["Location"]


@pytest.mark.parametrize(("method", "url", "role", "expected"), MATRIX, ids=[f"{m} {u} {r}" for m, u, r, _ in MATRIX])
def test_role_matrix_at_the_holding_organisation(client, setting, login_as, method, url, role, expected):
    login_as(org="ami", roles=(role,))
    response = client.open(url.format(**setting), method=method, data={} if method == "POST" else None)
    assert response.status_code == expected, response.get_data(as_text=True)[:300]


@pytest.mark.parametrize(("method", "url"), [(m, u) for m, u, _, _ in VIEWS if u not in OWN_PAGES])
@pytest.mark.parametrize("org", ["ifo", "kommun", "skola"])
def test_another_organisation_gets_403_and_never_the_name(client, setting, login_as, method, url, org):
    login_as(org=org, roles=("samordnare",))
    response = client.open(url.format(**setting), method=method, data={} if method == "POST" else None)
    text = response.get_data(as_text=True)
    assert "Elsa" not in text and "Lindqvist" not in text and b"%PDF" not in response.data
    if "/deltagare/" not in url:  # a person's start page says, by pseudonym, that no run can start for them
        assert response.status_code == 403, text[:300]
