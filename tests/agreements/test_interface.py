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
    assert "motivationsmöte" in ubk.steps[2].text


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
