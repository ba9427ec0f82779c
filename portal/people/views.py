"""Pages for deltagare: search, register, the person page, the records a holder keeps, and the extract.

Consent and disclosure pages are in consent_views.py on the same blueprint.

Every view runs in one order: load the object (404) → ask the record rule (403, audited) → one operation or
query → render or redirect. A refused operation comes back as a RuleError, shown beside its fields.
"""
from __future__ import annotations

import io

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import audit
from portal.db import MAX_PAGE, db
from portal.errors import RuleError
from portal.forms import ButtonForm, show_errors, submit
from portal.people import documents, holders, operations, rules
from portal.people.forms import (
    ContactForm,
    CorrectionForm,
    ExtractForm,
    GuardianForm,
    IdentityForm,
    NoteForm,
    RegisterPersonForm,
)
from portal.people.gate import gate
from portal.people.identity import kommun_choices
from portal.people.models import IdentityCorrection, Person
from portal.people.vocabulary import CATEGORIES, DEFAULT_PURPOSE, ID_KINDS, PURPOSES, STATE_LABELS
from portal.permissions import requires

bp = Blueprint("people", __name__)

PAGE_SIZE = 25


# --- loaders: 404 for what does not exist, then the record rule the page is opened for ------------------------


def load_person(ref: str, *, need: str | None = None) -> Person:
    """The person by the opaque ref in the URL, or 404; with need="change", 403 unless the user's organisation
    holds them, with need="correction", unless it holds them and is not the keeper."""
    person = holders.by_ref(ref)
    if person is None:
        abort(404)
    if need == "change":
        rules.check_can_change(current_user, person)
    elif need == "correction":
        rules.check_can_request_correction(current_user, person)
    return person


def _purpose() -> str:
    purpose = request.args.get("syfte", DEFAULT_PURPOSE)
    return purpose if purpose in PURPOSES else DEFAULT_PURPOSE


def status_of(form) -> int:
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
    return render_template("people/index.html", views=found.views, query=query, page=found.page, pages=found.pages,
                           total=found.total)


@bp.route("/deltagare/ny", methods=["GET", "POST"])
@requires("person.register")
def register():
    form = RegisterPersonForm()
    form.home_kommun.choices = kommun_choices()
    outcome = submit(form, lambda: holders.register_person(
        by=current_user, first_name=form.first_name.data, last_name=form.last_name.data,
        number=form.number.data or "", reserve_number=form.reserve_number.data or "",
        birth_date=form.birth_date.data, home_kommun=form.home_kommun.data, is_protected=form.is_protected.data,
        address=form.address.data or "", postal_code=form.postal_code.data or "", city=form.city.data or "",
        phone=form.phone.data or "", email=form.email.data or ""))
    if outcome.done:
        person, registered = outcome.result
        # The same answer whether or not anyone else holds the number: that is not ours to tell.
        flash(_("Deltagaren är registrerad för din organisation.") if registered == "new" else
              _("Din organisation har redan registrerat deltagaren. Inget har ändrats."), "success")
        return redirect(url_for("people.show", ref=person.ref))
    return render_template("people/register.html", form=form), outcome.status


# --- the person page and the records a linked organisation keeps -------------------------------------------------


@bp.route("/deltagare/<ref>")
@requires("person.view")
def show(ref: str):
    person = load_person(ref)
    purpose = _purpose()
    view = gate(current_user, person, purpose)
    overview = operations.consent_overview(current_user, person) if view.allowed else []
    return render_template("people/show.html", view=view, purpose=purpose, purposes=PURPOSES,
                           categories=CATEGORIES, org_names=view.holder_names, id_kinds=ID_KINDS,
                           overview=overview, state_labels=STATE_LABELS)


def _saved(person: Person, message: str):
    flash(message, "success")
    return redirect(url_for("people.show", ref=person.ref))


@bp.route("/deltagare/<ref>/andra", methods=["GET", "POST"])
@requires("person.register")
def edit(ref: str):
    person = load_person(ref, need="change")
    view = gate(current_user, person)
    form = IdentityForm(obj=holders.own_link(person, current_user.organisation_id)
                        if request.method == "GET" else None)
    form.home_kommun.choices = kommun_choices()
    if not form.is_submitted():
        form.home_kommun.data = form.home_kommun.data or ""
        form.version.data = holders.identity_version(person, current_user.organisation_id)
    status = status_of(form)
    if form.validate_on_submit():
        try:
            holders.update_identity(person, by=current_user, first_name=form.first_name.data,
                                    last_name=form.last_name.data, home_kommun=form.home_kommun.data,
                                    is_protected=form.is_protected.data,
                                    protection_reason=form.protection_reason.data or "",
                                    expected_version=form.version.data)
        except RuleError as exc:
            status = show_errors(form, exc)  # 409 for a change saved meanwhile: what was typed stays
        else:
            return _saved(person, _("Uppgifterna är sparade."))
    return render_template("people/edit.html", form=form, view=view, button=ButtonForm(),
                           corrections=holders.open_corrections(person, by=current_user),
                           may_request_correction=rules.can_request_correction(current_user, person)), status


@bp.route("/deltagare/<ref>/rattelse", methods=["GET", "POST"])
@requires("person.register")
def correction(ref: str):
    person = load_person(ref, need="correction")
    view = gate(current_user, person)
    form = CorrectionForm()
    status = status_of(form)
    if form.validate_on_submit():
        try:
            holders.request_correction(person, by=current_user, message=form.message.data)
        except RuleError as exc:
            status = show_errors(form, exc)
        else:
            return _saved(person, _("Begäran om rättelse är skickad."))
    return render_template("people/correction.html", form=form, view=view), status


@bp.route("/deltagare/<ref>/rattelse/<int:correction_id>/hanterad", methods=["POST"])
@requires("person.register")
def correction_handled(ref: str, correction_id: int):
    person = load_person(ref, need="change")
    found = db.session.get(IdentityCorrection, correction_id)
    if found is None or found.person_id != person.id:
        abort(404)
    rules.check_is_keeper(current_user, person)
    if ButtonForm().validate_on_submit():
        holders.handle_correction(found, person, by=current_user)
        flash(_("Begäran om rättelse är markerad som hanterad."), "success")
    return redirect(url_for("people.edit", ref=person.ref), code=303)


@bp.route("/deltagare/<ref>/kontakt", methods=["GET", "POST"])
@requires("person.register")
def contact(ref: str):
    person = load_person(ref, need="change")
    view = gate(current_user, person)
    form = ContactForm(obj=operations.own_contact(person, by=current_user) if request.method == "GET" else None)
    status = status_of(form)
    if form.validate_on_submit():
        try:
            holders.set_contact(person, by=current_user, address=form.address.data or "",
                                   postal_code=form.postal_code.data or "", city=form.city.data or "",
                                   phone=form.phone.data or "", email=form.email.data or "")
        except RuleError as exc:
            status = show_errors(form, exc)
        else:
            return _saved(person, _("Kontaktuppgifterna är sparade."))
    return render_template("people/contact.html", form=form, view=view), status


@bp.route("/deltagare/<ref>/vardnadshavare", methods=["GET", "POST"])
@requires("person.register")
def guardian(ref: str):
    person = load_person(ref, need="change")
    view = gate(current_user, person)
    form = GuardianForm()
    status = status_of(form)
    if form.validate_on_submit():
        try:
            operations.add_guardian(person, by=current_user, name=form.name.data, relation=form.relation.data or "",
                                    phone=form.phone.data or "", email=form.email.data or "")
        except RuleError as exc:
            status = show_errors(form, exc)
        else:
            return _saved(person, _("Vårdnadshavaren är tillagd."))
    return render_template("people/guardian.html", form=form, view=view), status


@bp.route("/deltagare/<ref>/anteckning", methods=["GET", "POST"])
@requires("person.register")
def note(ref: str):
    person = load_person(ref, need="change")
    view = gate(current_user, person)
    form = NoteForm()
    status = status_of(form)
    if form.validate_on_submit():
        try:
            operations.add_note(person, by=current_user, category=form.category.data, text=form.text.data)
        except RuleError as exc:
            status = show_errors(form, exc)
        else:
            return _saved(person, _("Anteckningen är sparad."))
    return render_template("people/note.html", form=form, view=view), status


# --- the register/log extract -----------------------------------------------------------------------------------


@bp.route("/deltagare/registerutdrag", methods=["GET", "POST"])
@requires("person.extract")
def extract():
    form = ExtractForm()
    rows = None
    if form.validate_on_submit():
        fmt = request.form.get("format") if request.form.get("format") in ("csv", "docx") else "page"
        try:
            rows = operations.register_extract(form.number.data, by=current_user, fmt=fmt)
        except RuleError as exc:
            show_errors(form, exc)
        else:
            if fmt == "csv":
                return Response("\ufeff" + documents.extract_csv(form.number.data, rows, by=current_user),
                                mimetype="text/csv; charset=utf-8",
                                headers={"Content-Disposition": 'attachment; filename="registerutdrag.csv"'})
            if fmt == "docx":
                return send_file(io.BytesIO(documents.extract_docx(form.number.data, rows, by=current_user)),
                                 as_attachment=True, download_name="registerutdrag.docx",
                                 mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    status = 400 if form.errors else 200
    return render_template("people/extract.html", form=form, rows=rows, typed=form.number.data,
                           action_label=audit.action_label), status
