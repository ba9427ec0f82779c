"""Pages for deltagare and samtycken: search, register, the person page, consents, disclosures and the extract.

Every view runs in one order: load the object (404) → ask the record rule (403, audited) → one operation or
query → render or redirect. A refused operation comes back as a RuleError, shown beside its fields.
"""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.db import MAX_PAGE, db
from portal.errors import RuleError
from portal.forms import ButtonForm, attachment, id_arg, show_errors
from portal.people import consent as consents
from portal.people import documents, operations, rules
from portal.people.forms import (
    ConsentForm,
    ContactForm,
    DisclosureForm,
    ExtractForm,
    GuardianForm,
    IdentityForm,
    NoteForm,
    RegisterPersonForm,
    WithdrawForm,
)
from portal.people.gate import gate
from portal.people.identity import kommun_choices, today
from portal.people.models import Consent, Person
from portal.people.vocabulary import BASES, CATEGORIES, DEFAULT_PURPOSE, ID_KINDS, METHODS, PURPOSES, STATE_LABELS
from portal.permissions import requires

bp = Blueprint("people", __name__)

PAGE_SIZE = 25


# --- loaders: 404 for what does not exist, then the record rule the page is opened for ------------------------


def _person(person_id: int, *, need: str | None = None) -> Person:
    """The person, or 404; with need="change", 403 unless the user's organisation works with them."""
    person = db.session.get(Person, person_id)
    if person is None:
        abort(404)
    if need == "change":
        rules.check_can_change(current_user, person)
    return person


def _consent(person: Person, consent_id: int, *, need: str | None = None) -> Consent:
    """The person's consent, or 404; with need="involved", 403 unless the user's organisation is in it."""
    consent = db.session.get(Consent, consent_id)
    if consent is None or consent.person_id != person.id:
        abort(404)
    if need == "involved":
        rules.check_involved(current_user, consent)
    return consent


def _purpose() -> str:
    purpose = request.args.get("syfte", DEFAULT_PURPOSE)
    return purpose if purpose in PURPOSES else DEFAULT_PURPOSE


def _status(form) -> int:
    return 400 if form.is_submitted() else 200


# --- search and register ------------------------------------------------------------------------------------


@bp.route("/deltagare", methods=["GET", "POST"])
@requires("person.view")
def index():
    # Searches are POSTed so a personnummer never ends up in URLs, server logs or browser history.
    source = request.form if request.method == "POST" else request.args
    query = (source.get("q") or "").strip()[:100]
    page = min(max(source.get("page", 1, type=int) or 1, 1), MAX_PAGE)
    found = operations.search(current_user, query, page, page_size=PAGE_SIZE)
    return render_template("people/index.html", views=found.views, query=query, page=page, pages=found.pages,
                           total=found.total)


@bp.route("/deltagare/ny", methods=["GET", "POST"])
@requires("person.register")
def register():
    form = RegisterPersonForm()
    form.home_kommun.choices = kommun_choices()
    status = _status(form)
    if form.validate_on_submit():
        try:
            person, _created = operations.register_person(
                by=current_user, first_name=form.first_name.data, last_name=form.last_name.data,
                number=form.number.data or "", reserve_number=form.reserve_number.data or "",
                birth_date=form.birth_date.data, home_kommun=form.home_kommun.data,
                is_protected=form.is_protected.data, address=form.address.data or "",
                postal_code=form.postal_code.data or "", city=form.city.data or "", phone=form.phone.data or "",
                email=form.email.data or "")
        except RuleError as exc:
            status = show_errors(form, exc)
        else:
            # Same message either way: whether anyone else holds the number is not ours to tell.
            flash(_("Deltagaren är registrerad för din organisation."), "success")
            return redirect(url_for("people.show", person_id=person.id))
    return render_template("people/register.html", form=form), status


# --- the person page and the records a linked organisation keeps -------------------------------------------------


@bp.route("/deltagare/<int:person_id>")
@requires("person.view")
def show(person_id: int):
    person = _person(person_id)
    purpose = _purpose()
    view = gate(current_user, person, purpose)
    consent_rows = operations.consent_history(current_user, person) if view.allowed else []
    return render_template("people/show.html", view=view, purpose=purpose, purposes=PURPOSES,
                           categories=CATEGORIES, org_names=view.holder_names, id_kinds=ID_KINDS,
                           consent_rows=consent_rows, state_labels=STATE_LABELS)


def _saved(person: Person, message: str):
    flash(message, "success")
    return redirect(url_for("people.show", person_id=person.id))


@bp.route("/deltagare/<int:person_id>/andra", methods=["GET", "POST"])
@requires("person.register")
def edit(person_id: int):
    person = _person(person_id, need="change")
    view = gate(current_user, person)
    form = IdentityForm(obj=person if request.method == "GET" else None)
    form.home_kommun.choices = kommun_choices()
    if not form.is_submitted():
        form.home_kommun.data = person.home_kommun or ""
        form.version.data = operations.identity_version(person)
    status = _status(form)
    if form.validate_on_submit():
        try:
            operations.update_identity(person, by=current_user, first_name=form.first_name.data,
                                       last_name=form.last_name.data, home_kommun=form.home_kommun.data,
                                       is_protected=form.is_protected.data, expected_version=form.version.data)
        except RuleError as exc:
            status = show_errors(form, exc)  # 409 for a change saved meanwhile: what was typed stays
        else:
            return _saved(person, _("Uppgifterna är sparade."))
    return render_template("people/edit.html", form=form, view=view), status


@bp.route("/deltagare/<int:person_id>/kontakt", methods=["GET", "POST"])
@requires("person.register")
def contact(person_id: int):
    person = _person(person_id, need="change")
    view = gate(current_user, person)
    form = ContactForm(obj=operations.own_contact(person, by=current_user) if request.method == "GET" else None)
    status = _status(form)
    if form.validate_on_submit():
        try:
            operations.set_contact(person, by=current_user, address=form.address.data or "",
                                   postal_code=form.postal_code.data or "", city=form.city.data or "",
                                   phone=form.phone.data or "", email=form.email.data or "")
        except RuleError as exc:
            status = show_errors(form, exc)
        else:
            return _saved(person, _("Kontaktuppgifterna är sparade."))
    return render_template("people/contact.html", form=form, view=view), status


@bp.route("/deltagare/<int:person_id>/vardnadshavare", methods=["GET", "POST"])
@requires("person.register")
def guardian(person_id: int):
    person = _person(person_id, need="change")
    view = gate(current_user, person)
    form = GuardianForm()
    status = _status(form)
    if form.validate_on_submit():
        try:
            operations.add_guardian(person, by=current_user, name=form.name.data, relation=form.relation.data or "",
                                    phone=form.phone.data or "", email=form.email.data or "")
        except RuleError as exc:
            status = show_errors(form, exc)
        else:
            return _saved(person, _("Vårdnadshavaren är tillagd."))
    return render_template("people/guardian.html", form=form, view=view), status


@bp.route("/deltagare/<int:person_id>/anteckning", methods=["GET", "POST"])
@requires("person.register")
def note(person_id: int):
    person = _person(person_id, need="change")
    view = gate(current_user, person)
    form = NoteForm()
    status = _status(form)
    if form.validate_on_submit():
        try:
            operations.add_note(person, by=current_user, category=form.category.data, text=form.text.data)
        except RuleError as exc:
            status = show_errors(form, exc)
        else:
            return _saved(person, _("Anteckningen är sparad."))
    return render_template("people/note.html", form=form, view=view), status


# --- consents ------------------------------------------------------------------------------------------------


@bp.route("/deltagare/<int:person_id>/samtycken")
@requires("person.view")
def consent_list(person_id: int):
    person = _person(person_id)
    view = gate(current_user, person)
    rows = operations.consent_history(current_user, person) if view.allowed else []
    return render_template("people/consents.html", view=view, history=[c for c, _state in rows],
                           states={c.id: state for c, state in rows}, state_labels=STATE_LABELS,
                           purposes=PURPOSES, categories=CATEGORIES, methods=METHODS, button=ButtonForm())


@bp.route("/deltagare/<int:person_id>/samtycken/nytt", methods=["GET", "POST"])
@requires("consent.register")
def consent_new(person_id: int):
    person = _person(person_id, need="change")
    replaces = id_arg("ersatter")
    supersedes = _consent(person, replaces, need="involved") if replaces else None
    view = gate(current_user, person)
    form = ConsentForm()
    form.organisations.choices = operations.other_organisations(current_user, active_only=True)
    if request.method == "GET":
        for name, value in operations.new_consent_defaults(person, by=current_user, supersedes=supersedes).items():
            getattr(form, name).data = value
    status = _status(form)
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
            return redirect(url_for("people.consent_list", person_id=person.id))
    return render_template("people/consent_form.html", form=form, view=view, supersedes=supersedes,
                           policy=consents.minors_policy(), age=person.age()), status


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


@bp.route("/deltagare/<int:person_id>/samtycken/<int:consent_id>/blankett.docx")
@requires("consent.register")
def consent_document(person_id: int, consent_id: int):
    person = _person(person_id)
    consent = _consent(person, consent_id)
    view = gate(current_user, person)
    rules.check_involved(current_user, consent, allowed=view.allowed)
    data = documents.consent_form(consent, person, view, by=current_user)
    return _docx_response(data, f"samtycke-{consent.id}.docx")


@bp.route("/deltagare/<int:person_id>/samtycken/<int:consent_id>/skanning")
@requires("consent.register")
def consent_scan(person_id: int, consent_id: int):
    person = _person(person_id)
    consent = _consent(person, consent_id)
    rules.check_can_open_scan(current_user, consent)
    scan = consents.open_scan(consent, by=current_user)
    if scan is None:
        abort(404)
    return Response(scan.data, mimetype=scan.content_type,
                    headers={"Content-Disposition": attachment(scan.filename)})


@bp.route("/deltagare/<int:person_id>/samtycken/<int:consent_id>/aterkalla", methods=["GET", "POST"])
@requires("consent.register")
def consent_withdraw(person_id: int, consent_id: int):
    person = _person(person_id)
    consent = _consent(person, consent_id, need="involved")
    view = gate(current_user, person)
    form = WithdrawForm()
    status = _status(form)
    if form.validate_on_submit():
        try:
            consents.withdraw_consent(consent, by=current_user, reason=form.reason.data)
        except RuleError as exc:
            status = show_errors(form, exc)
        else:
            flash(_("Samtycket är återkallat och gäller inte längre."), "success")
            return redirect(url_for("people.consent_list", person_id=person.id))
    return render_template("people/withdraw.html", form=form, view=view, consent=consent), status


@bp.route("/deltagare/samtycken/utgar")
@requires("consent.register")
def expiring():
    return render_template("people/expiring.html", rows=operations.expiring_for(current_user))


# --- disclosures on another legal basis -------------------------------------------------------------------------


@bp.route("/deltagare/<int:person_id>/utlamnande", methods=["GET", "POST"])
@requires("disclosure.register")
def disclosure_new(person_id: int):
    person = _person(person_id, need="change")
    view = gate(current_user, person)
    form = DisclosureForm()
    form.to_org.choices = [(0, _("– Välj –")), *operations.other_organisations(current_user)]
    if request.method == "GET":
        form.disclosed_on.data = today()
    status = _status(form)
    if form.validate_on_submit():
        try:
            consents.record_disclosure(person, by=current_user, to_org_id=form.to_org.data, basis=form.basis.data,
                                       basis_detail=form.basis_detail.data or "",
                                       justification=form.justification.data, categories=form.categories.data or [],
                                       disclosed_on=form.disclosed_on.data)
        except RuleError as exc:
            status = show_errors(form, exc)
        else:
            flash(_("Utlämnandet är registrerat."), "success")
            return redirect(url_for("people.show", person_id=person.id))
    return render_template("people/disclosure_form.html", form=form, view=view), status


@bp.route("/deltagare/utlamnanden")
@requires("disclosure.review")
def disclosures():
    return render_template("people/disclosures.html", rows=operations.disclosures_for_review(current_user),
                           bases=BASES, categories=CATEGORIES)


# --- the register/log extract -----------------------------------------------------------------------------------


@bp.route("/deltagare/registerutdrag", methods=["GET", "POST"])
@requires("person.extract")
def extract():
    form = ExtractForm()
    rows = None
    if form.validate_on_submit():
        as_csv = request.form.get("format") == "csv"
        try:
            rows = operations.register_extract(form.number.data, by=current_user, fmt="csv" if as_csv else "page")
        except RuleError as exc:
            show_errors(form, exc)
        else:
            if as_csv:
                return Response("\ufeff" + documents.extract_csv(form.number.data, rows, by=current_user),
                                mimetype="text/csv; charset=utf-8",
                                headers={"Content-Disposition": 'attachment; filename="loggutdrag.csv"'})
    status = 400 if form.errors else 200
    return render_template("people/extract.html", form=form, rows=rows, typed=form.number.data), status
