"""Pages for the agreement's goals: a goal with its figures and chart, new and changed goals, measured values."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from agreements import goal_operations, goals, rules
from agreements.forms import CsvForm, GoalForm, MeasurementForm, MilestoneForm
from agreements.models import Goal
from agreements.views import bp, load_agreement, load_goal
from portal.errors import RuleError
from portal.forms import attach_error, show_errors
from portal.permissions import requires


def _goal_values(form: GoalForm) -> dict:
    def number(field):
        return goals.parse_decimal(field.data) if field.data and field.data.strip() else None

    return dict(indicator=form.indicator.data, unit=form.unit.data, target_type=form.target_type.data,
                baseline_value=number(form.baseline_value), baseline_date=form.baseline_date.data,
                target_value=number(form.target_value), target_direction=form.target_direction.data,
                target_date=form.target_date.data, description=form.description.data)


def _back_to_goal(goal: Goal):
    return redirect(url_for(".goal", agreement_id=goal.agreement_id, goal_id=goal.id))


def _render_goal_form(agreement, form: GoalForm, goal: Goal | None, status: int = 200):
    return render_template("agreements/goal_form.html", agreement=agreement, form=form, goal=goal), status


@bp.route("/<int:agreement_id>/mal/nytt", methods=["GET", "POST"])
@requires("agreement.revise")
def create_goal(agreement_id: int):
    agreement = load_agreement(agreement_id, need="revise")
    form = GoalForm()
    if request.method == "GET":
        return _render_goal_form(agreement, form, None)
    if not form.validate_on_submit():
        return _render_goal_form(agreement, form, None, 400)
    try:
        goal = goal_operations.create_goal(agreement, **_goal_values(form), by=current_user)
    except RuleError as exc:
        return _render_goal_form(agreement, form, None, show_errors(form, exc))
    flash(_("Målet är tillagt."), "success")
    return _back_to_goal(goal)


@bp.route("/<int:agreement_id>/mal/<int:goal_id>/andra", methods=["GET", "POST"])
@requires("agreement.revise")
def edit_goal(agreement_id: int, goal_id: int):
    goal = load_goal(agreement_id, goal_id, need="revise")
    if request.method == "GET":
        form = GoalForm(obj=goal)
        for name in ("baseline_value", "target_value"):
            value = getattr(goal, name)
            # a stored figure nobody can use (goals.usable) leaves the field empty, to be typed again
            getattr(form, name).data = goals.fmt_number(value, goal.decimals) if goals.usable(value) is not None else ""
        return _render_goal_form(goal.agreement, form, goal)
    form = GoalForm()
    if not form.validate_on_submit():
        return _render_goal_form(goal.agreement, form, goal, 400)
    try:
        goal_operations.update_goal(goal, **_goal_values(form), by=current_user)
    except RuleError as exc:
        return _render_goal_form(goal.agreement, form, goal, show_errors(form, exc))
    flash(_("Målet är ändrat. Antagna revisioner behåller sin formulering."), "success")
    return _back_to_goal(goal)


def _render_goal(goal: Goal, status: int = 200, **forms):
    """The goal page; a refused form comes back here with its errors beside the field."""
    agreement = goal.agreement
    return render_template(
        "agreements/goal.html", agreement=agreement, goal=goal, fig=goals.figures(goal),
        chart=goals.chart_svg(goal, f"malgraf-{goal.id}"), may_revise=rules.can_revise(current_user, agreement),
        measurement_form=forms.get("measurement_form") or MeasurementForm(prefix="m"),
        csv_form=forms.get("csv_form") or CsvForm(prefix="csv"),
        milestone_form=forms.get("milestone_form") or MilestoneForm(prefix="d"),
        fmt_value=goals.fmt_value, fmt_date=goals.fmt_date, status_css=goals.STATUS_CSS), status


@bp.route("/<int:agreement_id>/mal/<int:goal_id>")
@requires("agreement.read")
def goal(agreement_id: int, goal_id: int):
    return _render_goal(load_goal(agreement_id, goal_id))


@bp.route("/<int:agreement_id>/mal/<int:goal_id>/matvarden", methods=["POST"])
@requires("agreement.revise")
def add_measurement(agreement_id: int, goal_id: int):
    goal = load_goal(agreement_id, goal_id, need="revise")
    form = MeasurementForm(prefix="m")
    if not form.validate_on_submit():
        return _render_goal(goal, 400, measurement_form=form)
    try:
        goal_operations.record_measurement(goal, measured_on=form.measured_on.data,
                                           value=goals.parse_decimal(form.value.data), by=current_user)
    except RuleError as exc:
        return _render_goal(goal, show_errors(form, exc), measurement_form=form)
    flash(_("Mätvärdet är sparat."), "success")
    return _back_to_goal(goal)


@bp.route("/<int:agreement_id>/mal/<int:goal_id>/csv", methods=["POST"])
@requires("agreement.revise")
def import_csv(agreement_id: int, goal_id: int):
    goal = load_goal(agreement_id, goal_id, need="revise")
    form = CsvForm(prefix="csv")
    upload = form.file.data
    try:
        count = goal_operations.import_measurements(goal, upload.read() if upload else None, by=current_user)
    except RuleError as exc:
        attach_error(form, "file", str(exc))  # whatever the reason, it concerns the uploaded file
        return _render_goal(goal, 400, csv_form=form)
    flash(_("%(n)s mätvärden är inlästa.", n=count), "success")
    return _back_to_goal(goal)


@bp.route("/<int:agreement_id>/mal/<int:goal_id>/avbockning", methods=["POST"])
@requires("agreement.revise")
def check_off(agreement_id: int, goal_id: int):
    goal = load_goal(agreement_id, goal_id, need="revise")
    form = MilestoneForm(prefix="d")
    if not form.validate_on_submit():
        return _render_goal(goal, 400, milestone_form=form)
    try:
        goal_operations.check_off_milestone(goal, achieved_on=form.achieved_on.data, note=form.note.data,
                                            by=current_user)
    except RuleError as exc:
        return _render_goal(goal, show_errors(form, exc), milestone_form=form)
    flash(_("Delmålet är avbockat."), "success")
    return _back_to_goal(goal)
