"""Pages for deltagare and samtycken: search, register, the person page, consents, disclosures, extract, notices."""
from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import escape
from sqlalchemy import select

from portal import audit, notifications, people
from portal import consent as consents
from portal.audit import AuditEvent
from portal.auth.models import User
from portal.db import MAX_PAGE, db
from portal.forms import ButtonForm, attach_error, fingerprint, is_stale
from portal.orgs import Organisation
from portal.people_forms import (
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
from portal.permissions import check, login_only, requires

bp = Blueprint("people", __name__)

PAGE_SIZE = 25


def init_app(app) -> None:
    from portal.demo import register_seeder
    from portal.templating import add_nav

    app.register_blueprint(bp)
    add_nav("people.index", _l("Deltagare"), "person.view",
            _l("Sök och registrera deltagare, samtycken och utlämnanden."))
    add_nav("people.expiring", _l("Samtycken som går ut"), "consent.register",
            _l("Samtycken som slutar gälla inom 30 dagar och behöver förnyas."))
    add_nav("people.disclosures", _l("Utlämnanden"), "disclosure.review",
            _l("Organisationens utlämnanden utan samtycke, för granskning."))
    add_nav("people.extract", _l("Registerutdrag"), "person.extract",
            _l("Register- och loggutdrag för en person som begär det (GDPR art. 15)."))
    add_nav("people.notices", _l("Meddelanden"), None, _UnreadNotices())
    from portal.demo_people import seed_people

    register_seeder(seed_people)

    @app.cli.command("consent-reminders")
    def consent_reminders():
        """Skapa påminnelser om samtycken som går ut inom 30 dagar."""
        count = consents.notify_expiring()
        db.session.commit()
        print(f"{count} påminnelser skapade.")


class _UnreadNotices:
    """The start-page card text for notices, counted when the card is rendered (the start page shows notices)."""

    def __str__(self) -> str:
        count = notifications.unread_count(current_user) if current_user.is_authenticated else 0
        if count:
            return ngettext("Du har %(num)s oläst meddelande.", "Du har %(num)s olästa meddelanden.", count)
        return _("Meddelanden till dig och din organisation. Inga olästa.")

    def __html__(self) -> str:
        return str(escape(str(self)))


# --- loaders -----------------------------------------------------------------------------------------------


def _person(person_id: int) -> people.Person:
    person = db.session.get(people.Person, person_id)
    if person is None:
        abort(404)
    return person


def _require_link(person: people.Person) -> None:
    """Changes to a person are made by an organisation that works with them (registered them)."""
    check(people.is_linked(current_user.organisation_id, person.id), "person.not_linked", person_id=person.id)


def _consent(person: people.Person, consent_id: int) -> consents.Consent:
    consent = db.session.get(consents.Consent, consent_id)
    if consent is None or consent.person_id != person.id:
        abort(404)
    return consent


def _involved(consent: consents.Consent) -> bool:
    return current_user.organisation_id == consent.recorded_by_org_id or \
        current_user.organisation_id in consent.organisation_ids


def _purpose() -> str:
    purpose = request.args.get("syfte", consents.DEFAULT_PURPOSE)
    return purpose if purpose in consents.PURPOSES else consents.DEFAULT_PURPOSE


def _kommun_choices():
    return people.kommun_choices()


# --- search and register ------------------------------------------------------------------------------------


@bp.route("/deltagare", methods=["GET", "POST"])
@requires("person.view")
def index():
    # Searches are POSTed so a personnummer never ends up in URLs, server logs or browser history.
    source = request.form if request.method == "POST" else request.args
    query = (source.get("q") or "").strip()[:100]
    page = min(max(source.get("page", 1, type=int) or 1, 1), MAX_PAGE)
    ids = people.search_ids(current_user, query)
    total = len(ids)
    page_ids = ids[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    views = consents.gate(current_user, page_ids) if page_ids else []
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return render_template("people/index.html", views=views, query=query, page=page, pages=pages, total=total)


@bp.route("/deltagare/ny", methods=["GET", "POST"])
@requires("person.register")
def register():
    form = RegisterPersonForm()
    form.home_kommun.choices = _kommun_choices()
    if form.validate_on_submit():
        try:
            person, created = people.register_person(
                by=current_user, first_name=form.first_name.data, last_name=form.last_name.data,
                number=form.number.data or "", reserve_number=form.reserve_number.data or "",
                birth_date=form.birth_date.data, home_kommun=form.home_kommun.data,
                is_protected=form.is_protected.data, address=form.address.data or "",
                postal_code=form.postal_code.data or "", city=form.city.data or "", phone=form.phone.data or "",
                email=form.email.data or "")
        except people.PersonError as exc:
            attach_error(form, exc.field, str(exc))
        else:
            # Same message either way: whether anyone else holds the number is not ours to tell.
            flash(_("Deltagaren är registrerad för din organisation."), "success")
            return redirect(url_for("people.show", person_id=person.id))
    return render_template("people/register.html", form=form), 400 if form.is_submitted() else 200


# --- the person page ---------------------------------------------------------------------------------------


@bp.route("/deltagare/<int:person_id>")
@requires("person.view")
def show(person_id: int):
    person = _person(person_id)
    purpose = _purpose()
    view = consents.gate(current_user, person, purpose)
    org_names = {}
    consent_rows = []
    if view.allowed:
        org_names = {row.organisation_id: row.organisation.name for row in view.contacts + view.guardians + view.notes}
        # Whether consent holds is the first thing a caseworker needs to know: each one's state, at a glance.
        on = people.today()
        consent_rows = [(c, c.state(person.birth_date, on)) for c in consents.consents_visible_to(current_user, person)]
    return render_template("people/show.html", view=view, purpose=purpose, purposes=consents.PURPOSES,
                           categories=consents.CATEGORIES, org_names=org_names, id_kinds=people.ID_KINDS,
                           consent_rows=consent_rows, state_labels=consents.STATE_LABELS)


def _edit_page(person_id: int, form_class, template: str, operation, *, fill=None, success: str, version=None):
    """Shared flow for the small forms a linked organisation uses to change its own records."""
    person = _person(person_id)
    _require_link(person)
    view = consents.gate(current_user, person)
    form = form_class(obj=fill(person) if fill and request.method == "GET" else None)
    if hasattr(form, "home_kommun"):
        form.home_kommun.choices = _kommun_choices()
        if request.method == "GET":
            form.home_kommun.data = person.home_kommun or ""
    if version is not None:
        current = version(person)
        if not form.is_submitted():
            form.version.data = current
        elif is_stale(form, current):
            return render_template(template, form=form, view=view), 409
    if form.validate_on_submit():
        try:
            operation(person, form)
        except people.PersonError as exc:
            attach_error(form, exc.field, str(exc))
        else:
            flash(success, "success")
            return redirect(url_for("people.show", person_id=person.id))
    return render_template(template, form=form, view=view), 400 if form.is_submitted() else 200


@bp.route("/deltagare/<int:person_id>/andra", methods=["GET", "POST"])
@requires("person.register")
def edit(person_id: int):
    def operation(person, form):
        people.update_identity(person, by=current_user, first_name=form.first_name.data,
                               last_name=form.last_name.data, home_kommun=form.home_kommun.data,
                               is_protected=form.is_protected.data)

    def version(person):
        return fingerprint(person.first_name, person.last_name, person.home_kommun, person.is_protected)

    return _edit_page(person_id, IdentityForm, "people/edit.html", operation, fill=lambda p: p,
                      success=_("Uppgifterna är sparade."), version=version)


@bp.route("/deltagare/<int:person_id>/kontakt", methods=["GET", "POST"])
@requires("person.register")
def contact(person_id: int):
    def fill(person):
        return db.session.scalar(select(people.ContactDetails).where(
            people.ContactDetails.person_id == person.id,
            people.ContactDetails.organisation_id == current_user.organisation_id))

    def operation(person, form):
        people.set_contact(person, by=current_user, address=form.address.data or "",
                           postal_code=form.postal_code.data or "", city=form.city.data or "",
                           phone=form.phone.data or "", email=form.email.data or "")

    return _edit_page(person_id, ContactForm, "people/contact.html", operation, fill=fill,
                      success=_("Kontaktuppgifterna är sparade."))


@bp.route("/deltagare/<int:person_id>/vardnadshavare", methods=["GET", "POST"])
@requires("person.register")
def guardian(person_id: int):
    def operation(person, form):
        people.add_guardian(person, by=current_user, name=form.name.data, relation=form.relation.data or "",
                            phone=form.phone.data or "", email=form.email.data or "")

    return _edit_page(person_id, GuardianForm, "people/guardian.html", operation,
                      success=_("Vårdnadshavaren är tillagd."))


@bp.route("/deltagare/<int:person_id>/anteckning", methods=["GET", "POST"])
@requires("person.register")
def note(person_id: int):
    def operation(person, form):
        people.add_note(person, by=current_user, category=form.category.data, text=form.text.data)

    return _edit_page(person_id, NoteForm, "people/note.html", operation, success=_("Anteckningen är sparad."))


# --- consents ------------------------------------------------------------------------------------------------


@bp.route("/deltagare/<int:person_id>/samtycken")
@requires("person.view")
def consent_list(person_id: int):
    person = _person(person_id)
    view = consents.gate(current_user, person)
    history = consents.consents_visible_to(current_user, person) if view.allowed else []
    on = people.today()
    states = {c.id: c.state(person.birth_date, on) for c in history}
    return render_template("people/consents.html", view=view, history=history, states=states,
                           state_labels=consents.STATE_LABELS, purposes=consents.PURPOSES,
                           categories=consents.CATEGORIES, methods=consents.METHODS, button=ButtonForm())


def _consent_form_setup(form: ConsentForm, person: people.Person, supersedes: consents.Consent | None) -> None:
    others = db.session.scalars(select(Organisation).where(
        Organisation.is_active.is_(True), Organisation.id != current_user.organisation_id
    ).order_by(Organisation.name)).all()
    form.organisations.choices = [(o.id, o.name) for o in others]
    if request.method == "GET":
        start = people.today()
        form.valid_from.data = start
        form.valid_until.data = consents.default_valid_until(person, start)
        # Someone already 20 or older can only give a consent that runs past their 20th birthday.
        form.is_past_twenty_stated.data = people.age_on(person.birth_date, start) >= 20
        form.given_by_person.data = person.age() >= consents.minors_policy().guardian_required_under
        if person.age() < consents.minors_policy().adult_age:
            # Offer the guardians this organisation has recorded; it never sees other organisations' ones here.
            own = db.session.scalars(select(people.Guardian.name).where(
                people.Guardian.person_id == person.id,
                people.Guardian.organisation_id == current_user.organisation_id).order_by(people.Guardian.id)).all()
            names = list(own) + ["", ""]
            form.guardian_1.data, form.guardian_2.data = names[0], names[1]
        if supersedes is not None:
            form.organisations.data = sorted(supersedes.organisation_ids - {current_user.organisation_id})
            form.purposes.data = list(supersedes.purposes)
            form.purpose_other.data = supersedes.purpose_other
            form.categories.data = list(supersedes.categories)
            form.given_by_person.data = supersedes.is_given_by_person
            names = list(supersedes.guardian_names) + ["", ""]
            form.guardian_1.data, form.guardian_2.data = names[0], names[1]


@bp.route("/deltagare/<int:person_id>/samtycken/nytt", methods=["GET", "POST"])
@requires("consent.register")
def consent_new(person_id: int):
    person = _person(person_id)
    _require_link(person)
    supersedes = None
    if request.args.get("ersatter", type=int):
        supersedes = _consent(person, request.args.get("ersatter", type=int))
        check(_involved(supersedes), "consent.not_involved", obj=supersedes, person_id=person.id)
    view = consents.gate(current_user, person)
    form = ConsentForm()
    _consent_form_setup(form, person, supersedes)
    policy = consents.minors_policy()
    if form.validate_on_submit():
        if request.form.get("action") == "blankett":
            return _consent_form_document(view, form)
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
        except consents.ConsentError as exc:
            for field, message in exc.errors:
                attach_error(form, field, message)
        else:
            flash(_("Samtycket är registrerat."), "success")
            return redirect(url_for("people.consent_list", person_id=person.id))
    return render_template("people/consent_form.html", form=form, view=view, supersedes=supersedes, policy=policy,
                           age=person.age()), 400 if form.is_submitted() else 200


def _consent_form_document(view, form: ConsentForm):
    names = [current_user.organisation.name] + [label for value, label in form.organisations.choices
                                                if value in (form.organisations.data or [])]
    policy = consents.minors_policy()
    age = view.age if view.age is not None else 99
    guardian_lines = 0 if age >= policy.adult_age else (2 if policy.both_guardians or form.guardian_2.data else 1)
    data = consents.consent_form_docx(
        view=view, organisation_names=names, purposes=form.purposes.data or [],
        purpose_other=form.purpose_other.data or "", categories=form.categories.data or [],
        valid_from=form.valid_from.data, valid_until=form.valid_until.data, guardian_lines=guardian_lines)
    audit.record("consent.form", person_id=view.person_id, details={"draft": True})
    return _docx_response(data, f"samtycke-{view.pseudonym}.docx")


def _docx_response(data: bytes, filename: str) -> Response:
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/deltagare/<int:person_id>/samtycken/<int:consent_id>/blankett.docx")
@requires("consent.register")
def consent_document(person_id: int, consent_id: int):
    person = _person(person_id)
    consent = _consent(person, consent_id)
    view = consents.gate(current_user, person)
    check(view.allowed and _involved(consent), "consent.not_involved", obj=consent, person_id=person.id)
    names = [p.organisation.name for p in consent.parties]
    age_at_start = people.age_on(person.birth_date, consent.valid_from)
    policy = consents.minors_policy()
    guardian_lines = 0 if age_at_start >= policy.adult_age else max(len(consent.guardian_names), 1)
    data = consents.consent_form_docx(
        view=view, organisation_names=names, purposes=consent.purposes, purpose_other=consent.purpose_other,
        categories=consent.categories, valid_from=consent.valid_from, valid_until=consent.valid_until,
        guardian_lines=guardian_lines)
    audit.record("consent.form", obj=consent, person_id=person.id)
    return _docx_response(data, f"samtycke-{consent.id}.docx")


@bp.route("/deltagare/<int:person_id>/samtycken/<int:consent_id>/skanning")
@requires("consent.register")
def consent_scan(person_id: int, consent_id: int):
    person = _person(person_id)
    consent = _consent(person, consent_id)
    # The signed form carries signatures and guardians' names: only the organisation that took it opens it.
    check(consent.recorded_by_org_id == current_user.organisation_id, "consent.scan", obj=consent,
          person_id=person.id)
    if consent.scan is None:
        abort(404)
    audit.record("consent.scan.read", obj=consent, person_id=person.id)
    return Response(consent.scan.data, mimetype=consent.scan.content_type,
                    headers={"Content-Disposition": f'attachment; filename="{consent.scan.filename}"'})


@bp.route("/deltagare/<int:person_id>/samtycken/<int:consent_id>/aterkalla", methods=["GET", "POST"])
@requires("consent.register")
def consent_withdraw(person_id: int, consent_id: int):
    person = _person(person_id)
    consent = _consent(person, consent_id)
    check(_involved(consent), "consent.not_involved", obj=consent, person_id=person.id)
    view = consents.gate(current_user, person)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            consents.withdraw_consent(consent, by=current_user, reason=form.reason.data)
        except consents.ConsentError as exc:
            attach_error(form, exc.field, str(exc))
        else:
            flash(_("Samtycket är återkallat och gäller inte längre."), "success")
            return redirect(url_for("people.consent_list", person_id=person.id))
    return render_template("people/withdraw.html", form=form, view=view, consent=consent), \
        400 if form.is_submitted() else 200


@bp.route("/deltagare/samtycken/utgar")
@requires("consent.register")
def expiring():
    rows = consents.expiring(current_user.organisation_id)
    views = consents.gate(current_user, [c.person for c, _last in rows]) if rows else []
    return render_template("people/expiring.html", rows=list(zip(rows, views, strict=True)))


# --- disclosures on another legal basis -------------------------------------------------------------------------


@bp.route("/deltagare/<int:person_id>/utlamnande", methods=["GET", "POST"])
@requires("disclosure.register")
def disclosure_new(person_id: int):
    person = _person(person_id)
    _require_link(person)
    view = consents.gate(current_user, person)
    form = DisclosureForm()
    form.to_org.choices = [(0, _("– Välj –"))] + [(o.id, o.name) for o in db.session.scalars(
        select(Organisation).where(Organisation.id != current_user.organisation_id).order_by(Organisation.name))]
    if request.method == "GET":
        form.disclosed_on.data = people.today()
    if form.validate_on_submit():
        try:
            consents.record_disclosure(person, by=current_user, to_org_id=form.to_org.data, basis=form.basis.data,
                                       basis_detail=form.basis_detail.data or "",
                                       justification=form.justification.data, categories=form.categories.data or [],
                                       disclosed_on=form.disclosed_on.data)
        except consents.ConsentError as exc:
            attach_error(form, exc.field, str(exc))
        else:
            flash(_("Utlämnandet är registrerat."), "success")
            return redirect(url_for("people.show", person_id=person.id))
    return render_template("people/disclosure_form.html", form=form, view=view), 400 if form.is_submitted() else 200


@bp.route("/deltagare/utlamnanden")
@requires("disclosure.review")
def disclosures():
    rows = db.session.scalars(select(consents.Disclosure).where(
        consents.Disclosure.from_org_id == current_user.organisation_id
    ).order_by(consents.Disclosure.disclosed_on.desc(), consents.Disclosure.id.desc()).limit(500)).all()
    views = consents.gate(current_user, [r.person_id for r in rows]) if rows else []
    return render_template("people/disclosures.html", rows=list(zip(rows, views, strict=True)),
                           bases=consents.BASES, categories=consents.CATEGORIES)


# --- the register/log extract -----------------------------------------------------------------------------------


def _extract_rows(person: people.Person) -> list[dict]:
    """What the user's organisation did with the person's data: every audit event naming them."""
    events = db.session.execute(
        select(AuditEvent, User.name).outerjoin(User, User.id == AuditEvent.user_id)
        .where(AuditEvent.person_id == person.id, AuditEvent.organisation_id == current_user.organisation_id)
        .order_by(AuditEvent.seq)
    ).all()
    org = current_user.organisation.name
    return [{"when": e.occurred_dt, "user": name or "", "organisation": org, "action": e.action,
             "object": f"{e.object_type or ''} {e.object_id or ''}".strip(),
             "details": e.details if e.details != "{}" else ""} for e, name in events]


@bp.route("/deltagare/registerutdrag", methods=["GET", "POST"])
@requires("person.extract")
def extract():
    form = ExtractForm()
    rows = None
    person = None
    if form.validate_on_submit():
        try:
            parsed = people.parse_id_number(form.number.data)
            person = people.by_number(parsed.kind, parsed.normal)
        except people.PersonError:
            person = people.by_number("reservnummer", " ".join(form.number.data.split()).upper())
            if person is None:
                attach_error(form, "number", _("Ogiltigt personnummer eller samordningsnummer."))
        if not form.errors:
            rows = _extract_rows(person) if person is not None else []
            audit.record("person.extract", person_id=person.id if person else None,
                         details={"rows": len(rows), "format": "page"})
            if request.form.get("format") == "csv":
                return _extract_csv(form.number.data, rows)
    status = 400 if form.errors else 200
    return render_template("people/extract.html", form=form, rows=rows, typed=form.number.data), status


def _extract_csv(typed: str, rows: list[dict]) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow([_("Loggutdrag för %(nr)s, %(org)s", nr=typed, org=current_user.organisation.name)])
    writer.writerow([_("Tidpunkt (UTC)"), _("Användare"), _("Organisation"), _("Händelse"), _("Objekt"),
                     _("Detaljer")])
    for row in rows:
        writer.writerow([row["when"].strftime("%Y-%m-%d %H:%M:%S"), row["user"], row["organisation"],
                         row["action"], row["object"], row["details"]])
    return Response("\ufeff" + buffer.getvalue(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="loggutdrag.csv"'})


# --- notices ------------------------------------------------------------------------------------------------------


@bp.route("/meddelanden")
@login_only
def notices():
    rows = notifications.notices_for(current_user)
    return render_template("people/notices.html", notices=rows, button=ButtonForm())


@bp.route("/meddelanden/<int:notice_id>/last", methods=["POST"])
@login_only
def notice_read(notice_id: int):
    notice = db.session.get(notifications.Notice, notice_id)
    if notice is None:
        abort(404)
    try:
        notifications.mark_read(notice, by=current_user)
    except PermissionError:
        abort(404)
    return redirect(url_for("people.notices"))

