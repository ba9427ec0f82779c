"""The referral pages: the inbox, a referral with its timeline and thread, the forms to send and to act.

Every view runs in one order: load the referral (404) → ask the rule (403, audited) → one operation → render or
redirect. The steps on a referral's page (accept, decline, close, ...) are in step_views.py on this blueprint.
"""
from __future__ import annotations

import secrets

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.db import db
from portal.errors import RuleError
from portal.forms import attachment, submit
from portal.people.gate import gate
from portal.people.vocabulary import CATEGORIES
from portal.permissions import check, requires
from referrals import attachments, basis, choices, inbox, rules, workflow
from referrals import operations as ops
from referrals.forms import ReferralForm, ResponseTimeForm
from referrals.models import Referral, ReferralAttachment

bp = Blueprint("referrals", __name__, url_prefix="/remisser")


def load_referral(referral_id: int, *, need: str = "see") -> Referral:
    """The referral (404), which the user's organisation must be a side of (403), for `need`: "see" or "edit"."""
    referral = choices.referral_for_page(referral_id)
    if referral is None:
        abort(404)
    check(rules.can_see(current_user, referral), "referral:see", obj=referral)
    if need == "edit":
        check(rules.can_edit(current_user, referral), "referral:edit", obj=referral)
    return referral


def words() -> dict:
    """The labels every referral template needs."""
    return {"types": workflow.TYPES, "state_labels": workflow.STATE_LABELS, "urgencies": workflow.URGENCY_LABELS,
            "outcomes": workflow.OUTCOME_LABELS, "categories": CATEGORIES, "event_labels": workflow.ACTION_LABELS}


# --- The inbox ------------------------------------------------------------------------------------------------


@bp.route("/", methods=["GET", "POST"])
@requires("referral.view")
def inbox_page():
    # A search for a name is POSTed so that no name ends up in addresses, server logs or browser history.
    filters = inbox.Filters.read(request.form if request.method == "POST" else request.args)
    if request.method == "POST" and not filters.query:
        return redirect(url_for(".inbox_page", **filters.args()), 303)
    found = inbox.inbox(current_user, filters)
    handlers = choices.handlers(current_user.organisation_id) if filters.box != "utgaende" else []
    return render_template("referrals/inbox.html", found=found, filters=filters, handlers=handlers,
                           boxes={"inkommande": _("Inkommande"), "utgaende": _("Utgående"),
                                  "mina": _("Mina remisser")}, **words())


# --- New referral and draft -------------------------------------------------------------------------------


def _uploads() -> list:
    """The files chosen in the form's file field (a browser sends one empty part when none was chosen)."""
    return [f for f in request.files.getlist("attachment") if f.filename]


def _person_of(form: ReferralForm):
    """(person, problem) from the form: the number typed (the form offers it for "someone else"), else the
    preselected person; none for a consultation."""
    if (form.type.data or "") == "konsultation":
        return None, None
    if not (form.person_number.data or "").strip() and form.person_ref.data:
        return choices.held_by_ref(current_user, form.person_ref.data), None
    try:
        return choices.held_by_number(current_user, form.person_number.data), None
    except RuleError as exc:
        return None, exc


def _save(form: ReferralForm, referral: Referral | None, files) -> Referral:
    """Save (and send, when asked) with every problem at once; the person's problems beside the person field."""
    try:
        return _save_all(form, referral, files)
    except RuleError as exc:
        raise _again(exc, [("person_number" if f == "person" else f, m) for f, m in exc.errors]) from None


def _save_all(form: ReferralForm, referral: Referral | None, files) -> Referral:
    """Check the files, resolve the person, save the draft (and send it when asked)."""
    problems: list = []
    checked = []
    if files and (form.type.data or "") == "konsultation":
        problems.append(("attachment", _("En anonym konsultation har inga bilagor.")))
    for upload in files:
        data = upload.read()
        try:
            attachments.check_file(upload.filename, data)
            checked.append((upload.filename, data))
        except RuleError as exc:
            problems += exc.errors
    person, person_problem = _person_of(form)
    if person_problem is not None:
        problems += person_problem.errors
    try:
        saved = ops.save_draft(referral, by=current_user, type=form.type.data, to_org_id=form.to_org_id.data,
                               person=person, categories=form.categories.data, reason=form.reason.data or "",
                               help_requested=form.help_requested.data or "", urgency=form.urgency.data or "",
                               form_key=form.form_key.data or "", expected_version=form.version.data)
    except RuleError as exc:
        # The number's own problem says more than "choose the person".
        errors = [e for e in exc.errors if not (person_problem is not None and e[0] == "person")]
        raise _again(exc, problems + errors) from None
    if problems:
        raise ops.ReferralError(problems[0][1], field=problems[0][0], errors=problems)
    if saved.state != "draft":
        return saved  # the same form posted twice: the referral the first post made
    if referral is None and saved.attachments:
        return saved  # an earlier draft of this same form already has its files
    for filename, data in checked:
        attachments.add(saved, by=current_user, filename=filename, data=data)
    if request.form.get("skicka"):
        ops.submit(saved, by=current_user)
    return saved


def _again(exc: RuleError, errors: list) -> RuleError:
    """The operation's refusal with the view's own problems added (a stale edit stays a stale edit)."""
    exc.errors = [(f, str(m)) for f, m in errors]
    return exc


def _form_page(form: ReferralForm, referral: Referral | None, preselected, status: int):
    files = attachments.listed(current_user, referral) if referral is not None else []
    # Which consent the referral would rest on: where it may go on consent (before a receiver is chosen), or for a
    # draft with its receiver, the consent itself or why none carries it.
    consent = (choices.consent_overview(current_user, preselected.person_id, referral)
               if preselected is not None and preselected.allowed else None)
    return render_template("referrals/form.html", form=form, referral=referral, preselected=preselected,
                           files=files, consent=consent, **words()), status


def _fill_choices(form: ReferralForm) -> None:
    form.to_org_id.choices = [("", _("Välj organisation"))] + [
        (str(o.id), o.name) for o in choices.receivers(current_user)]


def _preselected(form: ReferralForm):
    """The person the form names by ref, as the gate lets the sender see them (their own: the name)."""
    person = choices.held_by_ref(current_user, form.person_ref.data) if form.person_ref.data else None
    return gate(current_user, person, basis.PURPOSE) if person is not None else None


def _finish(outcome, form, referral):
    if outcome.done:
        saved = outcome.result
        if saved.state == "draft":
            flash(_("Utkastet %(ref)s är sparat. Det skickas först när du väljer Skicka.", ref=saved.reference),
                  "success")
        else:
            flash(_("Remissen %(ref)s är skickad till %(org)s.", ref=saved.reference, org=saved.to_org.name),
                  "success")
        return redirect(url_for(".show", referral_id=saved.id))
    return _form_page(form, referral, _preselected(form), outcome.status)


@bp.route("/ny", methods=["GET", "POST"])
@requires("referral.send")
def new():
    form = ReferralForm()
    _fill_choices(form)
    if not form.is_submitted():
        form.form_key.data = secrets.token_urlsafe(24)
        wanted = request.args.get("deltagare", "")
        if wanted and choices.held_by_ref(current_user, wanted) is not None:
            form.person_ref.data = wanted
    outcome = submit(form, lambda: _save(form, None, _uploads()))
    return _finish(outcome, form, None)


@bp.route("/<int:referral_id>/andra", methods=["GET", "POST"])
@requires("referral.send")
def edit(referral_id: int):
    referral = load_referral(referral_id)
    if request.method == "POST" and ops.repeated(referral, "submit", by=current_user,
                                                 expected_version=request.form.get("version")):
        # The same "Skicka" posted twice (a double click): the first sent it; no refusal for the second.
        return redirect(url_for(".show", referral_id=referral.id))
    check(rules.can_edit(current_user, referral), "referral:edit", obj=referral)
    form = ReferralForm(obj=None if request.method == "POST" else referral)
    _fill_choices(form)
    if not form.is_submitted():
        form.to_org_id.data = str(referral.to_org_id)
        form.person_ref.data = referral.person.ref if referral.person is not None else ""
        form.version.data = str(referral.version)
    outcome = submit(form, lambda: _save(form, referral, _uploads()))
    return _finish(outcome, form, referral)


# --- A referral's files (its page is in step_views.py, with the forms on it) ---------------------------------------


@bp.route("/<int:referral_id>/bilagor/<int:attachment_id>")
@requires("referral.view")
def download(referral_id: int, attachment_id: int):
    row = db.session.get(ReferralAttachment, attachment_id)
    if row is None or row.referral_id != referral_id:
        abort(404)
    check(attachments.can_open(current_user, row), "referral:attachment", obj=row.referral,
          person_id=row.referral.person_id)
    attachments.open_file(row, by=current_user)
    return Response(row.data, mimetype=row.content_type,
                    headers={"Content-Disposition": attachment(row.filename), "X-Content-Type-Options": "nosniff"})


# --- The organisation's response time ---------------------------------------------------------------------------


@bp.route("/svarstid", methods=["GET", "POST"])
@requires("referral.assign")
def response_time():
    organisation = current_user.organisation
    check(rules.can_set_response_time(current_user, organisation), "referral:response_time", obj=organisation)
    form = ResponseTimeForm()
    if not form.is_submitted():
        form.working_days.data = str(ops.response_days(organisation.id))
    outcome = submit(form, lambda: ops.set_response_time(organisation, by=current_user,
                                                         working_days=form.working_days.data))
    if outcome.done:
        flash(_("Svarstiden är nu %(n)s arbetsdagar för remisser som skickas till %(org)s från och med nu.",
                n=outcome.result.working_days, org=organisation.name), "success")
        return redirect(url_for(".response_time"))
    return render_template("referrals/response_time.html", form=form, organisation=organisation), outcome.status
