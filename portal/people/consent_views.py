"""Pages for samtycken and utlämnanden of a person, on the people blueprint: register, confirm, print, withdraw."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.clock import today
from portal.db import db
from portal.errors import RuleError
from portal.forms import ButtonForm, attachment, id_arg, show_errors, submit
from portal.people import consent as consents
from portal.people import documents, operations, rules
from portal.people.forms import ConsentDecisionForm, ConsentForm, DisclosureForm, WithdrawForm
from portal.people.gate import gate
from portal.people.minors import minors_policy
from portal.people.models import Consent, Person
from portal.people.views import bp, load_person, status_of
from portal.people.vocabulary import BASES, CATEGORIES, METHODS, PARTY_LABELS, PURPOSES, STATE_LABELS
from portal.permissions import requires


def load_consent(person: Person, consent_id: int, *, need: str | None = None) -> Consent:
    """The person's consent, or 404; with need="involved", 403 unless the user's organisation is in it, with
    need="named", unless it is named in it."""
    consent = db.session.get(Consent, consent_id)
    if consent is None or consent.person_id != person.id:
        abort(404)
    if need == "involved":
        rules.check_involved(current_user, consent)
    elif need == "named":
        rules.check_named(current_user, consent)
    return consent



@bp.route("/deltagare/<ref>/samtycken")
@requires("person.view")
def consent_list(ref: str):
    person = load_person(ref)
    view = gate(current_user, person)
    rows = operations.consent_history(current_user, person) if view.allowed else []
    return render_template("people/consents.html", view=view, history=[c for c, _state in rows],
                           states={c.id: state for c, state in rows}, state_labels=STATE_LABELS,
                           party_labels=PARTY_LABELS, purposes=PURPOSES, categories=CATEGORIES, methods=METHODS,
                           deciding={c.id for c, _state in rows if rules.can_decide_consent(current_user, c)},
                           button=ButtonForm())


@bp.route("/deltagare/<ref>/samtycken/<int:consent_id>/bekrafta", methods=["GET", "POST"])
@requires("consent.register")
def consent_decide(ref: str, consent_id: int):
    person = load_person(ref)
    consent = load_consent(person, consent_id, need="named")
    if not rules.can_decide_consent(current_user, consent):
        # A notice may outlive the question: the consent was withdrawn or replaced, or a colleague answered.
        flash(_("Samtycket behöver inte längre bekräftas: det är redan besvarat, återkallat eller ersatt."), "info")
        return redirect(url_for("people.consent_list", ref=person.ref), code=303)
    view = gate(current_user, person)
    form = ConsentDecisionForm()
    status = status_of(form)
    if form.validate_on_submit():
        confirm = request.form.get("decision") == "confirm"
        try:
            consents.decide_consent(consent, by=current_user, confirm=confirm, reason=form.reason.data or "")
        except RuleError as exc:
            status = show_errors(form, exc)
        else:
            flash(_("Ni står bakom samtycket. Era uppgifter delas nu inom det.") if confirm else
                  _("Ni har avböjt samtycket. Era uppgifter lämnas inte ut med stöd av det."), "success")
            return redirect(url_for("people.consent_list", ref=person.ref))
    return render_template("people/consent_decide.html", form=form, view=view, consent=consent, purposes=PURPOSES,
                           categories=CATEGORIES, methods=METHODS), status


@bp.route("/deltagare/<ref>/samtycken/nytt", methods=["GET", "POST"])
@requires("consent.register")
def consent_new(ref: str):
    person = load_person(ref, need="change")
    replaces = id_arg("ersatter")
    supersedes = load_consent(person, replaces, need="involved") if replaces is not None else None
    view = gate(current_user, person)
    form = ConsentForm()
    form.organisations.choices = operations.other_organisations(current_user, active_only=True)
    if request.method == "GET":
        for name, value in operations.new_consent_defaults(person, by=current_user, supersedes=supersedes).items():
            getattr(form, name).data = value
    status = status_of(form)
    if form.validate_on_submit():
        if request.form.get("action") == "blankett":
            return _draft_consent_form(view, form)
        upload = form.scan.data
        scan = None
        if upload is not None and getattr(upload, "filename", ""):
            scan = (upload.filename, upload.read(consents.MAX_SCAN_BYTES + 1))
        try:
            consents.register_consent(
                person, by=current_user, organisation_ids=form.organisations.data or [],
                purposes=form.purposes.data or [], purpose_other=form.purpose_other.data or "",
                categories=form.categories.data or [], valid_from=form.valid_from.data,
                valid_until=form.valid_until.data, is_past_twenty_stated=form.is_past_twenty_stated.data,
                method=form.method.data, method_note=form.method_note.data or "",
                given_by_person=form.given_by_person.data,
                guardian_names=[form.guardian_1.data or "", form.guardian_2.data or ""],
                person_view=form.person_view.data or "", maturity_assessment=form.maturity_assessment.data or "",
                scan=scan, supersedes=supersedes)
        except RuleError as exc:
            status = show_errors(form, exc)
        else:
            flash(_("Samtycket är registrerat."), "success")
            return redirect(url_for("people.consent_list", ref=person.ref))
    return render_template("people/consent_form.html", form=form, view=view, supersedes=supersedes,
                           policy=minors_policy(), age=person.age()), status


def _draft_consent_form(view, form: ConsentForm) -> Response:
    """The form to print and sign, from what is typed so far; nothing is registered."""
    chosen = set(form.organisations.data or [])
    data = documents.draft_consent_form(
        view, by=current_user, organisation_names=[label for value, label in form.organisations.choices
                                                   if value in chosen],
        purposes=form.purposes.data or [], purpose_other=form.purpose_other.data or "",
        categories=form.categories.data or [], valid_from=form.valid_from.data, valid_until=form.valid_until.data,
        second_guardian=bool(form.guardian_2.data))
    return _docx_response(data, f"samtycke-{view.pseudonym}.docx")


def _docx_response(data: bytes, filename: str) -> Response:
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    headers={"Content-Disposition": attachment(filename)})


@bp.route("/deltagare/<ref>/samtycken/<int:consent_id>/blankett.docx")
@requires("consent.register")
def consent_document(ref: str, consent_id: int):
    person = load_person(ref)
    consent = load_consent(person, consent_id)
    view = gate(current_user, person)
    rules.check_involved(current_user, consent, allowed=view.allowed)
    data = documents.consent_form(consent, person, view, by=current_user)
    return _docx_response(data, f"samtycke-{consent.id}.docx")


@bp.route("/deltagare/<ref>/samtycken/<int:consent_id>/skanning")
@requires("consent.register")
def consent_scan(ref: str, consent_id: int):
    person = load_person(ref)
    consent = load_consent(person, consent_id)
    rules.check_can_open_scan(current_user, consent)
    scan = consents.open_scan(consent, by=current_user)
    if scan is None:
        abort(404)
    return Response(scan.data, mimetype=scan.content_type,
                    headers={"Content-Disposition": attachment(scan.filename)})


@bp.route("/deltagare/<ref>/samtycken/<int:consent_id>/aterkalla", methods=["GET", "POST"])
@requires("consent.register")
def consent_withdraw(ref: str, consent_id: int):
    person = load_person(ref)
    consent = load_consent(person, consent_id, need="involved")
    view = gate(current_user, person)
    form = WithdrawForm()
    status = status_of(form)
    if form.validate_on_submit():
        try:
            consents.withdraw_consent(consent, by=current_user, reason=form.reason.data)
        except RuleError as exc:
            status = show_errors(form, exc)
        else:
            flash(_("Samtycket är återkallat och gäller inte längre."), "success")
            return redirect(url_for("people.consent_list", ref=person.ref))
    return render_template("people/withdraw.html", form=form, view=view, consent=consent,
                           categories=CATEGORIES), status


@bp.route("/deltagare/samtycken/utgar")
@requires("consent.register")
def expiring():
    return render_template("people/expiring.html", rows=operations.expiring_for(current_user))


@bp.route("/deltagare/samtycken/aterkallade")
@requires("consent.register")
def withdrawn():
    """Consents that named the user's organisation and were withdrawn lately (the start page's card)."""
    return render_template("people/withdrawn.html", rows=operations.withdrawn_for(current_user))


# --- disclosures on another legal basis -------------------------------------------------------------------------


@bp.route("/deltagare/<ref>/utlamnande", methods=["GET", "POST"])
@requires("disclosure.register")
def disclosure_new(ref: str):
    person = load_person(ref, need="change")
    view = gate(current_user, person)
    form = DisclosureForm()
    form.to_org.choices = [(0, _("– Välj –")), *operations.other_organisations(current_user)]
    if request.method == "GET":
        form.disclosed_on.data = today()
    outcome = submit(form, lambda: consents.record_disclosure(
        person, by=current_user, to_org_id=form.to_org.data, basis=form.basis.data,
        basis_detail=form.basis_detail.data or "", justification=form.justification.data,
        categories=form.categories.data or [], disclosed_on=form.disclosed_on.data))
    if outcome.done:
        flash(_("Utlämnandet är registrerat."), "success")
        return redirect(url_for("people.show", ref=person.ref))
    return render_template("people/disclosure_form.html", form=form, view=view), outcome.status


@bp.route("/deltagare/utlamnanden")
@requires("disclosure.review")
def disclosures():
    return render_template("people/disclosures.html", rows=operations.disclosures_for_review(current_user),
                           bases=BASES, categories=CATEGORIES)


