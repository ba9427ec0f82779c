"""Routine pages on the referrals blueprint: start a run (from an accepted referral or a person), the run with its
steps, the board per routine with its drill-down, "mina uppföljningar", and offerings with their selection."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.db import db
from portal.forms import attachment, submit
from portal.people.gate import gate
from portal.people.views import load_person
from portal.permissions import check, requires
from referrals import board, routine_rules
from referrals import routines as runs
from referrals.models import Referral
from referrals.routine_forms import (
    DocumentForm,
    FollowUpForm,
    MeetingForm,
    ReasonForm,
    StartForm,
    StepForm,
    StopForm,
)
from referrals.routine_models import RoutineRun, RunDocument
from referrals.views import bp

PURPOSE = runs.PURPOSE


def load_run(run_id: int, *, work: bool = False) -> RoutineRun:
    run = db.session.get(RoutineRun, run_id)
    if run is None:
        abort(404)
    check(routine_rules.can_see_run(current_user, run), "routine.run.read", obj=run, person_id=run.person_id)
    return run


# --- starting a run ----------------------------------------------------------------------------------------------


def _start_page(person, choices, form, referral=None, status=200):
    form.routine.choices = [(r.key, r.title) for r in choices]
    view = gate(current_user, person, PURPOSE)
    return render_template("referrals/routines/start.html", form=form, view=view, routines=choices,
                           referral=referral), status


def _start(person, choices, referral=None):
    form = StartForm()
    form.routine.choices = [(r.key, r.title) for r in choices]
    by_key = {r.key: r for r in choices}
    outcome = submit(form, lambda: runs.start(person, by_key[form.routine.data], by=current_user,
                                              referral=referral) if form.routine.data in by_key else None)
    if outcome.done and outcome.result is not None:
        flash(_("Rutinen är startad."), "success")
        return redirect(url_for("referrals.run", run_id=outcome.result.id))
    return _start_page(person, choices, form, referral, outcome.status if form.is_submitted() else 200)


@bp.route("/<int:referral_id>/rutin", methods=["GET", "POST"])
@requires("routine.run")
def start_from_referral(referral_id: int):
    """"Starta rutin" on an accepted referral: the receiver's caseworker picks a routine in force."""
    referral = db.session.get(Referral, referral_id)
    if referral is None:
        abort(404)
    choices = runs.startable_for(referral, current_user)
    check(bool(choices) or (referral.state == "accepted" and current_user.organisation_id == referral.to_org_id),
          "routine.start", obj=referral, person_id=referral.person_id)
    return _start(referral.person, choices, referral)


@bp.route("/deltagare/<ref>/rutin", methods=["GET", "POST"])
@requires("routine.run")
def start_for_person(ref: str):
    person = load_person(ref)
    from portal.clock import today

    choices = [r for r in runs.routines_of(current_user.organisation) if not r.has_expired(today())]
    return _start(person, choices)


# --- the run -----------------------------------------------------------------------------------------------------


def _run_page(run: RoutineRun, status: int = 200, **forms):
    routine = runs.routine_of(run)
    # Identity only: the same view the run's rule asked for, so the page asks the gate once.
    view = gate(current_user, run.person_id, PURPOSE, records=False)
    current = routine.step(run.current) if run.current and run.state == "active" else None
    return render_template(
        "referrals/routines/run.html", run=run, routine=routine, view=view, current=current,
        missing=runs.missing(run, current) if current else [], may_complete=current is not None and
        runs.may_complete(current_user, current), branches=routine.branches_to(run.current) if current else (),
        may_work=routine_rules.can_work_on(current_user, run),
        may_follow_up=routine_rules.can_follow_up(current_user, run),
        may_stop=routine_rules.can_stop(current_user, run),
        may_open=routine_rules.can_open_document(current_user, run),
        labels=runs.STEP_STATE_LABELS, documents=runs.DOCUMENT_LABELS, party_words=runs.party_words,
        step_form=forms.get("step_form") or StepForm(version=run.version, prefix="klar"),
        skip_form=forms.get("skip_form") or ReasonForm(version=run.version, prefix="hoppa"),
        doubt_form=forms.get("doubt_form") or ReasonForm(version=run.version, prefix="tveksam"),
        meeting_form=forms.get("meeting_form") or MeetingForm(version=run.version, prefix="mote"),
        document_form=forms.get("document_form") or DocumentForm(prefix="dok"),
        follow_up_form=forms.get("follow_up_form") or FollowUpForm(prefix="uppf")), status


@bp.route("/rutiner/<int:run_id>")
@requires("routine.run")
def run(run_id: int):
    return _run_page(load_run(run_id))


def _act(run_id: int, form_name: str, form, operation, message: str, label: str | None = None):
    run = load_run(run_id)
    if label is not None and runs.routine_of(run).step(label) is None:
        abort(404)  # no such step in the run's routine: as an unknown id would be
    outcome = submit(form, lambda: operation(run))
    if outcome.done:
        flash(message, "success")
        return redirect(url_for("referrals.run", run_id=run.id) + "#steg")
    db.session.rollback()
    return _run_page(db.session.get(RoutineRun, run_id), outcome.status, **{form_name: form})


@bp.route("/rutiner/<int:run_id>/steg/<label>/klar", methods=["POST"])
@requires("routine.run")
def complete_step(run_id: int, label: str):
    form = StepForm(prefix="klar")
    return _act(run_id, "step_form", form, lambda run: runs.complete(
        run, label, by=current_user, note=form.note.data or "", expected_version=form.version.data),
        _("Steget är markerat som klart."), label)


@bp.route("/rutiner/<int:run_id>/steg/<label>/hoppa", methods=["POST"])
@requires("routine.run")
def skip_step(run_id: int, label: str):
    form = ReasonForm(prefix="hoppa")
    return _act(run_id, "skip_form", form, lambda run: runs.skip(
        run, label, by=current_user, reason=form.reason.data or "", expected_version=form.version.data),
        _("Steget är överhoppat."), label)


@bp.route("/rutiner/<int:run_id>/steg/<label>/tveksam", methods=["POST"])
@requires("routine.run")
def doubtful_step(run_id: int, label: str):
    form = ReasonForm(prefix="tveksam")
    return _act(run_id, "doubt_form", form, lambda run: runs.doubtful(
        run, label, by=current_user, reason=form.reason.data or "", expected_version=form.version.data),
        _("Skälet är antecknat och rutinen är tillbaka på steget."), label)


@bp.route("/rutiner/<int:run_id>/steg/<label>/mote", methods=["POST"])
@requires("routine.run")
def meeting(run_id: int, label: str):
    form = MeetingForm(prefix="mote")
    return _act(run_id, "meeting_form", form, lambda run: runs.record_meeting(
        run, label, by=current_user, on=form.meeting_on.data, expected_version=form.version.data),
        _("Mötesdatumet är sparat."), label)


@bp.route("/rutiner/<int:run_id>/dokument", methods=["POST"])
@requires("routine.run")
def add_document(run_id: int):
    form = DocumentForm(prefix="dok")
    upload = request.files.get("dok-file")
    return _act(run_id, "document_form", form, lambda run: runs.record_document(
        run, by=current_user, kind=form.kind.data, title=form.title.data or "", dated_on=form.dated_on.data,
        filename=upload.filename if upload else "", data=upload.read() if upload and upload.filename else None),
        _("Dokumentet är registrerat på rutinen."))


@bp.route("/rutiner/<int:run_id>/dokument/<int:document_id>")
@requires("routine.run")
def document_file(run_id: int, document_id: int):
    run = load_run(run_id)
    document = db.session.get(RunDocument, document_id)
    if document is None or document.run_id != run.id or document.size is None:
        abort(404)
    check(routine_rules.can_open_document(current_user, run), "routine.document.read", obj=run,
          person_id=run.person_id)
    runs.open_document(document, by=current_user)
    return Response(document.data, mimetype=document.content_type,
                    headers={"Content-Disposition": attachment(document.filename),
                             "X-Content-Type-Options": "nosniff"})


@bp.route("/rutiner/<int:run_id>/avbryt", methods=["GET", "POST"])
@requires("routine.run")
def stop_run(run_id: int):
    """Stop a run: a page of its own that says what happens, with the reason and a warning button."""
    run = load_run(run_id)
    if run.state != "active":  # stopped or finished meanwhile (a double click, a colleague): say so, not 403
        flash(_("Rutinen är redan avbruten.") if run.state == "stopped" else _("Rutinen är redan avslutad."),
              "info")
        return redirect(url_for("referrals.run", run_id=run.id))
    check(routine_rules.can_stop(current_user, run), "routine.stop", obj=run, person_id=run.person_id)
    form = StopForm(prefix="avbryt")
    if not form.is_submitted():
        form.version.data = str(run.version)
    outcome = submit(form, lambda: runs.stop(run, by=current_user, reason=form.reason.data or "",
                                             expected_version=form.version.data))
    if outcome.done:
        flash(_("Rutinen är avbruten."), "success")
        return redirect(url_for("referrals.run", run_id=run.id))
    if form.is_submitted():
        db.session.rollback()
        run = db.session.get(RoutineRun, run_id)
    return render_template("referrals/routines/stop.html", run=run, routine=runs.routine_of(run), form=form,
                           view=gate(current_user, run.person_id, PURPOSE, records=False)), outcome.status


@bp.route("/rutiner/<int:run_id>/uppfoljning", methods=["POST"])
@requires("routine.run")
def follow_up(run_id: int):
    form = FollowUpForm(prefix="uppf")
    return _act(run_id, "follow_up_form", form, lambda run: runs.record_follow_up(
        run, by=current_user, note=form.note.data or "", next_on=form.next_on.data),
        _("Uppföljningen är antecknad."))


# --- the board and "mina uppföljningar" --------------------------------------------------------------------------


@bp.route("/rutiner")
@requires("routine.run")
def routine_board():
    routines = runs.one_per_key(runs.routines_of(current_user.organisation))
    boards = []
    for routine in routines:
        bars, done, done_late, stopped = board.counts(current_user, routine)
        boards.append((routine, bars, done, done_late, stopped, board.chart_svg(
            bars, f"tavla-{routine.key}", _("Antal deltagare per steg i %(title)s", title=routine.title))))
    return render_template("referrals/routines/board.html", boards=boards)


@bp.route("/rutiner/tavla/<key>/<label>")
@requires("routine.run")
def board_step(key: str, label: str):
    routine = next((r for r in runs.one_per_key(runs.routines_of(current_user.organisation)) if r.key == key), None)
    step = routine.step(label) if routine is not None else None
    if step is None and not (routine is not None and label in ("klar", board.STOPPED)):
        abort(404)
    rows = board.at_step(current_user, key, "" if label == "klar" else label)
    return render_template("referrals/routines/at_step.html", routine=routine, step=step, rows=rows,
                           stopped=label == board.STOPPED)


@bp.route("/rutiner/uppfoljningar")
@requires("routine.run")
def my_follow_ups():
    from portal.clock import today

    titles = {r.key: r.title for r in runs.one_per_key(runs.routines_of(current_user.organisation))}
    return render_template("referrals/routines/follow_ups.html", rows=board.my_follow_ups(current_user),
                           today=today(), titles=titles)
