"""The routine and plan pages as a caseworker uses them: start from a referral, a step refused with what is
missing, the board and "mina uppföljningar" (names only through the gate, constant statements), the plan with
versions, the stale save and the .docx."""
from __future__ import annotations

import io
import re
from datetime import timedelta

from docx import Document

from portal.clock import today
from portal.db import db
from referrals import plans
from referrals import routines as runs
from referrals.routine_models import RoutineRun
from tests.referrals.routines import helpers as h


def token(page: str) -> str:
    """The page's CSRF token (tests run with CSRF off: then empty)."""
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    return found.group(1) if found else ""


def test_a_run_is_started_from_an_accepted_referral_and_a_missing_prerequisite_is_named(referred, ami, af, client,
                                                                                       login):
    login(ami)
    page = client.get(f"/remisser/{referred.id}/rutin")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Rutiner vid Utbildningskontrakt (UBK)" in text and "Elsa Lindqvist" in text
    response = client.post(f"/remisser/{referred.id}/rutin", data={"csrf_token": token(text),
                                                                   "routine": "utbildningskontrakt"})
    assert response.status_code == 302
    run = db.session.scalars(db.select(RoutineRun)).one()
    page = client.get(f"/remisser/rutiner/{run.id}").get_data(as_text=True)
    assert "Steg 1 utförs av Arbetsförmedlingen" not in page and "Steget utförs av Arbetsförmedlingen" in page
    # AMI tries to tick off AF's step: a message, nothing changes
    response = client.post(f"/remisser/rutiner/{run.id}/steg/1/klar",
                           data={"csrf_token": token(page), "klar-version": str(run.version)})
    assert response.status_code == 400 and "utförs av Arbetsförmedlingen" in response.get_data(as_text=True)
    h.complete(run, "1", af)
    page = client.get(f"/remisser/rutiner/{run.id}").get_data(as_text=True)
    assert "ett mötesdatum för steget" in page
    response = client.post(f"/remisser/rutiner/{run.id}/steg/2/klar",
                           data={"csrf_token": token(page), "klar-version": str(run.version), "klar-note": "Bra möte"})
    assert response.status_code == 400 and "Det saknas: ett mötesdatum" in response.get_data(as_text=True)
    assert "Bra möte" in response.get_data(as_text=True)  # what was typed stays
    response = client.post(f"/remisser/rutiner/{run.id}/steg/2/mote",
                           data={"csrf_token": token(page), "mote-version": str(run.version),
                                 "mote-meeting_on": today().isoformat()})
    assert response.status_code == 302
    response = client.post(f"/remisser/rutiner/{run.id}/steg/2/klar",
                           data={"csrf_token": token(page), "klar-version": str(run.version)})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(RoutineRun, run.id).current == "3.1"


def test_others_see_no_name_and_no_run_of_an_organisation_outside_the_consent(referred, ami, make_user, client,
                                                                               login):
    run = h.started(ami, referred)
    outsider = make_user("ifo", ("handlaggare",))
    login(outsider)
    assert client.get(f"/remisser/rutiner/{run.id}").status_code == 403
    assert client.get("/remisser/rutiner/tavla/utbildningskontrakt/1").status_code in (200, 404)
    page = client.get("/remisser/rutiner/tavla/utbildningskontrakt/1").get_data(as_text=True)
    assert "Elsa" not in page and "Lindqvist" not in page
    assert client.get(f"/remisser/handlingsplan/{referred.person.ref}").status_code == 403


def test_the_board_counts_runs_per_step_and_the_drill_down_gates_each_row(lekeberg, orgs, af, ami, client, login,
                                                                          count_queries):
    def board_statements():
        with count_queries() as counted:
            assert client.get("/remisser/rutiner").status_code == 200
            assert client.get("/remisser/rutiner/tavla/utbildningskontrakt/1").status_code == 200
            assert client.get("/remisser/rutiner/uppfoljningar").status_code == 200
        return counted[0]

    def add(n):
        for i in range(n):
            run = h.started(ami, h.accepted_referral(af, ami, orgs, first=f"Namn{i}"))
            run.follow_up_on = today() - timedelta(days=1)
        db.session.commit()

    add(2)
    login(ami)
    few = board_statements()
    add(8)
    assert board_statements() == few
    page = client.get("/remisser/rutiner").get_data(as_text=True)
    assert "<svg" in page and ">10</a>" in page
    # The chart's accessible name is words, not its id.
    assert '<title id="tavla-utbildningskontrakt">Antal deltagare per steg i Rutiner vid Utbildningskontrakt' in page
    drill = client.get("/remisser/rutiner/tavla/utbildningskontrakt/1").get_data(as_text=True)
    assert "Namn0 Lindqvist" in drill
    follow = client.get("/remisser/rutiner/uppfoljningar").get_data(as_text=True)
    assert follow.count("Försenad") >= 10
    start = client.get("/").get_data(as_text=True)
    assert "10 uppföljningar av rutiner" in start


def test_the_plan_keeps_every_version_compares_two_and_refuses_a_stale_save(referred, ami, make_user, client, login):
    person = referred.person
    login(ami)
    url = f"/remisser/handlingsplan/{person.ref}"
    page = client.get(url).get_data(as_text=True)
    fields = {"csrf_token": token(page), "version": "0", "goal": "Börja studera på komvux.", "place": "AMI, Fjugesta",
              "starts_on": today().isoformat(), "ends_on": (today() + timedelta(days=90)).isoformat(),
              "person_measures": "Söka kurser", "kommun_measures": "Studiebesök", "other_actor": "Arbetsförmedlingen",
              "other_measures": "Praktik", "follow_up_on": (today() + timedelta(days=30)).isoformat(),
              "evaluation_on": (today() + timedelta(days=90)).isoformat(), "follow_up_by": "Ahmed Nilsson",
              "end_reason": ""}
    assert client.post(url, data=fields).status_code == 302
    # the end before the start: refused beside the field, nothing lost
    bad = client.post(url, data={**fields, "version": "1", "ends_on": (today() - timedelta(days=1)).isoformat()})
    assert bad.status_code == 400 and "Slutdatumet kan inte vara före startdatumet" in bad.get_data(as_text=True)
    assert "Börja studera på komvux." in bad.get_data(as_text=True)
    assert client.post(url, data={**fields, "version": "1", "goal": "Börja studera på yrkesvux."}).status_code == 302
    # a colleague opened version 1 and saves after: refused with both texts on the page
    stale = client.post(url, data={**fields, "version": "1", "goal": "Min egen text om målet."})
    text = stale.get_data(as_text=True)
    assert stale.status_code == 409 and "Min egen text om målet." in text and "Börja studera på yrkesvux." in text
    plan = plans.plan_for(person, ami.organisation_id)
    assert [v.number for v in plan.versions] == [1, 2]
    compare = client.get(f"{url}/jamfor?fran=1&till=2").get_data(as_text=True)
    assert "<del>Börja studera på komvux.</del>" in compare and "<ins>Börja studera på yrkesvux.</ins>" in compare
    earlier = client.get(f"{url}/version/1").get_data(as_text=True)
    assert "Börja studera på komvux." in earlier
    response = client.get(f"{url}/version/2/handlingsplan.docx")
    assert response.status_code == 200
    written = "\n".join(p.text for p in Document(io.BytesIO(response.data)).paragraphs)
    for label in plans.FIELDS.values():
        assert str(label) in written
    for value in ("Elsa Lindqvist", "Lekebergs kommun, AMI", "Börja studera på yrkesvux.", "AMI, Fjugesta",
                  "Söka kurser", "Studiebesök", "Arbetsförmedlingen", "Praktik", "Ahmed Nilsson"):
        assert value in written, value
    assert client.get(f"{url}/version/9").status_code == 404


def test_wrong_roles_get_no_routine_pages(referred, ami, make_user, client, login):
    run = h.started(ami, referred)
    login(make_user("ami", ("styrgrupp",)))
    for url in (f"/remisser/rutiner/{run.id}", "/remisser/rutiner", "/remisser/rutiner/uppfoljningar",
                f"/remisser/{referred.id}/rutin", f"/remisser/handlingsplan/{referred.person.ref}"):
        assert client.get(url).status_code == 403, url
    assert runs.routine_of(run).key == "utbildningskontrakt"


def test_the_coordinator_puts_up_places_and_selects_with_a_waiting_list_on_the_pages(lekeberg, orgs, af, ami,
                                                                                      coordinator, client, login, app):
    trainees = [h.started(ami, h.accepted_referral(af, ami, orgs, first=name), "traineejobb")
                for name in ("Alva", "Bo", "Cia")]
    login(coordinator)
    response = client.post("/remisser/rutiner/platser", data={
        "routine": "traineejobb", "title": "Traineejobb 2027", "starts_on": today().isoformat(),
        "ends_on": (today() - timedelta(days=1)).isoformat(), "places": "tre"})
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and "Periodens sista dag kan inte vara före den första" in text
    assert "Ange antalet platser" in text and "Traineejobb 2027" in text
    response = client.post("/remisser/rutiner/platser", data={
        "routine": "traineejobb", "title": "Traineejobb 2027", "starts_on": today().isoformat(),
        "ends_on": (today() + timedelta(days=365)).isoformat(), "places": "1"})
    assert response.status_code == 302
    url = response.headers["Location"]
    for run in trainees:
        assert client.post(f"{url}/foresla", data={"foresla-run": str(run.id)}).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Alva Lindqvist" in page and "Cia Lindqvist" in page
    from referrals.routine_models import Offering
    offering = db.session.scalars(db.select(Offering)).one()
    ids = [str(c.id) for c in offering.candidates]
    too_many = client.post(f"{url}/urval", data={"urval-chosen": ids[:2]})
    assert too_many.status_code == 400 and "1 lediga platser" in too_many.get_data(as_text=True)
    assert client.post(f"{url}/urval", data={"urval-chosen": [ids[1]]}).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Väntelista, plats 1" in page and "Väntelista, plats 2" in page and "Har plats" in page
    other = app.test_client()
    login(ami, client=other)
    assert other.get(url).status_code == 403  # places and selection are the coordinator's


def test_the_run_shows_only_the_pseudonym_once_the_consent_is_withdrawn(referred, ami, af, client, login):
    """AMI holds the run but not the person (AF registered her): her name reaches AMI only through the consent."""
    from portal.people import consent as consents
    from portal.people.models import Consent

    run = h.started(ami, referred)
    runs.record_document(run, by=ami, kind="studieplan", title="Studieplan Elsa L", dated_on=today())
    runs.skip(run, "1", by=ami, reason="Elsa är redan inskriven")
    db.session.commit()
    login(ami)
    page = client.get(f"/remisser/rutiner/{run.id}").get_data(as_text=True)
    assert "Elsa Lindqvist" in page and "Studieplan Elsa L" in page and "Elsa är redan inskriven" in page
    consent = db.session.scalars(db.select(Consent).where(Consent.person_id == run.person_id)).one()
    consents.withdraw_consent(consent, by=af, reason="Vill inte längre.")
    db.session.commit()
    page = client.get(f"/remisser/rutiner/{run.id}").get_data(as_text=True)
    # Nor through what was typed about her: notes, reasons and document names are held back.
    assert "Elsa" not in page and "Lindqvist" not in page and "Deltagare " in page
    assert "Anteckningar, skäl och dokumentens namn visas inte" in page and "Studieplan" in page
    board = client.get("/remisser/rutiner/tavla/utbildningskontrakt/2").get_data(as_text=True)
    assert "Elsa" not in board and "Deltagare " in board
