"""A referral's page and the steps taken on it: accept, decline, close, withdraw, send, discard, assign, comment,
continue with a new consent, name a consultation, add files. Each form carries the version it was shown at; a
stale post answers 409 with the state now and what was typed kept."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.errors import RuleError
from portal.forms import submit
from portal.people.gate import gate
from portal.permissions import check, requires
from referrals import attachments, basis, basis_changes, choices, inbox, rules, workflow
from referrals import operations as ops
from referrals.forms import AssignForm, AttachForm, CloseForm, CommentForm, DeclineForm, NameForm, VersionForm
from referrals.models import Referral
from referrals.views import bp, load_referral, words

#: The plain steps (a version and a button): action → operation.
PLAIN = {"accept": ops.accept, "withdraw": ops.withdraw, "submit": ops.submit, "discard": ops.discard}
CONFIRMATIONS = {
    "accept": lambda: _("Remissen är accepterad."), "withdraw": lambda: _("Remissen är tagen tillbaka."),
    "submit": lambda: _("Remissen är skickad."), "discard": lambda: _("Utkastet är borttaget."),
}


def _forms(referral: Referral, posted: dict) -> dict:
    """The forms the user may use now, each carrying the referral's version (a posted one as it was posted)."""
    version = str(referral.version)
    found = {}

    def add(name: str, allowed: bool, make):
        if name in posted:
            found[name] = posted[name]
        elif allowed:
            form = make(formdata=None, prefix=name)
            if hasattr(form, "version"):
                form.version.data = version
            found[name] = form

    for action in PLAIN:
        add(action, rules.can_take(current_user, referral, action), VersionForm)
    add("decline", rules.can_take(current_user, referral, "decline"), DeclineForm)
    add("close", rules.can_take(current_user, referral, "close"), CloseForm)
    add("assign", rules.can_assign(current_user, referral), AssignForm)
    add("comment", rules.can_comment(current_user, referral), CommentForm)
    add("continue", rules.can_continue(current_user, referral) and not basis.consent_holds(referral),
        VersionForm)
    add("name", rules.can_name(current_user, referral), NameForm)
    add("attach", attachments.can_attach(current_user, referral), AttachForm)
    if "assign" in found:
        found["assign"].assignee_id.choices = [("", _("Ingen"))] + [
            (str(u.id), u.name) for u in choices.handlers(referral.to_org_id)]
        if "assign" not in posted:
            found["assign"].assignee_id.data = str(referral.assignee_id or "")
    return found


@bp.route("/<int:referral_id>")
@requires("referral.view")
def show(referral_id: int):
    referral = load_referral(referral_id)
    ops.receive_on_open(referral, by=current_user)
    return render_referral(referral)


def render_referral(referral: Referral, posted: dict | None = None, status: int = 200):
    person = gate(current_user, referral.person_id, basis.PURPOSE) if referral.person_id is not None else None
    from referrals.routines import startable_for

    open_part = basis.sender_part_open(current_user, referral)
    # The thread both ways as the files: one's own organisation's comments always, the other side's while the basis
    # holds (after a withdrawal nothing more passes between them, whichever side wrote it).
    shared = basis.basis_holds(referral)
    comments = [c for c in referral.comments if shared or c.organisation_id == current_user.organisation_id]
    return render_template(
        "referrals/show.html", referral=referral, person=person, open_part=open_part, comments=comments,
        note_open=lambda event: basis.step_note_open(referral, event, open_part),
        startable=startable_for(referral, current_user),
        files=attachments.listed(current_user, referral), forms=_forms(referral, posted or {}),
        overdue=inbox.is_overdue(referral), consent_holds=basis.consent_holds(referral),
        side=rules.side_of(current_user, referral), basis_kind=workflow.TYPES[referral.type].basis,
        **words()), status


def _done(referral: Referral, message: str):
    flash(message, "success")
    return redirect(url_for(".show", referral_id=referral.id), 303)


def _run(referral: Referral, name: str, form, operation):
    outcome = submit(form, operation)
    if outcome.done:
        return None
    return render_referral(referral, {name: form}, outcome.status)


@bp.route("/<int:referral_id>/steg/<action>", methods=["POST"])
@requires("referral.view")
def step(referral_id: int, action: str):
    """Accept, withdraw, send or discard: the rule first (403 for the wrong side), then the table's message."""
    if action not in PLAIN:
        abort(404)
    referral = load_referral(referral_id)
    check(rules.may_take(current_user, referral, action), f"referral:{action}", obj=referral)
    form = VersionForm(prefix=action)
    page = _run(referral, action, form, lambda: PLAIN[action](
        referral, by=current_user, expected_version=form.version.data))
    return page or _done(referral, CONFIRMATIONS[action]())


@bp.route("/<int:referral_id>/avboj", methods=["POST"])
@requires("referral.handle")
def decline(referral_id: int):
    referral = load_referral(referral_id)
    check(rules.may_take(current_user, referral, "decline"), "referral:decline", obj=referral)
    form = DeclineForm(prefix="decline")
    page = _run(referral, "decline", form, lambda: _named(ops.decline, "reason", "decline_reason")(
        referral, by=current_user, reason=form.decline_reason.data or "", expected_version=form.version.data))
    return page or _done(referral, _("Remissen är avböjd. Avsändaren ser varför."))


@bp.route("/<int:referral_id>/avsluta", methods=["POST"])
@requires("referral.handle")
def close(referral_id: int):
    referral = load_referral(referral_id)
    check(rules.may_take(current_user, referral, "close"), "referral:close", obj=referral)
    form = CloseForm(prefix="close")
    page = _run(referral, "close", form, lambda: _named(ops.close, "note", "outcome_note")(
        referral, by=current_user, outcome=form.outcome.data or "", note=form.outcome_note.data or "",
        expected_version=form.version.data))
    return page or _done(referral, _("Remissen är avslutad."))


def _named(operation, field: str, form_field: str):
    """The operation, with its refusals about `field` shown beside the form's `form_field`."""
    def run(*args, **kwargs):
        try:
            return operation(*args, **kwargs)
        except RuleError as exc:
            exc.errors = [(form_field if f == field else f, m) for f, m in exc.errors]
            raise
    return run


@bp.route("/<int:referral_id>/tilldela", methods=["POST"])
@requires("referral.assign")
def assign(referral_id: int):
    referral = load_referral(referral_id)
    check(rules.can_assign(current_user, referral), "referral:assign", obj=referral)
    form = AssignForm(prefix="assign")
    form.assignee_id.choices = [("", _("Ingen"))] + [(str(u.id), u.name) for u in choices.handlers(referral.to_org_id)]
    page = _run(referral, "assign", form, lambda: ops.assign(
        referral, by=current_user, assignee_id=form.assignee_id.data or "", expected_version=form.version.data))
    return page or _done(referral, _("Handläggaren är tilldelad."))


@bp.route("/<int:referral_id>/kommentar", methods=["POST"])
@requires("referral.handle")
def comment(referral_id: int):
    referral = load_referral(referral_id)
    check(rules.can_comment(current_user, referral), "referral:comment", obj=referral)
    form = CommentForm(prefix="comment")
    page = _run(referral, "comment", form, lambda: ops.comment(referral, by=current_user, body=form.body.data or ""))
    return page or _done(referral, _("Kommentaren är sparad."))


@bp.route("/<int:referral_id>/nytt-samtycke", methods=["POST"])
@requires("referral.send")
def continue_(referral_id: int):
    referral = load_referral(referral_id)
    check(rules.can_continue(current_user, referral), "referral:continue", obj=referral)
    form = VersionForm(prefix="continue")
    page = _run(referral, "continue", form, lambda: basis_changes.continue_with_consent(
        referral, by=current_user, expected_version=form.version.data))
    return page or _done(referral, _("Remissen fortsätter med stöd av samtycke nr %(n)s.",
                                     n=referral.consent_id))


@bp.route("/<int:referral_id>/namnge", methods=["POST"])
@requires("referral.send")
def name(referral_id: int):
    referral = load_referral(referral_id)
    check(rules.can_name(current_user, referral), "referral:name", obj=referral)
    form = NameForm(prefix="name")

    def operation():
        try:
            person = choices.held_by_number(current_user, form.person_number.data)
        except RuleError as exc:
            person, problem = None, exc
        else:
            problem = None
        try:
            return basis_changes.name_consultation(referral, by=current_user, type=form.type.data, person=person,
                                         categories=form.categories.data, expected_version=form.version.data)
        except RuleError as exc:
            errors = [("person_number" if f == "person" else f, m) for f, m in exc.errors]
            if problem is not None:
                errors = problem.errors + [e for e in errors if e[0] != "person_number"]
            exc.errors = errors
            raise
    page = _run(referral, "name", form, operation)
    return page or _done(referral, _("Konsultationen är nu en remiss med namn."))


@bp.route("/<int:referral_id>/bilagor", methods=["POST"])
@requires("referral.view")
def attach(referral_id: int):
    referral = load_referral(referral_id)
    check(attachments.can_attach(current_user, referral), "referral:attach", obj=referral)
    form = AttachForm(prefix="attach")

    def operation():
        files = [f for f in request.files.getlist("attach-attachment") if f.filename]
        if not files:
            raise ops.ReferralError(_("Välj en fil att lägga till."), field="attachment")
        for upload in files:
            attachments.add(referral, by=current_user, filename=upload.filename, data=upload.read())
    page = _run(referral, "attach", form, operation)
    return page or _done(referral, _("Bilagan är tillagd."))
