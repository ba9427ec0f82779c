"""Pages for editing a draft revision: the edit form, new sections, appendices and routines, import from Word."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from agreements import draft_operations as drafts
from agreements import import_operations as imports
from agreements import routine_operations as routine_ops
from agreements.forms import AppendixForm, ConfirmImportForm, ImportForm, RevisionForm, TitleForm
from agreements.models import Revision
from agreements.views import back_to_revision, bp, load_revision
from portal.db import db
from portal.errors import RuleError, StaleEdit
from portal.forms import attach_error, show_errors, to_int
from portal.permissions import requires


def _back_to_edit(rev: Revision, status: int = 302):
    return redirect(url_for(".edit", agreement_id=rev.agreement_id, number=rev.number), status)


def _not_a_draft(rev: Revision):
    flash(_("Revision %(n)s är inte ett utkast och kan inte ändras.", n=rev.number), "error")
    return back_to_revision(rev)


def _position(name: str, saved: int) -> int | str:
    """The "Ordning" as typed (the operation refuses what is no small whole number), or as saved when not sent."""
    return request.form.get(name, saved)


def _posted_sections(rev: Revision) -> list[drafts.SectionInput]:
    return [drafts.SectionInput(id=s.id, title=request.form.get(f"section-{s.id}-title", s.title),
                                body=request.form.get(f"section-{s.id}-body", s.body),
                                position=_position(f"section-{s.id}-position", s.position))
            for s in rev.sections]


def _posted_appendices(rev: Revision) -> list[drafts.AppendixInput]:
    return [drafts.AppendixInput(
        id=a.id, number=request.form.get(f"appendix-{a.id}-number", a.number),
        title=request.form.get(f"appendix-{a.id}-title", a.title),
        body=request.form.get(f"appendix-{a.id}-body", a.body),
        position=_position(f"appendix-{a.id}-position", a.position),
        routines={r.id: request.form.get(f"routine-{r.id}-steps", drafts.steps_as_text(r)) for r in a.routines},
        eligibility={r.id: request.form.get(f"routine-{r.id}-eligibility", r.eligibility) for r in a.routines},
        settings={r.id: _posted_settings(r) for r in a.routines})
        for a in rev.appendices]


def _posted_settings(routine) -> dict:
    """Name, ages and strictness as typed; a form that did not send the name (an older page) keeps what is saved.
    The strict box is a check box: absent means off once the name was sent."""
    f = f"routine-{routine.id}-"
    if f + "title" not in request.form:
        return {"title": routine.title, "min_age": routine.min_age, "max_age": routine.max_age,
                "strict": routine.age_strict}
    return {"title": request.form.get(f + "title"), "min_age": request.form.get(f + "min_age"),
            "max_age": request.form.get(f + "max_age"), "strict": request.form.get(f + "strict") == "1"}


def _saved_form(rev: Revision) -> RevisionForm:
    """The edit form filled from the draft as saved."""
    form = RevisionForm(obj=rev, formdata=None)
    form.version.data = str(rev.version)
    form.signatories.data = drafts.signatories_as_text(rev)
    return form


def _render_edit(rev: Revision, status: int = 200, *, form=None, posted=None, stale=None, section_form=None,
                 appendix_form=None, refused: RuleError | None = None):
    """The draft's edit page; the small add-forms come back here with their errors beside the field.

    `posted` is what was typed (shown instead of the saved text), `stale` the draft as someone else saved it,
    `refused` the save's refusal: its messages for the sections' and appendices' own inputs go beside them.
    """
    beside: dict[str, list[str]] = {}
    for field, message in refused.errors if refused is not None else []:
        beside.setdefault(field or "", []).append(message)
    return render_template("agreements/edit.html", revision=rev, agreement=rev.agreement,
                           form=form or _saved_form(rev), posted=posted, stale=stale, beside=beside,
                           section_form=section_form or TitleForm(prefix="ny"),
                           appendix_form=appendix_form or AppendixForm(prefix="bilaga"),
                           steps_as_text=drafts.steps_as_text, copyable=routine_ops.copyable(rev)), status


@bp.route("/<int:agreement_id>/revisioner/<int:number>/redigera", methods=["GET", "POST"])
@requires("agreement.revise")
def edit(agreement_id: int, number: int):
    rev = load_revision(agreement_id, number, need="revise")
    if not rev.is_draft:
        return _not_a_draft(rev)
    if request.method == "GET":
        return _render_edit(rev)
    form = RevisionForm()
    if not form.validate_on_submit():
        return _render_edit(rev, 400, form=form, posted=request.form)
    try:
        drafts.save_draft(rev, expected_version=form.version.data, valid_from=form.valid_from.data,
                          valid_to=form.valid_to.data, next_revision_due=form.next_revision_due.data,
                          place=form.place.data, change_summary=form.change_summary.data,
                          sections=_posted_sections(rev), appendices=_posted_appendices(rev),
                          signatories=form.signatories.data, by=current_user)
    except RuleError as exc:
        # A stale edit (409) shows the draft as saved beside what was typed; the form now carries the saved
        # version, so saving again knowingly replaces the other change.
        status = show_errors(form, exc)
        stale = exc.record if isinstance(exc, StaleEdit) else None
        return _render_edit(rev, status, form=form, posted=request.form, stale=stale, refused=exc)
    except StaleDataError:  # saved by someone else between our check and our write
        db.session.rollback()
        flash(_("Utkastet sparades samtidigt av någon annan. Ladda om sidan och gör om ändringen."), "error")
        return _back_to_edit(rev, 303)
    flash(_("Utkastet är sparat."), "success")
    return _back_to_edit(rev)


@bp.route("/<int:agreement_id>/revisioner/<int:number>/avsnitt", methods=["POST"])
@requires("agreement.revise")
def add_section(agreement_id: int, number: int):
    rev = load_revision(agreement_id, number, need="revise")
    if not rev.is_draft:
        return _not_a_draft(rev)
    form = TitleForm(prefix="ny")
    if not form.validate_on_submit():
        return _render_edit(rev, 400, section_form=form)
    try:
        drafts.add_section(rev, title=form.title.data, by=current_user)
    except RuleError as exc:
        return _render_edit(rev, show_errors(form, exc), section_form=form)
    flash(_("Avsnittet är tillagt sist i utkastet."), "success")
    return _back_to_edit(rev)


@bp.route("/<int:agreement_id>/revisioner/<int:number>/avsnitt/<int:section_id>/ta-bort", methods=["POST"])
@requires("agreement.revise")
def remove_section(agreement_id: int, number: int, section_id: int):
    rev = load_revision(agreement_id, number, need="revise")
    section = next((s for s in rev.sections if s.id == section_id), None)
    if section is None:
        abort(404)
    try:
        drafts.remove_section(rev, section, by=current_user)
    except RuleError as exc:
        flash(str(exc), "error")
        return back_to_revision(rev, 303)
    flash(_("Avsnittet %(title)s är borttaget ur utkastet.", title=section.title), "success")
    return _back_to_edit(rev)


@bp.route("/<int:agreement_id>/revisioner/<int:number>/bilagor", methods=["POST"])
@requires("agreement.revise")
def add_appendix(agreement_id: int, number: int):
    rev = load_revision(agreement_id, number, need="revise")
    if not rev.is_draft:
        return _not_a_draft(rev)
    form = AppendixForm(prefix="bilaga")
    if not form.validate_on_submit():
        return _render_edit(rev, 400, appendix_form=form)
    try:
        drafts.add_appendix(rev, number=form.number.data, title=form.title.data, by=current_user)
    except RuleError as exc:
        return _render_edit(rev, show_errors(form, exc), appendix_form=form)
    flash(_("Bilagan är tillagd."), "success")
    return _back_to_edit(rev)


@bp.route("/<int:agreement_id>/revisioner/<int:number>/bilagor/<int:appendix_id>/rutiner", methods=["POST"])
@requires("agreement.revise")
def add_routine(agreement_id: int, number: int, appendix_id: int):
    rev = load_revision(agreement_id, number, need="revise")
    appendix = next((a for a in rev.appendices if a.id == appendix_id), None)
    if appendix is None:
        abort(404)
    try:
        drafts.add_routine(appendix, title=request.form.get("title", ""), by=current_user)
    except RuleError as exc:
        flash(str(exc), "error")
        return _back_to_edit(rev, 303)
    flash(_("Rutinen är tillagd; skriv in stegen och spara."), "success")
    return _back_to_edit(rev)


@bp.route("/<int:agreement_id>/revisioner/<int:number>/rutiner/kopiera", methods=["POST"])
@requires("agreement.revise")
def copy_routine(agreement_id: int, number: int):
    """Copy a routine of another revision of the agreement into the draft (then edit it on the page)."""
    rev = load_revision(agreement_id, number, need="revise")
    if not rev.is_draft:
        return _not_a_draft(rev)
    appendix_id, source_id = to_int(request.form.get("appendix")), to_int(request.form.get("source"))
    appendix = next((a for a in rev.appendices if a.id == appendix_id), None)
    source = next((r for _other, r in routine_ops.copyable(rev) if r.id == source_id), None)
    if appendix is None or source is None:
        abort(404)
    try:
        copy = routine_ops.copy_into(appendix, source, title=request.form.get("title", ""), by=current_user)
    except RuleError as exc:
        db.session.rollback()
        return _render_edit(load_revision(agreement_id, number, need="revise"), 400, refused=exc)
    flash(_("Rutinen %(title)s är kopierad till utkastet; ändra stegen nedan och spara.", title=copy.title),
          "success")
    return redirect(url_for(".edit", agreement_id=agreement_id, number=number) + f"#routine-{copy.id}-title")


@bp.route("/<int:agreement_id>/revisioner/<int:number>/rutiner/<int:routine_id>/ta-bort", methods=["POST"])
@requires("agreement.revise")
def remove_routine(agreement_id: int, number: int, routine_id: int):
    rev = load_revision(agreement_id, number, need="revise")
    routine = next((r for a in rev.appendices for r in a.routines if r.id == routine_id), None)
    if routine is None:
        abort(404)
    try:
        routine_ops.remove(routine, by=current_user)
    except RuleError as exc:
        flash(str(exc), "error")
        return back_to_revision(rev, 303)
    flash(_("Rutinen %(title)s är borttagen ur utkastet.", title=routine.title), "success")
    return _back_to_edit(rev)


@bp.route("/<int:agreement_id>/revisioner/<int:number>/importera", methods=["GET", "POST"])
@requires("agreement.revise")
def import_document(agreement_id: int, number: int):
    """Upload → a preview of where each part goes; nothing is written here (see confirm_import)."""
    rev = load_revision(agreement_id, number, need="revise")
    form = ImportForm()
    preview = None
    if form.validate_on_submit():
        upload = form.document.data
        try:
            preview = imports.preview_import(rev, data=upload.read() if upload else b"",
                                             filename=(upload.filename or "") if upload else "", by=current_user)
        except RuleError as exc:
            attach_error(form, "document", str(exc))  # whatever the reason, it concerns the uploaded file
    confirm = ConfirmImportForm(token=preview.token) if preview and preview.token else None
    return render_template("agreements/import.html", revision=rev, agreement=rev.agreement, form=form,
                           preview=preview, confirm=confirm), 400 if form.errors else 200


@bp.route("/<int:agreement_id>/revisioner/<int:number>/importera/bekrafta", methods=["POST"])
@requires("agreement.revise")
def confirm_import(agreement_id: int, number: int):
    rev = load_revision(agreement_id, number, need="revise")
    form = ConfirmImportForm()
    try:
        result = imports.confirm_import(rev, token=form.token.data or "", by=current_user)
    except RuleError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".import_document", agreement_id=agreement_id, number=number), 303)
    flash(_("Dokumentet är inläst: %(n)s avsnitt fyllda i utkastet.", n=len(result.sections)), "success")
    return _back_to_edit(rev)
