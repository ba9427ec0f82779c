"""Goals: on-track rules per target type, measured values (form and CSV), bad input, the accessible chart."""
from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest

from agreements import adoption, goal_figures, goals
from agreements import goal_operations as goal_ops
from agreements import operations as ops
from agreements.models import Goal
from portal.db import db
from tests.agreements.helpers import url


def _goal(agreement, **kw):
    values = dict(indicator="Arbetslöshet bland unga 18–24 år", unit="%", target_type="value",
                  baseline_value=Decimal("10"), baseline_date=date(2020, 1, 1), target_value=Decimal("8"),
                  target_date=date(2021, 1, 1))
    values.update(kw)
    return goal_ops.create_goal(agreement, **values, by=None)


def test_value_target_on_track_follows_the_straight_line(lekeberg):
    goal = _goal(lekeberg)
    today = date(2020, 7, 1)
    assert goals.status(goal, today) == "no_data"
    goal_ops.record_measurement(goal, measured_on=date(2020, 7, 1), value=Decimal("8.9"), by=None)
    assert goals.status(goal, today) == "on_track"      # expected ≈ 9.0 by July, 8.9 is better
    goal_ops.record_measurement(goal, measured_on=date(2020, 7, 1), value=Decimal("9.8"), by=None)
    assert goals.status(goal, today) == "off_track"
    goal_ops.record_measurement(goal, measured_on=date(2020, 9, 1), value=Decimal("7.9"), by=None)
    assert goals.status(goal, today) == "achieved"
    assert len(goal.measurements) == 2  # the July value was replaced, not duplicated


def test_value_target_missed_after_the_date(lekeberg):
    goal = _goal(lekeberg)
    goal_ops.record_measurement(goal, measured_on=date(2020, 12, 1), value=Decimal("9.5"), by=None)
    assert goals.status(goal, date(2021, 2, 1)) == "missed"


def test_direction_target(lekeberg):
    goal = _goal(lekeberg, target_type="direction", target_value=None, target_direction="decrease")
    goal_ops.record_measurement(goal, measured_on=date(2020, 6, 1), value=Decimal("10.5"), by=None)
    assert goals.status(goal, date(2020, 6, 2)) == "off_track"
    goal_ops.record_measurement(goal, measured_on=date(2020, 9, 1), value=Decimal("9.5"), by=None)
    assert goals.status(goal, date(2020, 9, 2)) == "on_track"
    assert goals.status(goal, date(2021, 2, 1)) == "achieved"


def test_milestone_is_checked_off_with_a_date(lekeberg):
    goal = goal_ops.create_goal(lekeberg, indicator="Arbetsgrupp bildad", unit=None, target_type="milestone",
                                target_date=date(2020, 6, 30), by=None)
    assert goals.status(goal, date(2020, 1, 1)) == "open"
    assert goals.status(goal, date(2020, 7, 1)) == "late"
    goal_ops.check_off_milestone(goal, achieved_on=date(2020, 6, 1), by=None)
    assert goals.status(goal, date(2020, 7, 1)) == "achieved"
    with pytest.raises(ops.AgreementError, match="Ett delmål har inga mätvärden"):
        goal_ops.record_measurement(goal, measured_on=date(2020, 1, 1), value=Decimal(1), by=None)


def test_demo_goal_figures(lekeberg):
    figures = {f.indicator: f for f in goal_figures(lekeberg, today=date(2017, 1, 1))}
    youth = figures["Arbetslöshet bland ungdomar i Lekebergs kommun"]
    assert youth.baseline == "10,0 %" and "ska ha minskat" in youth.target and "september 2017" in youth.target
    assert figures["Arbetslöshet bland utrikes födda i Lekebergs kommun"].baseline == "20,8 %"
    assert figures["Total arbetslöshet i Lekebergs kommun"].baseline == "4,0 %"
    milestones = [f for f in figures.values() if f.target_type == "milestone"]
    assert len(milestones) == 7 and sum(f.status == "achieved" for f in milestones) == 1


@pytest.mark.parametrize("content", [
    b"datum;v\xc3\xa4rde\n2017-03-31;9,2\n2017-06-30;8,75\n",
    b"datum,varde\n2017-03-31,\"9,2\"\n2017-06-30,8.75\n",
    b"Datum,V\xc3\xa4rde\n2017-03-31,9,2\n2017-06-30,8.75\n",
    b"datum;v\xe4rde\n2017-03-31;9,2\n2017-06-30;8,75\n",  # Excel's cp1252
])
def test_csv_separators_and_decimal_comma(content):
    assert goals.parse_measurements_csv(content) == [(date(2017, 3, 31), Decimal("9.2")),
                                                     (date(2017, 6, 30), Decimal("8.75"))]


@pytest.mark.parametrize("content, message", [
    (b"when;value\n2017-01-01;3\n", "rubrikerna"),
    (b"datum;v\xc3\xa4rde\n31/3 2017;3\n", "inte ett datum"),
    (b"datum;v\xc3\xa4rde\n2017-03-31;tre\n", "inte ett tal"),
    (b"", "tom"),
    (b"datum;v\xc3\xa4rde\n", "inga mätvärden"),
])
def test_csv_errors_are_swedish(content, message):
    with pytest.raises(goals.CsvError, match=message):
        goals.parse_measurements_csv(content)


def _youth(agreement) -> Goal:
    return agreement.goals[0]


def test_measurement_form_keeps_what_was_typed(lekeberg, client, login_as):
    login_as(org="kommun", roles=("samordnare",))
    goal = _youth(lekeberg)
    target = url(lekeberg, None, f"/mal/{goal.id}/matvarden")
    response = client.post(target, data={"m-measured_on": "2017-03-31", "m-value": "nio komma två"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "inte ett tal" in html and 'value="nio komma två"' in html
    response = client.post(target, data={"m-measured_on": "2017-03-31", "m-value": "9,2"})
    assert response.status_code == 302
    db.session.expire_all()
    assert goal.measurements[-1].value == Decimal("9.2")


def test_csv_upload_through_the_page(lekeberg, client, login_as):
    login_as(org="kommun", roles=("samordnare",))
    goal = _youth(lekeberg)
    target = url(lekeberg, None, f"/mal/{goal.id}/csv")
    bad = client.post(target, data={"csv-file": (io.BytesIO(b"x;y\n1;2\n"), "v.csv")})
    assert bad.status_code == 400 and "rubrikerna" in bad.get_data(as_text=True)
    ok = client.post(target, data={"csv-file": (io.BytesIO("datum;värde\n2017-09-30;8,1\n".encode()), "v.csv")})
    assert ok.status_code == 302
    page = client.get(url(lekeberg, None, f"/mal/{goal.id}")).get_data(as_text=True)
    assert "8,1 %" in page and "CSV-import" in page


def test_goal_without_unit_is_refused(lekeberg, client, login_as):
    login_as(org="kommun", roles=("samordnare",))
    response = client.post(url(lekeberg, None, "/mal/nytt"), data={
        "indicator": "Andel i studier", "target_type": "value", "unit": "", "baseline_value": "50",
        "baseline_date": "2020-01-01", "target_value": "60", "target_date": "2021-01-01"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Ange en enhet" in html and 'value="Andel i studier"' in html


def test_goal_page_chart_is_accessible_and_matches_table(lekeberg, client, login_as):
    login_as(org="af", roles=("handlaggare",))
    goal = lekeberg.goals[1]
    html = client.get(url(lekeberg, None, f"/mal/{goal.id}")).get_data(as_text=True)
    assert 'role="img"' in html and "<title" in html and "<desc" in html
    assert "20,8 %" in html and "13,5 %" in html
    assert "Lägg in mätvärde" not in html  # a caseworker reads, does not enter


def test_edit_goal_keeps_adopted_wording(lekeberg, client, login_as):
    login_as(org="kommun", roles=("samordnare",))
    goal = lekeberg.goals[0]
    form = client.get(url(lekeberg, None, f"/mal/{goal.id}/andra")).get_data(as_text=True)
    assert 'value="10,0"' in form
    response = client.post(url(lekeberg, None, f"/mal/{goal.id}/andra"), data={
        "indicator": "Arbetslöshet bland unga 18–24 år", "target_type": "value", "unit": "%",
        "baseline_value": "10,0", "baseline_date": "2016-09-30", "target_value": "8,5", "target_date": "2018-09-30"})
    assert response.status_code == 302
    db.session.expire_all()
    assert goal.indicator == "Arbetslöshet bland unga 18–24 år" and goal.target_value == Decimal("8.5")
    adopted = client.get(url(lekeberg, 1)).get_data(as_text=True)
    assert "Arbetslöshet bland ungdomar i Lekebergs kommun" in adopted
    assert "ska ha minskat till september 2017" in adopted
    assert "8,5 %" in client.get(url(lekeberg, 2)).get_data(as_text=True)


def test_goal_added_after_adoption_joins_the_next_revision(lekeberg):
    first, draft = lekeberg.revisions
    ops.propose(draft, by=None)
    adoption.adopt(draft, adopted_on=date(2018, 1, 10), by=None)
    goal = _goal(lekeberg, indicator="Nytt mål efter antagandet")
    assert goal.id not in {link.goal_id for link in draft.goal_links}
    third = ops.new_revision(lekeberg, by=None)
    assert goal.id in {link.goal_id for link in third.goal_links}


@pytest.mark.parametrize("low, high, ticks", [
    (0, 20.8, [0, 5, 10, 15, 20, 25]), (0, 4.5, [0, 1, 2, 3, 4, 5]), (3.2, 3.9, [3.2, 3.4, 3.6, 3.8, 4.0]),
    (0, 137, [0, 50, 100, 150]), (-2, 7.5, [-2, 0, 2, 4, 6, 8])])
def test_the_chart_axis_has_round_values(low, high, ticks):
    from agreements.goals import round_ticks

    assert round_ticks(low, high)[0] == ticks


def test_the_chart_labels_its_axis_with_the_unit_at_round_values(lekeberg):
    from agreements.goals import chart_svg

    foreign_born = next(g for g in lekeberg.goals if "utrikes" in g.indicator)  # 13,5 % and 20,8 %
    svg = chart_svg(foreign_born)
    assert all(f">{value} %</text>" in svg for value in ("0", "5", "10", "15", "20", "25"))
    assert "5,2" not in svg and "10,4" not in svg
