"""Pages for agreements and the life of a revision: list, create, parties, read, propose, adopt, comment, files.

Every view runs in one order: load the record (404) → ask the rule for what it is loaded for (403, audited) →
call one operation → render or redirect. The loaders here do the first two steps for every page of the area;
draft_views (editing a draft) and goal_views (goals) use them too.
"""
from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.attributes import set_committed_value

import agreements
from agreements import adoption, diff, document, goals, meeting_decisions, rules
from agreements import operations as ops
from agreements.forms import AdoptForm, AgreementForm, CommentForm, DecisionForm, PartyPersonForm, ScanForm
from agreements.models import Agreement, Goal, Revision
from portal.db import db
from portal.errors import RuleError
from portal.forms import safe_filename, show_errors, submit
from portal.permissions import check, requires

bp = Blueprint("agreements", __name__, url_prefix="/overenskommelser")


# --- Loaders: 404 first, then the record rule for what the record is loaded for (403, audited) ----------


def _ask(need: str, agreement: Agreement, revision: Revision | None = None) -> None:
    """Ask the rule for `need` beyond reading: "revise", "adopt", "comment" or "scan" (a revision's signed copy)."""
    if need == "read":
        return
    if need == "revise":
        check(rules.can_revise(current_user, agreement), "agreement:revise", obj=agreement)
    elif need == "adopt" and revision is not None:
        check(rules.can_adopt(current_user, agreement), "agreement:adopt", obj=revision)
    elif need == "comment" and revision is not None:
        check(rules.can_comment(current_user, revision), "agreement:comment", obj=revision)
    elif need == "record-decision" and revision is not None:
        check(rules.can_record_decision(current_user, agreement), "agreement:record-decision", obj=revision)
    elif need == "scan" and revision is not None:
        check(rules.can_upload_scan(current_user, revision), "agreement:scan", obj=revision)
    else:
        raise ValueError(f"no rule for loading for {need!r}")


def load_agreement(agreement_id: int, need: str = "read") -> Agreement:
    """The agreement for party staff ("read"), or for those who revise it ("revise")."""
    agreement = db.session.get(Agreement, agreement_id)
    if agreement is None:
        abort(404)
    check(rules.can_see(current_user, agreement), "agreement:not-party", obj=agreement)
    _ask(need, agreement)
    return agreement


def load_revision(agreement_id: int, number: int, need: str = "read") -> Revision:
    """A revision the user may read, and do `need` with: "read", "revise", "adopt", "record-decision", "comment"
    or "scan"."""
    agreement = load_agreement(agreement_id)
    revision = agreement.revision_numbered(number)
    if revision is None:
        abort(404)
    check(rules.can_read(current_user, revision), "agreement:revision-read", obj=revision)
    _ask(need, agreement, revision)
    return revision


def load_goal(agreement_id: int, goal_id: int, need: str = "read") -> Goal:
    """A goal of the agreement for party staff ("read"), or for those who keep the goals ("revise")."""
    agreement = load_agreement(agreement_id)
    goal = db.session.get(Goal, goal_id)
    if goal is None or goal.agreement_id != agreement.id:
        abort(404)
    # The goal holds on to the agreement just loaded (as loaded, not as a change): the session keeps only weak
    # references, so once this function returns `goal.agreement` would load it and its parties a second time.
    set_committed_value(goal, "agreement", agreement)
    _ask(need, agreement)
    return goal


def back_to_revision(revision: Revision, status: int = 302):
    return redirect(url_for(".revision", agreement_id=revision.agreement_id, number=revision.number), status)


# --- Agreements ----------------------------------------------------------------------------------------


@bp.route("/")
@requires("agreement.read")
def index():
    return render_template("agreements/index.html",
                           agreements=agreements.agreements_for_organisation(current_user.organisation))


@bp.route("/ny", methods=["GET", "POST"])
@requires("agreement.revise")
def create():
    form = AgreementForm()
    organisations = ops.organisations_to_choose()
    form.parties.choices = [(o.id, f"{o.name} ({o.orgnr})") for o in organisations]
    outcome = submit(form, lambda: ops.create_agreement(
        title=form.title.data, diarienummer=form.diarienummer.data,
        parties=[o for o in organisations if o.id in (form.parties.data or [])], valid_from=form.valid_from.data,
        valid_to=form.valid_to.data, by=current_user))
    if outcome.done:
        flash(_("Överenskommelsen är skapad med revision 1 som utkast."), "success")
        return redirect(url_for(".edit", agreement_id=outcome.result.id, number=1))
    return render_template("agreements/create.html", form=form), outcome.status


def _render_show(agreement: Agreement, person_form: PartyPersonForm | None = None, status: int = 200):
    if person_form is None:
        person_form = PartyPersonForm(prefix="person")
    person_form.party.choices = [(p.id, p.name) for p in agreement.parties]
    return render_template("agreements/show.html", agreement=agreement,
                           revisions=rules.readable_revisions(current_user, agreement),
                           goal_figures=[(g, goals.figures(g)) for g in agreement.goals],
                           status_css=goals.STATUS_CSS, may_revise=rules.can_revise(current_user, agreement),
                           person_form=person_form), status


@bp.route("/<int:agreement_id>")
@requires("agreement.read")
def show(agreement_id: int):
    return _render_show(load_agreement(agreement_id))


@bp.route("/<int:agreement_id>/personer", methods=["POST"])
@requires("agreement.revise")
def add_person(agreement_id: int):
    agreement = load_agreement(agreement_id, need="revise")
    form = PartyPersonForm(prefix="person")
    if not form.validate_on_submit():
        return _render_show(agreement, form, 400)
    try:
        person = ops.add_party_person(agreement, party_id=form.party.data, name=form.name.data,
                                      title=form.title.data, email=form.email.data or None,
                                      is_signatory=form.is_signatory.data, is_contact=form.is_contact.data,
                                      by=current_user)
    except RuleError as exc:
        return _render_show(agreement, form, show_errors(form, exc))
    flash(_("%(name)s är tillagd hos %(party)s.", name=person.name, party=person.party.name), "success")
    return redirect(url_for(".show", agreement_id=agreement_id))


@bp.route("/<int:agreement_id>/jamfor")
@requires("agreement.read")
def compare(agreement_id: int):
    agreement = load_agreement(agreement_id)
    visible = rules.readable_revisions(current_user, agreement)
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


# --- A revision: read, start, propose, withdraw, adopt, comment, signed copy, document ------------------


def _render_revision(rev: Revision, comment_form: CommentForm | None = None, status: int = 200):
    agreement = rev.agreement
    return render_template(
        "agreements/revision.html", revision=rev, agreement=agreement, comment_form=comment_form or CommentForm(),
        scan_form=ScanForm(), may_revise=rules.can_revise(current_user, agreement),
        may_adopt=rules.can_adopt(current_user, agreement), may_comment=rules.can_comment(current_user, rev),
        own_party=rules.party_of(current_user, agreement),
        parties_to_record=adoption.parties_to_record(rev) if rev.is_proposed else [],
        goal_rows=document.goal_rows(rev), previous=document.previous_revision(rev),
        decisions=[] if rev.is_adopted else meeting_decisions.for_agreement(agreement.id)), status


@bp.route("/<int:agreement_id>/revisioner/<int:number>")
@requires("agreement.read")
def revision(agreement_id: int, number: int):
    return _render_revision(load_revision(agreement_id, number))


@bp.route("/<int:agreement_id>/revisioner/ny", methods=["POST"])
@requires("agreement.revise")
def new_revision(agreement_id: int):
    agreement = load_agreement(agreement_id, need="revise")
    try:
        rev = ops.new_revision(agreement, by=current_user)
    except RuleError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".show", agreement_id=agreement.id)), 303
    flash(_("Revision %(n)s är skapad som utkast, en kopia av den senast antagna.", n=rev.number), "success")
    return redirect(url_for(".edit", agreement_id=agreement.id, number=rev.number))


def _transition(agreement_id: int, number: int, operation, message: str):
    rev = load_revision(agreement_id, number, need="revise")
    try:
        operation(rev, by=current_user)
    except RuleError as exc:
        flash(str(exc), "error")
        return back_to_revision(rev, 303)
    flash(message, "success")
    return back_to_revision(rev)


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


def _adopted_or_awaited(rev: Revision, party_name: str):
    if rev.is_adopted:
        flash(_("Revision %(n)s är antagen av alla parter. Den kan inte längre ändras.", n=rev.number), "success")
    else:
        flash(_("%(party)s har godkänt revision %(n)s. Den antas när även %(others)s har godkänt den.",
                party=party_name, n=rev.number,
                others=", ".join(p.name for p in rev.parties_still_to_approve())), "success")
    return back_to_revision(rev)


def _render_adopt(rev: Revision, form, heading: str, submit: str, status: int, enctype=None):
    if not rev.has_expired():
        del form.confirm_expired
    return render_template("agreements/adopt.html", revision=rev, agreement=rev.agreement, form=form,
                           heading=heading, submit=submit, enctype=enctype), status


@bp.route("/<int:agreement_id>/revisioner/<int:number>/anta", methods=["GET", "POST"])
@requires("agreement.adopt")
def adopt(agreement_id: int, number: int):
    rev = load_revision(agreement_id, number, need="adopt")
    party = rules.party_of(current_user, rev.agreement)
    form = AdoptForm()
    status = 200
    if form.validate_on_submit():
        try:
            adoption.adopt(rev, adopted_on=form.adopted_on.data, confirm_expired=form.confirm_expired.data,
                           by=current_user)
        except RuleError as exc:
            status = show_errors(form, exc)
        else:
            return _adopted_or_awaited(rev, party.name)
    elif form.errors:
        status = 400
    return _render_adopt(rev, form, _("Godkänn för %(party)s", party=party.name),
                         _("Godkänn för %(party)s", party=party.name), status)


@bp.route("/<int:agreement_id>/revisioner/<int:number>/partsbeslut", methods=["GET", "POST"])
@requires("agreement.revise")
def record_decision(agreement_id: int, number: int):
    rev = load_revision(agreement_id, number, need="record-decision")
    form = DecisionForm()
    form.party.choices = [(p.id, p.name) for p in adoption.parties_to_record(rev)]
    status = 200
    if form.validate_on_submit():
        upload = form.scan.data
        try:
            approval = adoption.record_decision(
                rev, party_id=form.party.data, decided_on=form.adopted_on.data,
                filename=getattr(upload, "filename", "") or "", data=upload.read() if upload else b"",
                confirm_expired=form.confirm_expired.data, by=current_user)
        except RuleError as exc:
            status = show_errors(form, exc)
        else:
            return _adopted_or_awaited(rev, approval.party.name)
    elif form.errors:
        status = 400
    return _render_adopt(rev, form, _("Registrera en parts beslut"), _("Registrera beslutet"), status,
                         enctype="multipart/form-data")


@bp.route("/<int:agreement_id>/revisioner/<int:number>/partsbeslut/<int:approval_id>")
@requires("agreement.read")
def download_decision(agreement_id: int, number: int, approval_id: int):
    rev = load_revision(agreement_id, number)
    approval = next((a for a in rev.approvals if a.id == approval_id), None)
    if approval is None or not approval.scan_data:
        abort(404)
    return send_file(io.BytesIO(approval.scan_data), mimetype=approval.scan_mimetype, as_attachment=True,
                     download_name=safe_filename(approval.scan_filename, "beslut.pdf"))


@bp.route("/<int:agreement_id>/revisioner/<int:number>/kommentarer", methods=["POST"])
@requires("agreement.comment")
def comment(agreement_id: int, number: int):
    rev = load_revision(agreement_id, number, need="comment")
    form = CommentForm()
    if not form.validate_on_submit():
        return _render_revision(rev, form, 400)
    try:
        ops.add_comment(rev, body=form.body.data, by=current_user)
    except RuleError as exc:
        return _render_revision(rev, form, show_errors(form, exc))
    flash(_("Din kommentar är sparad."), "success")
    return redirect(url_for(".revision", agreement_id=agreement_id, number=number) + "#kommentarer")


@bp.route("/<int:agreement_id>/revisioner/<int:number>/underskriven-kopia", methods=["POST"])
@requires("agreement.read")
def upload_scan(agreement_id: int, number: int):
    rev = load_revision(agreement_id, number, need="scan")
    upload = ScanForm().scan.data
    try:
        ops.upload_scan(rev, filename=getattr(upload, "filename", "") or "",
                        data=upload.read() if upload else b"", by=current_user)
    except RuleError as exc:
        flash(str(exc), "error")
        return back_to_revision(rev, 303)
    flash(_("Den underskrivna kopian är uppladdad."), "success")
    return back_to_revision(rev)


@bp.route("/<int:agreement_id>/revisioner/<int:number>/underskriven-kopia")
@requires("agreement.read")
def download_scan(agreement_id: int, number: int):
    rev = load_revision(agreement_id, number)
    if not rev.scan_data:
        abort(404)
    return send_file(io.BytesIO(rev.scan_data), mimetype=rev.scan_mimetype, as_attachment=True,
                     download_name=safe_filename(rev.scan_filename, "underskriven.pdf"))  # also names stored before


@bp.route("/<int:agreement_id>/revisioner/<int:number>/dokument.docx")
@requires("agreement.read")
def download_document(agreement_id: int, number: int):
    rev = load_revision(agreement_id, number)
    return send_file(io.BytesIO(ops.document_bytes(rev)), as_attachment=True, download_name=document.filename(rev),
                     mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
