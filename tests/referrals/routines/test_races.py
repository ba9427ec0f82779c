"""Two coordinators selecting for the same places, or two caseworkers taking the same step, at the same moment:
the second hears how things stand now (409, what was typed or ticked kept), never a 500. The other person's
committed write is played by a plain UPDATE on its own connection, which is what the database holds then."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from portal.clock import today
from portal.db import db
from portal.errors import StaleEdit
from referrals import offerings
from referrals import routines as runs
from referrals.routine_models import Candidate, Offering
from tests.referrals.routines import helpers as h


@pytest.fixture
def offering(lekeberg, orgs, af, ami, coordinator):
    """Two traineejobb places and three candidates standing on the selection sub-step."""
    trainee = h.routine(ami, "traineejobb")
    places = offerings.create(trainee, by=coordinator, title="Traineejobb i äldreomsorgen", starts_on=today(),
                              ends_on=today() + timedelta(days=365), places=2)
    for name in ("Alva", "Bo", "Cia"):
        run = h.started(ami, h.accepted_referral(af, ami, orgs, first=name), "traineejobb")
        offerings.nominate(places, run, by=coordinator)
    db.session.commit()
    return places


def _someone_else_selects(offering_id: int) -> None:
    """The other coordinator's selection, committed after ours read the offering: the row's version moved on."""
    with db.engine.begin() as other:  # its own connection and transaction, committed
        other.execute(text("UPDATE routine_offerings SET version = version + 1 WHERE id = :id"), {"id": offering_id})


def test_a_selection_meeting_another_at_the_same_moment_is_refused_with_the_places_now(offering, coordinator):
    a, b, _c = offering.candidates
    seen = offering.version
    _someone_else_selects(offering.id)
    with pytest.raises(StaleEdit) as caught:  # passes the version check (same version seen), fails at the write
        offerings.choose(offering, chosen=[a.id, b.id], by=coordinator, expected_version=seen)
    message = str(caught.value)
    assert "Någon annan ändrade urvalet" in message and "0 av 2 platser" in message, message
    assert caught.value.current == offering.version == seen + 1
    assert {c.state for c in offering.candidates} == {"candidate"}  # nothing of the refused selection was kept
    # Saving once more on the version the refusal carries goes through.
    offerings.choose(offering, chosen=[a.id], by=coordinator, expected_version=caught.value.current)
    db.session.commit()
    assert [c.state for c in offering.candidates] == ["selected", "waiting", "waiting"]


def test_a_selection_made_on_an_older_page_names_how_the_places_stand(offering, coordinator):
    a, b, c = offering.candidates
    seen = offering.version
    offerings.choose(offering, chosen=[a.id], by=coordinator, expected_version=seen)
    db.session.commit()
    with pytest.raises(StaleEdit, match="1 av 2 platser en deltagare och 2 står på väntelistan"):
        offerings.choose(offering, chosen=[b.id, c.id], by=coordinator, expected_version=seen)


def test_the_same_run_put_forward_twice_at_once_is_stale_not_a_500(offering, lekeberg, orgs, af, ami, coordinator):
    run = h.started(ami, h.accepted_referral(af, ami, orgs, first="Dan"), "traineejobb")
    db.session.commit()
    _someone_else_selects(offering.id)
    with pytest.raises(StaleEdit):
        offerings.nominate(offering, run, by=coordinator)
    assert db.session.scalars(select(Candidate).where(Candidate.run_id == run.id)).all() == []


def test_the_page_answers_409_and_keeps_what_was_ticked(offering, coordinator, client, login, monkeypatch):
    login(coordinator)
    url = f"/remisser/rutiner/platser/{offering.id}"
    ids = [str(c.id) for c in offering.candidates]
    seen = str(offering.version)
    bump = offerings._bump  # noqa: SLF001 - the other coordinator commits between our check and our write

    def racing(*args, **kwargs):
        _someone_else_selects(offering.id)
        return bump(*args, **kwargs)

    monkeypatch.setattr(offerings, "_bump", racing)
    response = client.post(f"{url}/urval", data={"urval-version": seen, "urval-chosen": [ids[0], ids[2]]})
    page = response.get_data(as_text=True)
    assert response.status_code == 409, page[:2000]
    assert "Någon annan ändrade urvalet till platserna samtidigt" in page
    checked = set(re.findall(r'<input checked id="urval-chosen-\d+" name="urval-chosen" type="checkbox" '
                             r'value="(\d+)"', page))
    assert checked == {ids[0], ids[2]}, page
    # The form now carries the version saved meanwhile: sending it again knowingly makes this selection.
    assert f'name="urval-version" type="hidden" value="{int(seen) + 1}"' in page
    db.session.expire_all()
    assert {c.state for c in db.session.get(Offering, offering.id).candidates} == {"candidate"}


def _someone_else_takes_the_step(run_id: int) -> None:
    """The other caseworker's completion of step 1, committed after ours read the run."""
    with db.engine.begin() as other:
        other.execute(text("UPDATE routine_runs SET version = version + 1, \"current\" = '2' WHERE id = :id"),
                      {"id": run_id})
        other.execute(text("UPDATE routine_run_steps SET state = 'done' WHERE run_id = :id AND label = '1'"),
                      {"id": run_id})


def test_two_caseworkers_completing_the_same_step_at_once_the_second_hears_where_the_run_stands(referred, ami,
                                                                                                  af):
    run = h.started(ami, referred)
    seen = run.version
    _someone_else_takes_the_step(run.id)
    with pytest.raises(StaleEdit, match="Någon annan ändrade rutinen samtidigt. Den står nu på steg 2."):
        runs.complete(run, "1", by=af, note="Inskriven", expected_version=seen)
    assert run.current == "2" and run.version == seen + 1


def test_the_run_page_answers_409_and_keeps_the_note(referred, ami, af, client, login, monkeypatch):
    run = h.started(ami, referred)
    login(af)
    seen = str(run.version)
    advance = runs._advance  # noqa: SLF001 - the other caseworker commits between our check and our write

    def racing(the_run, routine):
        _someone_else_takes_the_step(the_run.id)
        return advance(the_run, routine)

    monkeypatch.setattr(runs, "_advance", racing)
    response = client.post(f"/remisser/rutiner/{run.id}/steg/1/klar",
                           data={"klar-version": seen, "klar-note": "Inskriven hos AF i dag"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409, page[:3000]
    assert "Någon annan ändrade rutinen samtidigt. Den står nu på steg 2." in page
    assert "Inskriven hos AF i dag" in page


def test_a_plan_saved_by_a_colleague_between_our_check_and_our_write_keeps_our_text(referred, ami, make_user,
                                                                                    client, login, monkeypatch):
    from referrals import plans

    colleague = make_user("ami", ("handlaggare",), name="Lena Berg")
    person = referred.person
    plans.save(person, by=ami, expected_version=0, goal="Börja studera på komvux.")
    db.session.commit()
    login(ami)
    url = f"/remisser/handlingsplan/{person.ref}"
    cleaned = plans._cleaned  # noqa: SLF001 - the colleague's save commits after our version check

    def racing(values):
        with db.engine.begin() as other:
            plan_id = other.execute(text("SELECT id FROM action_plans")).scalar_one()
            other.execute(text("INSERT INTO action_plan_versions (plan_id, number, goal, place, person_measures, "
                               "kommun_measures, other_actor, other_measures, follow_up_by, end_reason, "
                               "saved_by_id, saved_dt) VALUES (:p, 2, 'Kollegans mål', '', '', '', '', '', '', "
                               "'', :u, CURRENT_TIMESTAMP)"), {"p": plan_id, "u": colleague.id})
        return cleaned(values)

    monkeypatch.setattr(plans, "_cleaned", racing)
    response = client.post(url, data={"version": "1", "goal": "Min egen text om målet."})
    page = response.get_data(as_text=True)
    assert response.status_code == 409, page[:3000]
    assert "Min egen text om målet." in page
    assert "Lena Berg sparade en ny version av planen medan du skrev" in page and "Kollegans mål" in page


def test_a_selection_of_nobody_while_places_are_free_is_refused(offering, coordinator):
    with pytest.raises(offerings.OfferingError, match="Välj minst en deltagare som får en plats"):
        offerings.choose(offering, chosen=["99999999999999999999", "x"], by=coordinator)
    db.session.rollback()
    assert {c.state for c in offering.candidates} == {"candidate"}


def test_a_place_given_back_twice_says_why_on_the_page(offering, coordinator, client, login):
    a = offering.candidates[0]
    offerings.choose(offering, chosen=[a.id], by=coordinator)
    db.session.commit()
    login(coordinator)
    url = f"/remisser/rutiner/platser/{offering.id}/kandidat/{a.id}/lamna"
    assert client.post(url).status_code == 302
    again = client.post(url)  # a second tab, or a double click
    assert again.status_code == 400
    assert "Deltagaren har ingen plats att lämna." in again.get_data(as_text=True)
