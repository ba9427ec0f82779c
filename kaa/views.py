"""Pages of the KAA register: att kontakta, the register, register a person, an enrolment and its changes, import.

Every view: load (404) → the rule (403, audited) → one operation → render or redirect. Names shown pass the gate.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from kaa import imports, rules, worklist
from kaa import operations as ops
from kaa.forms import (
    ContactForm,
    DeregisterForm,
    GuardianMarkForm,
    ImportForm,
    MeasureForm,
    OccupationForm,
    RegisterForm,
    ReregisterForm,
)
from kaa.models import DEREGISTRATION_REASONS, KaaEnrolment
from portal.clock import today
from portal.db import db
from portal.errors import RuleError
from portal.forms import submit, to_int
from portal.people.gate import gate
from portal.permissions import check, requires

bp = Blueprint("kaa", __name__, url_prefix="/kaa")


def load_enrolment(enrolment_id: int, need: str = "work") -> KaaEnrolment:
    """The enrolment for the kommun's KAA staff ("work"), or for whoever the gate lets read it ("read")."""
    enrolment = db.session.get(KaaEnrolment, enrolment_id)
    if enrolment is None:
        abort(404)
    rule = rules.can_work if need == "work" else rules.can_read
    check(rule(current_user, enrolment), f"kaa:{need}", obj=enrolment, person_id=enrolment.person_id)
    return enrolment


def _kaa_staff() -> None:
    check(rules.can_work_register(current_user), "kaa:not-kaa-staff")


@bp.route("/att-kontakta", endpoint="worklist")
@requires("kaa.work")
def worklist_page():
    _kaa_staff()
    found = worklist.due(current_user)
    views = gate(current_user, [e.person_id for e in found.enrolments], rules.PURPOSE, records=False)
    return render_template("kaa/worklist.html", due=found, rows=list(zip(found.enrolments, views, strict=True)),
                           today=today())


@bp.route("/register")
@requires("kaa.work")
def register_list():
    _kaa_staff()
    state = request.args.get("visa", "open")
    state = state if state in worklist.STATES else "open"
    page = to_int(request.args.get("sida"), minimum=1, maximum=100_000) or 1
    enrolments, total = worklist.register_page(current_user, state, page)
    views = gate(current_user, [e.person_id for e in enrolments], rules.PURPOSE, records=False)
    return render_template("kaa/register.html", rows=list(zip(enrolments, views, strict=True)), total=total,
                           state=state, states=worklist.STATES, page=page,
                           pages=max(1, -(-total // worklist.PAGE_SIZE)), reasons=DEREGISTRATION_REASONS)


@bp.route("/ny", methods=["GET", "POST"])
@requires("kaa.work")
def register():
    _kaa_staff()
    form = RegisterForm()
    if not form.is_submitted():
        form.registered_on.data = today()
    outcome = submit(form, lambda: ops.register(
        by=current_user, first_name=form.first_name.data, last_name=form.last_name.data, number=form.number.data,
        source=form.source.data, registered_on=form.registered_on.data, occupation=form.occupation.data,
        address=form.address.data or "", postal_code=form.postal_code.data or "", city=form.city.data or "",
        phone=form.phone.data or "", email=form.email.data or ""))
    if outcome.done:
        flash(_("Personen är inskriven i KAA-registret."), "success")
        return redirect(url_for(".enrolment", enrolment_id=outcome.result.id), 303)
    return render_template("kaa/register_form.html", form=form), outcome.status


def _render(enrolment: KaaEnrolment, status: int = 200, **forms):
    work = rules.can_work(current_user, enrolment)
    view = gate(current_user, enrolment.person_id, rules.PURPOSE)
    guardians = ops.guardians_to_offer(enrolment, view) if work else []
    contact = forms.get("contact") or ContactForm(prefix="kontakt")
    contact.guardian_id.choices = [("", _("– Välj –"))] + [(str(g.id), f"{g.name} ({g.relation})") for g in guardians]
    if not contact.is_submitted():
        contact.contact_on.data = today()
    occupation = forms.get("occupation") or OccupationForm(prefix="syss", obj=enrolment)
    if not occupation.is_submitted():
        occupation.version.data = str(enrolment.version)
        occupation.since.data = enrolment.occupation_since
    deregister = forms.get("deregister") or DeregisterForm(prefix="avreg")
    if not deregister.is_submitted():
        deregister.version.data, deregister.on.data = str(enrolment.version), today()
    reregister = forms.get("reregister") or ReregisterForm(prefix="igen")
    if not reregister.is_submitted():
        reregister.registered_on.data = today()
    from kaa.worklist import enrolments_of

    return render_template(
        "kaa/enrolment.html", enrolment=enrolment, view=view, work=work, guardians=guardians,
        all_guardians=view.guardians if work else [], blocked=set(enrolment.no_contact_guardians or []),
        contact_form=contact, measure_form=forms.get("measure") or MeasureForm(prefix="insats"),
        occupation_form=occupation, deregister_form=deregister, reregister_form=reregister,
        mark_form=GuardianMarkForm(prefix="vh"), in_measure=ops.in_measure(enrolment),
        history=[e for e in enrolments_of(enrolment.person_id) if e.id != enrolment.id and rules.can_read(
            current_user, e)] if work else []), status


@bp.route("/inskrivning/<int:enrolment_id>")
@requires("person.view")
def enrolment(enrolment_id: int):
    return _render(load_enrolment(enrolment_id, need="read"))


def _closed(enrolment: KaaEnrolment):
    """A form for an open enrolment posted after it closed (a second click, another tab): say so, change nothing."""
    if enrolment.is_open:
        return None
    flash(_("Inskrivningen är redan avslutad. Inget har ändrats."), "error")
    return redirect(url_for(".enrolment", enrolment_id=enrolment.id), 303)


def _done(enrolment: KaaEnrolment, message: str):
    flash(message, "success")
    return redirect(url_for(".enrolment", enrolment_id=enrolment.id), 303)


@bp.route("/inskrivning/<int:enrolment_id>/kontakt", methods=["POST"])
@requires("kaa.work")
def add_contact(enrolment_id: int):
    enrolment = load_enrolment(enrolment_id)
    if (closed := _closed(enrolment)) is not None:
        return closed
    form = ContactForm(prefix="kontakt")
    offered = ops.guardians_to_offer(enrolment, gate(current_user, enrolment.person_id, rules.PURPOSE))
    form.guardian_id.choices = [("", "")] + [(str(g.id), g.name) for g in offered]
    outcome = submit(form, lambda: ops.record_contact(
        enrolment, by=current_user, contact_on=form.contact_on.data, channel=form.channel.data,
        outcome=form.outcome.data, with_whom=form.with_whom.data, declined=form.declined.data,
        guardian_id=form.guardian_id.data, note=form.note.data or "", offered=offered))
    if outcome.done:
        return _done(enrolment, _("Kontakten är registrerad. Nästa kontakt: %(day)s.",
                                  day=enrolment.next_contact_on.isoformat()))
    return _render(enrolment, outcome.status, contact=form)


@bp.route("/inskrivning/<int:enrolment_id>/insats", methods=["POST"])
@requires("kaa.work")
def add_measure(enrolment_id: int):
    enrolment = load_enrolment(enrolment_id)
    if (closed := _closed(enrolment)) is not None:
        return closed
    form = MeasureForm(prefix="insats")
    outcome = submit(form, lambda: ops.add_measure(
        enrolment, by=current_user, content=form.content.data or "", offered_on=form.offered_on.data,
        answer=form.answer.data or "", start_on=form.start_on.data, end_on=form.end_on.data))
    if outcome.done:
        return _done(enrolment, _("Insatsen är registrerad."))
    return _render(enrolment, outcome.status, measure=form)


@bp.route("/inskrivning/<int:enrolment_id>/sysselsattning", methods=["POST"])
@requires("kaa.work")
def change_occupation(enrolment_id: int):
    enrolment = load_enrolment(enrolment_id)
    if (closed := _closed(enrolment)) is not None:
        return closed
    form = OccupationForm(prefix="syss")
    outcome = submit(form, lambda: ops.change_occupation(
        enrolment, by=current_user, occupation=form.occupation.data, since=form.since.data,
        planned=form.planned_occupation.data or "", expected_version=form.version.data))
    if outcome.done:
        return _done(enrolment, _("Sysselsättningen är ändrad."))
    return _render(enrolment, outcome.status, occupation=form)


@bp.route("/inskrivning/<int:enrolment_id>/avregistrera", methods=["POST"])
@requires("kaa.work")
def deregister(enrolment_id: int):
    enrolment = load_enrolment(enrolment_id)
    if (closed := _closed(enrolment)) is not None:
        return closed
    form = DeregisterForm(prefix="avreg")
    outcome = submit(form, lambda: ops.deregister(
        enrolment, by=current_user, reason=form.reason.data, on=form.on.data, note=form.note.data or "",
        expected_version=form.version.data))
    if outcome.done:
        return _done(enrolment, _("Personen är avregistrerad ur KAA-registret."))
    return _render(enrolment, outcome.status, deregister=form)


@bp.route("/inskrivning/<int:enrolment_id>/skriv-in-igen", methods=["POST"])
@requires("kaa.work")
def reregister(enrolment_id: int):
    enrolment = load_enrolment(enrolment_id)
    form = ReregisterForm(prefix="igen")
    outcome = submit(form, lambda: ops.reregister(enrolment, by=current_user, source=form.source.data,
                                                  registered_on=form.registered_on.data))
    if outcome.done:
        return _done(outcome.result, _("Personen är inskriven igen."))
    return _render(enrolment, outcome.status, reregister=form)


@bp.route("/inskrivning/<int:enrolment_id>/vardnadshavare", methods=["POST"])
@requires("kaa.work")
def mark_guardian(enrolment_id: int):
    enrolment = load_enrolment(enrolment_id)
    if (closed := _closed(enrolment)) is not None:
        return closed
    form = GuardianMarkForm(prefix="vh")
    try:
        ops.mark_guardian(enrolment, by=current_user, guardian_id=form.guardian_id.data,
                          no_contact=form.no_contact.data == "1")
    except RuleError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".enrolment", enrolment_id=enrolment.id), 303)
    return _done(enrolment, _("Vårdnadshavarens kontaktmarkering är ändrad."))


@bp.route("/inlasning", methods=["GET", "POST"])
@requires("kaa.work")
def import_file():
    _kaa_staff()
    form = ImportForm()
    data = form.file.data.read() if form.is_submitted() and hasattr(form.file.data, "read") else b""
    outcome = submit(form, lambda: imports.run_import(data, by=current_user, source=form.source.data or "annat"))
    if outcome.done:
        return render_template("kaa/import_report.html", report=outcome.result)
    return render_template("kaa/import.html", form=form), outcome.status
