"""Pages for agreements: list, revisions (read, edit, propose, adopt, compare, document), goals, import."""
from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from agreements import diff, document, goals, importer
from agreements import operations as ops
from agreements.forms import (
    AdoptForm,
    AgreementForm,
    AppendixForm,
    CommentForm,
    CsvForm,
    GoalForm,
    ImportForm,
    MeasurementForm,
    MilestoneForm,
    PartyPersonForm,
    RevisionForm,
    ScanForm,
    TitleForm,
)
from agreements.models import Agreement, Goal, Revision
from portal.db import db
from portal.forms import attach_error
from portal.orgs import Organisation
from portal.permissions import (
    can_adopt_agreement,
    can_comment_agreement_revision,
    can_read_agreement_revision,
    can_revise_agreement,
    check,
    is_party_staff,
    requires,
)

bp = Blueprint("agreements", __name__, url_prefix="/overenskommelser")


# --- Loaders: 404 first, then the record rule (403) -----------------------------------------------------


def _agreement(agreement_id: int) -> Agreement:
    agreement = db.session.get(Agreement, agreement_id)
    if agreement is None:
        abort(404)
    check(is_party_staff(current_user, agreement.party_org_ids), "agreement:not-party", obj=agreement)
    return agreement


def _revision(agreement_id: int, number: int) -> Revision:
    agreement = _agreement(agreement_id)
    revision = next((r for r in agreement.revisions if r.number == number), None)
    if revision is None:
        abort(404)
    check(can_read_agreement_revision(current_user, agreement.party_org_ids, revision.state),
          "agreement:revision-read", obj=revision)
    return revision


def _check_revise(agreement: Agreement) -> None:
    check(can_revise_agreement(current_user, agreement.party_org_ids), "agreement:revise", obj=agreement)


def _goal(agreement_id: int, goal_id: int) -> Goal:
    agreement = _agreement(agreement_id)
    goal = db.session.get(Goal, goal_id)
    if goal is None or goal.agreement_id != agreement.id:
        abort(404)
    return goal


def _visible_revisions(agreement: Agreement) -> list[Revision]:
    return [r for r in agreement.revisions
            if can_read_agreement_revision(current_user, agreement.party_org_ids, r.state)]


# --- Agreements ----------------------------------------------------------------------------------------


@bp.route("/")
@requires("agreement.read")
def index():
    return render_template("agreements/index.html", agreements=ops.agreements_for(current_user))


@bp.route("/ny", methods=["GET", "POST"])
@requires("agreement.revise")
def create():
    form = AgreementForm()
    organisations = db.session.scalars(select(Organisation).where(Organisation.is_active.is_(True))
                                       .order_by(Organisation.name)).all()
    form.parties.choices = [(o.id, f"{o.name} ({o.orgnr})") for o in organisations]
    if form.validate_on_submit():
        chosen = [o for o in organisations if o.id in (form.parties.data or [])]
        if current_user.organisation_id not in {o.id for o in chosen} and \
                current_user.organisation.parent_id not in {o.id for o in chosen}:
            attach_error(form, "parties", _("Din egen organisation måste vara part i överenskommelsen."))
        else:
            try:
                agreement = ops.create_agreement(title=form.title.data, diarienummer=form.diarienummer.data,
                                                 parties=chosen, valid_from=form.valid_from.data,
                                                 valid_to=form.valid_to.data)
            except ops.AgreementError as exc:
                attach_error(form, exc.field, str(exc))
            else:
                flash(_("Överenskommelsen är skapad med revision 1 som utkast."), "success")
                return redirect(url_for(".edit", agreement_id=agreement.id, number=1))
    return render_template("agreements/create.html", form=form), 400 if form.errors else 200


def _render_show(agreement: Agreement, person_form: PartyPersonForm | None = None, status: int = 200):
    goal_figures = [(g, goals.figures(g)) for g in agreement.goals]
    may_revise = can_revise_agreement(current_user, agreement.party_org_ids)
    if person_form is None:
        person_form = PartyPersonForm(prefix="person")
    person_form.party.choices = [(p.id, p.name) for p in agreement.parties]
    return render_template("agreements/show.html", agreement=agreement, revisions=_visible_revisions(agreement),
                           goal_figures=goal_figures, status_css=goals.STATUS_CSS, may_revise=may_revise,
                           person_form=person_form), status


@bp.route("/<int:agreement_id>")
@requires("agreement.read")
def show(agreement_id: int):
    return _render_show(_agreement(agreement_id))


@bp.route("/<int:agreement_id>/personer", methods=["POST"])
@requires("agreement.revise")
def add_person(agreement_id: int):
    agreement = _agreement(agreement_id)
    _check_revise(agreement)
    form = PartyPersonForm(prefix="person")
    if form.validate_on_submit():
        party = next((p for p in agreement.parties if p.id == form.party.data), None)
        if party is None:
            attach_error(form, "party", _("Välj en av överenskommelsens parter."))
        else:
            try:
                ops.add_party_person(party, name=form.name.data, title=form.title.data,
                                     email=form.email.data or None, is_signatory=form.is_signatory.data,
                                     is_contact=form.is_contact.data)
            except ops.AgreementError as exc:
                attach_error(form, exc.field, str(exc))
            else:
                flash(_("%(name)s är tillagd hos %(party)s.", name=form.name.data, party=party.name), "success")
                return redirect(url_for(".show", agreement_id=agreement_id))
    return _render_show(agreement, form, 400)


# --- Revisions -----------------------------------------------------------------------------------------


@bp.route("/<int:agreement_id>/revisioner/<int:number>")
@requires("agreement.read")
def revision(agreement_id: int, number: int):
    rev = _revision(agreement_id, number)
    parties = rev.agreement.party_org_ids
    return render_template(
        "agreements/revision.html", revision=rev, agreement=rev.agreement, comment_form=CommentForm(),
        scan_form=ScanForm(), may_revise=can_revise_agreement(current_user, parties),
        may_adopt=can_adopt_agreement(current_user, parties),
        may_comment=can_comment_agreement_revision(current_user, parties, rev.state),
        goal_rows=document.goal_rows(rev), previous=document.previous_revision(rev))


@bp.route("/<int:agreement_id>/revisioner/ny", methods=["POST"])
@requires("agreement.revise")
def new_revision(agreement_id: int):
    agreement = _agreement(agreement_id)
    _check_revise(agreement)
    try:
        rev = ops.new_revision(agreement)
    except ops.AgreementError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".show", agreement_id=agreement.id)), 303
    flash(_("Revision %(n)s är skapad som utkast, en kopia av den senast antagna.", n=rev.number), "success")
    return redirect(url_for(".edit", agreement_id=agreement.id, number=rev.number))


def _posted_sections(rev: Revision) -> list[ops.SectionInput]:
    items = []
    for s in rev.sections:
        position = request.form.get(f"section-{s.id}-position", str(s.position))
        items.append(ops.SectionInput(
            id=s.id, title=request.form.get(f"section-{s.id}-title", s.title),
            body=request.form.get(f"section-{s.id}-body", s.body),
            position=int(position) if position.strip().lstrip("-").isdigit() else s.position))
    return items


def _posted_appendices(rev: Revision) -> list[ops.AppendixInput]:
    items = []
    for a in rev.appendices:
        position = request.form.get(f"appendix-{a.id}-position", str(a.position))
        items.append(ops.AppendixInput(
            id=a.id, number=request.form.get(f"appendix-{a.id}-number", a.number),
            title=request.form.get(f"appendix-{a.id}-title", a.title),
            body=request.form.get(f"appendix-{a.id}-body", a.body),
            position=int(position) if position.strip().lstrip("-").isdigit() else a.position,
            routines={r.id: request.form.get(f"routine-{r.id}-steps", ops.steps_as_text(r)) for r in a.routines}))
    return items


@bp.route("/<int:agreement_id>/revisioner/<int:number>/redigera", methods=["GET", "POST"])
@requires("agreement.revise")
def edit(agreement_id: int, number: int):
    rev = _revision(agreement_id, number)
    _check_revise(rev.agreement)
    if not rev.is_editable:
        return _not_a_draft(rev)
    form = RevisionForm(obj=rev) if request.method == "GET" else RevisionForm()
    if request.method == "GET":
        form.version.data = str(rev.version)
        form.signatories.data = ops.signatories_as_text(rev)
    stale = None
    status = 200
    if form.validate_on_submit():
        try:
            ops.save_draft(rev, expected_version=int(form.version.data or 0), valid_from=form.valid_from.data,
                           valid_to=form.valid_to.data, next_revision_due=form.next_revision_due.data,
                           place=form.place.data, change_summary=form.change_summary.data,
                           sections=_posted_sections(rev), appendices=_posted_appendices(rev),
                           signatories=form.signatories.data)
        except ops.StaleRevision as exc:
            stale, status = exc.current, 409
            attach_error(form, None, str(exc))
        except StaleDataError:
            db.session.rollback()
            flash(_("Utkastet sparades samtidigt av någon annan. Ladda om sidan och gör om ändringen."), "error")
            return redirect(url_for(".edit", agreement_id=agreement_id, number=number)), 303
        except ops.AgreementError as exc:
            attach_error(form, exc.field if hasattr(form, exc.field or "") else None, str(exc))
            status = 400
        else:
            flash(_("Utkastet är sparat."), "success")
            return redirect(url_for(".edit", agreement_id=agreement_id, number=number))
    elif request.method == "POST":
        status = 400
    posted = request.form if request.method == "POST" else None
    return _render_edit(rev, status, form=form, posted=posted, stale=stale)


def _not_a_draft(rev):
    flash(_("Revision %(n)s är inte ett utkast och kan inte ändras.", n=rev.number), "error")
    return redirect(url_for(".revision", agreement_id=rev.agreement_id, number=rev.number))


def _render_edit(rev, status: int, *, form=None, posted=None, stale=None, section_form=None, appendix_form=None):
    """The draft's edit page; the small add-forms come back here with their errors beside the field."""
    if form is None:
        form = RevisionForm(obj=rev, formdata=None)
        form.version.data = str(rev.version)
        form.signatories.data = ops.signatories_as_text(rev)
    return render_template("agreements/edit.html", revision=rev, agreement=rev.agreement, form=form,
                           posted=posted, stale=stale, section_form=section_form or TitleForm(prefix="ny"),
                           appendix_form=appendix_form or AppendixForm(prefix="bilaga"),
                           steps_as_text=ops.steps_as_text), status


@bp.route("/<int:agreement_id>/revisioner/<int:number>/avsnitt", methods=["POST"])
@requires("agreement.revise")
def add_section(agreement_id: int, number: int):
    rev = _revision(agreement_id, number)
    _check_revise(rev.agreement)
    if not rev.is_editable:
        return _not_a_draft(rev)
    form = TitleForm(prefix="ny")
    if not form.validate_on_submit():
        return _render_edit(rev, 400, section_form=form)
    try:
        ops.add_section(rev, title=form.title.data)
    except ops.AgreementError as exc:
        attach_error(form, "title", str(exc))
        return _render_edit(rev, 400, section_form=form)
    flash(_("Avsnittet är tillagt sist i utkastet."), "success")
    return redirect(url_for(".edit", agreement_id=agreement_id, number=number))


@bp.route("/<int:agreement_id>/revisioner/<int:number>/avsnitt/<int:section_id>/ta-bort", methods=["POST"])
@requires("agreement.revise")
def remove_section(agreement_id: int, number: int, section_id: int):
    rev = _revision(agreement_id, number)
    _check_revise(rev.agreement)
    section = next((s for s in rev.sections if s.id == section_id), None)
    if section is None:
        abort(404)
    try:
        ops.remove_section(rev, section)
    except ops.AgreementError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".revision", agreement_id=agreement_id, number=number)), 303
    flash(_("Avsnittet %(title)s är borttaget ur utkastet.", title=section.title), "success")
    return redirect(url_for(".edit", agreement_id=agreement_id, number=number))


@bp.route("/<int:agreement_id>/revisioner/<int:number>/bilagor", methods=["POST"])
@requires("agreement.revise")
def add_appendix(agreement_id: int, number: int):
    rev = _revision(agreement_id, number)
    _check_revise(rev.agreement)
    if not rev.is_editable:
        return _not_a_draft(rev)
    form = AppendixForm(prefix="bilaga")
    if not form.validate_on_submit():
        return _render_edit(rev, 400, appendix_form=form)
    try:
        ops.add_appendix(rev, number=form.number.data, title=form.title.data)
    except ops.AgreementError as exc:
        attach_error(form, exc.field if exc.field in ("number", "title") else None, str(exc))
        return _render_edit(rev, 400, appendix_form=form)
    flash(_("Bilagan är tillagd."), "success")
    return redirect(url_for(".edit", agreement_id=agreement_id, number=number))


@bp.route("/<int:agreement_id>/revisioner/<int:number>/bilagor/<int:appendix_id>/rutiner", methods=["POST"])
@requires("agreement.revise")
def add_routine(agreement_id: int, number: int, appendix_id: int):
    rev = _revision(agreement_id, number)
    _check_revise(rev.agreement)
    appendix = next((a for a in rev.appendices if a.id == appendix_id), None)
    if appendix is None:
        abort(404)
    try:
        ops.add_routine(appendix, title=request.form.get("title", ""))
    except ops.AgreementError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".edit", agreement_id=agreement_id, number=number)), 303
    flash(_("Rutinen är tillagd; skriv in stegen och spara."), "success")
    return redirect(url_for(".edit", agreement_id=agreement_id, number=number))


def _transition(agreement_id: int, number: int, action, message: str):
    rev = _revision(agreement_id, number)
    _check_revise(rev.agreement)
    try:
        action(rev)
    except ops.AgreementError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".revision", agreement_id=agreement_id, number=number)), 303
    flash(message, "success")
    return redirect(url_for(".revision", agreement_id=agreement_id, number=number))


@bp.route("/<int:agreement_id>/revisioner/<int:number>/foresla", methods=["POST"])
@requires("agreement.revise")
def propose(agreement_id: int, number: int):
    return _transition(agreement_id, number, ops.propose,
                       _("Revisionen är föreslagen. Styrgruppen kan nu kommentera och anta den."))


@bp.route("/<int:agreement_id>/revisioner/<int:number>/till-utkast", methods=["POST"])
@requires("agreement.revise")
def withdraw(agreement_id: int, number: int):
    return _transition(agreement_id, number, ops.withdraw_proposal,
                       _("Förslaget är tillbaka som utkast och kan ändras."))


@bp.route("/<int:agreement_id>/revisioner/<int:number>/anta", methods=["GET", "POST"])
@requires("agreement.adopt")
def adopt(agreement_id: int, number: int):
    rev = _revision(agreement_id, number)
    check(can_adopt_agreement(current_user, rev.agreement.party_org_ids), "agreement:adopt", obj=rev)
    form = AdoptForm()
    if form.validate_on_submit():
        try:
            ops.adopt(rev, adopted_on=form.adopted_on.data)
        except ops.AgreementError as exc:
            attach_error(form, exc.field, str(exc))
        else:
            flash(_("Revision %(n)s är antagen. Den kan inte längre ändras.", n=rev.number), "success")
            return redirect(url_for(".revision", agreement_id=agreement_id, number=number))
    return render_template("agreements/adopt.html", revision=rev, agreement=rev.agreement, form=form), \
        400 if form.errors else 200


@bp.route("/<int:agreement_id>/revisioner/<int:number>/kommentarer", methods=["POST"])
@requires("agreement.comment")
def comment(agreement_id: int, number: int):
    rev = _revision(agreement_id, number)
    check(can_comment_agreement_revision(current_user, rev.agreement.party_org_ids, rev.state),
          "agreement:comment", obj=rev)
    form = CommentForm()
    try:
        if not form.validate_on_submit():
            raise ops.AgreementError(_("Skriv en kommentar."), field="body")
        ops.add_comment(rev, body=form.body.data, by=current_user)
    except ops.AgreementError as exc:
        attach_error(form, exc.field, str(exc))
        parties = rev.agreement.party_org_ids
        return render_template(
            "agreements/revision.html", revision=rev, agreement=rev.agreement, comment_form=form,
            scan_form=ScanForm(), may_revise=can_revise_agreement(current_user, parties),
            may_adopt=can_adopt_agreement(current_user, parties), may_comment=True,
            goal_rows=document.goal_rows(rev), previous=document.previous_revision(rev)), 400
    flash(_("Din kommentar är sparad."), "success")
    return redirect(url_for(".revision", agreement_id=agreement_id, number=number) + "#kommentarer")


@bp.route("/<int:agreement_id>/revisioner/<int:number>/underskriven-kopia", methods=["POST"])
@requires("agreement.read")
def upload_scan(agreement_id: int, number: int):
    rev = _revision(agreement_id, number)
    parties = rev.agreement.party_org_ids
    check(can_revise_agreement(current_user, parties) or can_adopt_agreement(current_user, parties),
          "agreement:scan", obj=rev)
    form = ScanForm()
    upload = form.scan.data
    try:
        ops.upload_scan(rev, filename=getattr(upload, "filename", "") or "",
                        data=upload.read() if upload else b"")
    except ops.AgreementError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".revision", agreement_id=agreement_id, number=number)), 303
    flash(_("Den underskrivna kopian är uppladdad."), "success")
    return redirect(url_for(".revision", agreement_id=agreement_id, number=number))


@bp.route("/<int:agreement_id>/revisioner/<int:number>/underskriven-kopia")
@requires("agreement.read")
def download_scan(agreement_id: int, number: int):
    rev = _revision(agreement_id, number)
    if not rev.scan_data:
        abort(404)
    return send_file(io.BytesIO(rev.scan_data), mimetype=rev.scan_mimetype, as_attachment=True,
                     download_name=rev.scan_filename)


@bp.route("/<int:agreement_id>/revisioner/<int:number>/dokument.docx")
@requires("agreement.read")
def download_document(agreement_id: int, number: int):
    rev = _revision(agreement_id, number)
    return send_file(io.BytesIO(document.to_bytes(rev)), as_attachment=True, download_name=document.filename(rev),
                     mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document")


@bp.route("/<int:agreement_id>/jamfor")
@requires("agreement.read")
def compare(agreement_id: int):
    agreement = _agreement(agreement_id)
    visible = _visible_revisions(agreement)
    if len(visible) < 2:
        flash(_("Det finns bara en revision; det finns inget att jämföra med."), "warning")
        return redirect(url_for(".show", agreement_id=agreement_id))
    numbers = {r.number: r for r in visible}
    old = numbers.get(request.args.get("fran", type=int) or visible[-2].number)
    new = numbers.get(request.args.get("till", type=int) or visible[-1].number)
    if old is None or new is None:
        abort(404)
    return render_template("agreements/compare.html", agreement=agreement, old=old, new=new, revisions=visible,
                           changes=diff.compare(old, new), summary=diff.summary(old, new))


@bp.route("/<int:agreement_id>/revisioner/<int:number>/importera", methods=["GET", "POST"])
@requires("agreement.revise")
def import_document(agreement_id: int, number: int):
    rev = _revision(agreement_id, number)
    _check_revise(rev.agreement)
    form = ImportForm()
    result = None
    if form.validate_on_submit():
        upload = form.document.data
        try:
            if not upload:
                raise importer.ImportError_(_("Välj en .docx-fil att läsa in."))
            result = importer.read(upload.read(), upload.filename or "")
            ops.apply_import(rev, result)
        except (importer.ImportError_, ops.AgreementError) as exc:
            attach_error(form, "document", str(exc))
            result = None
        else:
            flash(_("Dokumentet är inläst: %(n)s avsnitt fyllda i utkastet.", n=len(result.sections)), "success")
    return render_template("agreements/import.html", revision=rev, agreement=rev.agreement, form=form,
                           result=result), 400 if form.errors else 200


# --- Goals ---------------------------------------------------------------------------------------------


def _goal_values(form: GoalForm) -> dict:
    def number(field):
        return goals.parse_decimal(field.data) if field.data and field.data.strip() else None

    return dict(indicator=form.indicator.data, unit=form.unit.data, target_type=form.target_type.data,
                baseline_value=number(form.baseline_value), baseline_date=form.baseline_date.data,
                target_value=number(form.target_value), target_direction=form.target_direction.data,
                target_date=form.target_date.data, description=form.description.data)


@bp.route("/<int:agreement_id>/mal/nytt", methods=["GET", "POST"])
@requires("agreement.revise")
def create_goal(agreement_id: int):
    agreement = _agreement(agreement_id)
    _check_revise(agreement)
    form = GoalForm()
    if form.validate_on_submit():
        try:
            goal = ops.create_goal(agreement, **_goal_values(form))
        except ops.AgreementError as exc:
            attach_error(form, exc.field, str(exc))
        else:
            flash(_("Målet är tillagt."), "success")
            return redirect(url_for(".goal", agreement_id=agreement_id, goal_id=goal.id))
    return render_template("agreements/goal_form.html", agreement=agreement, form=form, goal=None), \
        400 if form.errors else 200


@bp.route("/<int:agreement_id>/mal/<int:goal_id>/andra", methods=["GET", "POST"])
@requires("agreement.revise")
def edit_goal(agreement_id: int, goal_id: int):
    goal_ = _goal(agreement_id, goal_id)
    _check_revise(goal_.agreement)
    form = GoalForm(obj=goal_) if request.method == "GET" else GoalForm()
    if request.method == "GET":
        form.baseline_value.data = goals.fmt_number(goal_.baseline_value, goal_.decimals) \
            if goal_.baseline_value is not None else ""
        form.target_value.data = goals.fmt_number(goal_.target_value, goal_.decimals) \
            if goal_.target_value is not None else ""
    if form.validate_on_submit():
        try:
            ops.update_goal(goal_, **_goal_values(form))
        except ops.AgreementError as exc:
            attach_error(form, exc.field, str(exc))
        else:
            flash(_("Målet är ändrat. Antagna revisioner behåller sin formulering."), "success")
            return redirect(url_for(".goal", agreement_id=agreement_id, goal_id=goal_id))
    return render_template("agreements/goal_form.html", agreement=goal_.agreement, form=form, goal=goal_), \
        400 if form.errors else 200


def _render_goal(goal: Goal, status: int = 200, **forms):
    agreement = goal.agreement
    return render_template(
        "agreements/goal.html", agreement=agreement, goal=goal, fig=goals.figures(goal),
        chart=goals.chart_svg(goal, f"malgraf-{goal.id}"),
        may_revise=can_revise_agreement(current_user, agreement.party_org_ids),
        measurement_form=forms.get("measurement_form") or MeasurementForm(prefix="m"),
        csv_form=forms.get("csv_form") or CsvForm(prefix="csv"),
        milestone_form=forms.get("milestone_form") or MilestoneForm(prefix="d"),
        fmt_value=goals.fmt_value, fmt_date=goals.fmt_date, status_css=goals.STATUS_CSS), status


@bp.route("/<int:agreement_id>/mal/<int:goal_id>")
@requires("agreement.read")
def goal(agreement_id: int, goal_id: int):
    return _render_goal(_goal(agreement_id, goal_id))


@bp.route("/<int:agreement_id>/mal/<int:goal_id>/matvarden", methods=["POST"])
@requires("agreement.revise")
def add_measurement(agreement_id: int, goal_id: int):
    goal_ = _goal(agreement_id, goal_id)
    _check_revise(goal_.agreement)
    form = MeasurementForm(prefix="m")
    if form.validate_on_submit():
        try:
            ops.record_measurement(goal_, measured_on=form.measured_on.data,
                                   value=goals.parse_decimal(form.value.data))
        except ops.AgreementError as exc:
            attach_error(form, exc.field, str(exc))
        else:
            flash(_("Mätvärdet är sparat."), "success")
            return redirect(url_for(".goal", agreement_id=agreement_id, goal_id=goal_id))
    return _render_goal(goal_, 400, measurement_form=form)


@bp.route("/<int:agreement_id>/mal/<int:goal_id>/csv", methods=["POST"])
@requires("agreement.revise")
def import_csv(agreement_id: int, goal_id: int):
    goal_ = _goal(agreement_id, goal_id)
    _check_revise(goal_.agreement)
    form = CsvForm(prefix="csv")
    upload = form.file.data
    try:
        if not upload:
            raise goals.CsvError(_("Välj en CSV-fil att läsa in."))
        count = ops.import_measurements(goal_, upload.read())
    except (goals.CsvError, ops.AgreementError) as exc:
        attach_error(form, "file", str(exc))
        return _render_goal(goal_, 400, csv_form=form)
    flash(_("%(n)s mätvärden är inlästa.", n=count), "success")
    return redirect(url_for(".goal", agreement_id=agreement_id, goal_id=goal_id))


@bp.route("/<int:agreement_id>/mal/<int:goal_id>/avbockning", methods=["POST"])
@requires("agreement.revise")
def check_off(agreement_id: int, goal_id: int):
    goal_ = _goal(agreement_id, goal_id)
    _check_revise(goal_.agreement)
    form = MilestoneForm(prefix="d")
    if form.validate_on_submit():
        try:
            ops.check_off_milestone(goal_, achieved_on=form.achieved_on.data, note=form.note.data)
        except ops.AgreementError as exc:
            attach_error(form, exc.field, str(exc))
        else:
            flash(_("Delmålet är avbockat."), "success")
            return redirect(url_for(".goal", agreement_id=agreement_id, goal_id=goal_id))
    return _render_goal(goal_, 400, milestone_form=form)
