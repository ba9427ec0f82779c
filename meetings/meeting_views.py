"""Pages for one meeting: the agenda (propose, accept, reorder with buttons, publish), moving or cancelling it."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from meetings import agenda, attachments, cases, rules
from meetings import operations as ops
from meetings.forms import ITEM_KIND_LABELS, AttachmentForm, MoveForm, ProposeForm
from meetings.minutes import carried_forward
from meetings.views import bp, load_meeting
from portal import audit
from portal.errors import RuleError
from portal.forms import attachment as content_disposition
from portal.forms import submit
from portal.permissions import check, requires


def _propose_form(meeting) -> ProposeForm:
    form = ProposeForm(prefix="p")
    form.presenter_org_id.choices = [("", _("Min organisation"))] + [
        (str(m.organisation_id), m.organisation.name) for m in sorted(meeting.series.organisations,
                                                                       key=lambda m: m.organisation.name)]
    return form


def visible_items(meeting, user) -> list:
    """Accepted items for every member; proposals for the coordinators and for the organisation that made them."""
    manage = rules.can_manage(user, meeting.series)
    return [i for i in meeting.items if i.is_accepted or manage or i.proposed_by_org_id == user.organisation_id]


def goal_rows(meeting) -> tuple[object, list]:
    """The agreement and its goals' figures as of the meeting day, when the agenda has a goal follow-up item."""
    if not meeting.series.agreement_id or not any(i.kind == "mal" for i in meeting.items):
        return None, []
    import agreements

    found = next((a for a in agreements.agreements_for_organisation(current_user.organisation)
                  if a.id == meeting.series.agreement_id), None)
    if found is None:
        return None, []
    return found, agreements.goal_figures(found, meeting.on_date)


def render_meeting(meeting, status: int = 200, form: ProposeForm | None = None):
    items = visible_items(meeting, current_user)
    agreement, figures = goal_rows(meeting)
    return render_template(
        "meetings/meeting.html", meeting=meeting, series=meeting.series, items=items,
        cases=cases.case_views(current_user, items), kinds=ITEM_KIND_LABELS,
        referral_cases=cases.referral_views(current_user, items),
        carried=carried_forward(meeting), agreement=agreement, figures=figures,
        may_manage=rules.can_manage(current_user, meeting.series),
        may_propose=rules.can_propose(current_user, meeting.series) and agenda.is_open_for_proposals(meeting),
        may_write=rules.can_write_minutes(current_user, meeting.series),
        may_attach={i.id for i in items if attachments.can_attach(current_user, i)},
        attachment_form=AttachmentForm(formdata=None),
        deadline=agenda.proposal_deadline(meeting), form=form or _propose_form(meeting)), status


@bp.route("/mote/<int:meeting_id>")
@requires("meeting.view")
def meeting(meeting_id: int):
    return render_meeting(load_meeting(meeting_id))


@bp.route("/mote/<int:meeting_id>/forslag", methods=["POST"])
@requires("meeting.propose")
def propose(meeting_id: int):
    item = load_meeting(meeting_id, "propose")
    form = _propose_form(item)
    outcome = submit(form, lambda: agenda.propose_item(
        item, kind=form.kind.data, title=form.title.data, description=form.description.data,
        presenter_org_id=form.presenter_org_id.data, minutes_planned=form.minutes_planned.data,
        person_ref=form.person_ref.data, anonymised_text=form.anonymised_text.data,
        referral_ref=form.referral_ref.data, by=current_user))
    if outcome.done:
        flash(_("Punkten är föreslagen.") if not outcome.result.is_accepted else _("Punkten är tillagd."), "success")
        return redirect(url_for(".meeting", meeting_id=item.id) + f"#punkt-{outcome.result.id}", 303)
    return render_meeting(item, outcome.status, form)


def _item(meeting, item_id: int):
    found = next((i for i in meeting.items if i.id == item_id), None)
    if found is None:
        abort(404)
    return found


def _refused(meeting, exc: RuleError):
    flash(str(exc), "error")
    return redirect(url_for(".meeting", meeting_id=meeting.id), 303)


@bp.route("/mote/<int:meeting_id>/punkt/<int:item_id>/godkann", methods=["POST"])
@requires("meeting.manage")
def accept(meeting_id: int, item_id: int):
    item = load_meeting(meeting_id, "manage")
    agenda.accept_item(item, _item(item, item_id), by=current_user)
    flash(_("Punkten är godkänd."), "success")
    return redirect(url_for(".meeting", meeting_id=item.id) + f"#punkt-{item_id}", 303)


@bp.route("/mote/<int:meeting_id>/punkt/<int:item_id>/ta-bort", methods=["POST"])
@requires("meeting.manage")
def remove(meeting_id: int, item_id: int):
    item = load_meeting(meeting_id, "manage")
    agenda.remove_item(item, _item(item, item_id), by=current_user)
    flash(_("Punkten är borttagen från dagordningen."), "success")
    return redirect(url_for(".meeting", meeting_id=item.id) + "#dagordning", 303)


@bp.route("/mote/<int:meeting_id>/punkt/<int:item_id>/flytta", methods=["POST"])
@requires("meeting.manage")
def move_item(meeting_id: int, item_id: int):
    item = load_meeting(meeting_id, "manage")
    direction = request.form.get("riktning", "")
    try:
        agenda.move_item(item, _item(item, item_id), direction=direction, version=request.form.get("version"),
                         by=current_user)
    except RuleError as exc:
        return _refused(item, exc)
    flash(_("Punkten är flyttad upp.") if direction == "up" else _("Punkten är flyttad ner."), "success")
    # Back to the same button: a keyboard user goes on moving the item without searching for it.
    return redirect(url_for(".meeting", meeting_id=item.id, flyttad=item_id) + f"#punkt-{item_id}", 303)


@bp.route("/mote/<int:meeting_id>/publicera", methods=["POST"])
@requires("meeting.manage")
def publish(meeting_id: int):
    item = load_meeting(meeting_id, "manage")
    try:
        agenda.publish(item, by=current_user)
    except RuleError as exc:
        return _refused(item, exc)
    flash(_("Dagordningen är publicerad och deltagarna har fått besked."), "success")
    return redirect(url_for(".meeting", meeting_id=item.id), 303)


@bp.route("/mote/<int:meeting_id>/flytta", methods=["GET", "POST"])
@requires("meeting.manage")
def move(meeting_id: int):
    item = load_meeting(meeting_id, "manage")
    form = MoveForm(obj=item) if request.method == "GET" else MoveForm()
    if request.method == "GET":
        form.version.data = str(item.version)
    cancel = request.form.get("installt") == "1"
    outcome = submit(form, lambda: ops.move_meeting(
        item, on_date=form.on_date.data, start_time=form.start_time.data, place=form.place.data,
        note=form.note.data, cancel=cancel, version=form.version.data, by=current_user))
    if outcome.done or (cancel and outcome.result is not None):
        flash(_("Mötet är inställt.") if cancel else _("Mötet är flyttat."), "success")
        return redirect(url_for(".meeting", meeting_id=item.id), 303)
    return render_template("meetings/move.html", meeting=item, form=form), outcome.status




@bp.route("/mote/<int:meeting_id>/punkt/<int:item_id>/bilagor", methods=["POST"])
@requires("meeting.propose")
def attach(meeting_id: int, item_id: int):
    meeting = load_meeting(meeting_id)
    item = _item(meeting, item_id)
    check(attachments.can_attach(current_user, item), "meeting:attach", obj=item)
    form = AttachmentForm()
    upload = form.file.data
    outcome = submit(form, lambda: attachments.add(
        item, filename=getattr(upload, "filename", "") or "", data=upload.read() if upload else b"",
        by=current_user))
    if outcome.done:
        flash(_("Filen är bifogad."), "success")
    elif form.file.errors or form.form_errors:
        flash(" ".join(str(e) for e in [*form.file.errors, *form.form_errors]), "error")
    return redirect(url_for(".meeting", meeting_id=meeting.id) + f"#punkt-{item.id}", 303)


@bp.route("/mote/<int:meeting_id>/punkt/<int:item_id>/bilagor/<int:file_id>")
@requires("meeting.view")
def attachment(meeting_id: int, item_id: int, file_id: int):
    """A file is read as its item is: an accepted item (or one's own proposal), a case only by who sees the case."""
    meeting = load_meeting(meeting_id)
    item = next((i for i in visible_items(meeting, current_user) if i.id == item_id), None)
    found = next((a for a in item.attachments if a.id == file_id), None) if item is not None else None
    if found is None:
        abort(404)
    if item.person_id:
        view = cases.case_views(current_user, [item])[item.id]
        check(view.allowed, "meeting:case-attachment", obj=item, person_id=item.person_id)
    audit.record("meeting.attachment.read", by=current_user, obj=item, person_id=item.person_id)
    return found.data, 200, {"Content-Type": found.content_type,
                             "Content-Disposition": content_disposition(found.filename),
                             "X-Content-Type-Options": "nosniff"}
