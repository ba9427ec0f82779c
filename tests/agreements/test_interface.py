"""The named functions other packages call, and bounded query counts on the pages that list things."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import agreements
from agreements import goal_operations as goal_ops
from portal.db import db
from tests.agreements.helpers import url


def test_routines_for_gives_the_adopted_routines_in_order(lekeberg):
    routines = agreements.routines_for(lekeberg)
    assert [r.key for r in routines] == ["utbildningskontrakt", "traineejobb", "syv"]
    ubk = routines[0]
    assert (ubk.appendix_number, ubk.revision_number) == ("1", 1)
    assert [s.number for s in ubk.steps] == [1, 2, 3, 4, 5, 6, 7]
    assert ubk.steps[0].responsible == "Arbetsförmedlingen"
    assert "motivationsmöte" in ubk.steps[2].substeps[1].text
    # the structure as data: sub-steps, who completes, prerequisites, the "tveksam" branch and the follow-up
    assert [s.label for s in ubk.path] == ["1", "2", "3.1", "4", "5", "6", "7"]
    first, doubtful = ubk.step("3.1"), ubk.step("3.2")
    assert first.needs_consent and first.needs_meeting and first.needs_document == "studieplan"
    assert doubtful.back_to == "3.1" and ubk.branches_to("3.1") == (doubtful,)
    assert doubtful.kinds == {"arbetsformedlingen"} and ubk.step("1").kinds == {"arbetsformedlingen"}
    assert ubk.step("7").follow_up_days == 90 and ubk.min_age == 20
    trainee = routines[1]
    assert [s.label for s in trainee.path] == ["1", "2", "3", "4.1", "4.3", "5", "6", "7"]
    assert trainee.step("4.3").is_selection and trainee.step("4.2").back_to == "4.1"
    assert trainee.step("4.3").kinds == {"kommun", "arbetsformedlingen"}
    assert agreements.routines_for(lekeberg, revision_id=lekeberg.revisions[1].id) == []  # a draft has none


def test_a_routine_copied_into_a_new_draft_keeps_its_structure_and_is_edited_there(lekeberg):
    from agreements import draft_operations as drafts
    from agreements import routines

    draft = lekeberg.revisions[1]
    ubk = draft.appendices[0].routines[0]
    assert routines.steps_as_text(ubk) == routines.steps_as_text(lekeberg.revisions[0].appendices[0].routines[0])
    text = routines.steps_as_text(ubk).replace("{uppföljning: 90}", "{uppföljning: 30; samtycke}")
    routines.set_steps(ubk, drafts.parse_steps(text))
    db.session.commit()
    assert (ubk.steps[6].follow_up_days, ubk.steps[6].needs_consent) == (30, True)
    assert lekeberg.revisions[0].appendices[0].routines[0].steps[6].follow_up_days == 90  # the adopted is frozen
    problems = []
    routines.parse_steps("Kommunen | Gör något {trolla}\n  1. Delsteg {tveksam: 5}", "f", problems)
    assert len(problems) == 2 and all(field == "f" for field, _ in problems)


def test_agreements_for_organisation_includes_units(lekeberg, orgs):
    assert agreements.agreements_for_organisation(orgs["ami"]) == [lekeberg]
    assert agreements.agreements_for_organisation(orgs["af"]) == [lekeberg]


def test_goal_figures_are_plain_values(lekeberg):
    figures = agreements.goal_figures(lekeberg, today=date(2017, 1, 1))
    assert figures[1].series == [(date(2016, 1, 31), Decimal("13.5")), (date(2016, 9, 30), Decimal("20.8"))]


def test_pages_query_count_does_not_grow_with_goals(lekeberg, client, login_as, count_queries):
    """Each request starts with an empty identity map, as in production (the tests share one session)."""
    from agreements.models import Agreement

    login_as(org="kommun", roles=("samordnare",))
    agreement_id = lekeberg.id
    pages = [url(lekeberg), url(lekeberg, 2)]

    def measure():
        counts = []
        for page in pages:
            db.session.expunge_all()
            with count_queries() as counter:
                assert client.get(page).status_code == 200
            counts.append(counter[0])
        return counts

    before = measure()
    agreement = db.session.get(Agreement, agreement_id)
    for n in range(5):
        goal = goal_ops.create_goal(agreement, indicator=f"Extra mål {n}", unit="st", target_type="value",
                                    baseline_value=Decimal(5), baseline_date=date(2020, 1, 1),
                                    target_value=Decimal(9), target_date=date(2021, 1, 1), by=None)
        goal_ops.record_measurement(goal, measured_on=date(2020, 6, 1), value=Decimal(6), by=None)
    db.session.commit()
    after = measure()
    assert after == before, (pages, before, after)
