"""Pages for minutes (write, compare a stale save, finalise, correct, revisions, send) and action items."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from meetings import cases, minutes, rules
from meetings.forms import ATTENDANCE_LABELS, ITEM_KIND_LABELS, ActionForm, MinutesForm
from meetings.models import ActionItem
from meetings.views import bp, load_meeting
from portal.db import db
from portal.errors import RuleError
from portal.forms import ButtonForm, show_errors, submit
from portal.permissions import check, requires


def _posted_content(meeting, shown: dict) -> dict:
    """The minutes as posted, for the items and organisations on the page; a case item the writer may not see
    keeps its saved text (nobody overwrites what they were not shown)."""
    saved = minutes.current_content(minutes.minutes_of(meeting))
    items = {}
    for item in meeting.items:
        key = str(item.id)
        if item.person_id and not shown.get(item.id, cases.CaseView(True, "")).allowed:
            if key in saved.get("items", {}):
                items[key] = saved["items"][key]
            continue
        items[key] = {"notes": request.form.get(f"notes_{key}", ""),
                      "decision": request.form.get(f"decision_{key}", "")}
    attendance = {str(org_id): {"status": request.form.get(f"status_{org_id}", "present"),
                                "replaced_by": request.form.get(f"replaced_{org_id}", "")}
                  for org_id in meeting.series.member_org_ids}
    return {"items": items, "attendance": attendance, "general": request.form.get("general", "")}


def _context(meeting, **extra) -> dict:
    record = minutes.minutes_of(meeting)
    items = [i for i in meeting.items if i.is_accepted]
    return dict(meeting=meeting, series=meeting.series, record=record, items=items,
                content=minutes.current_content(record), cases=cases.case_views(current_user, items),
                kinds=ITEM_KIND_LABELS, attendance_labels=ATTENDANCE_LABELS,
                orgs=sorted(meeting.series.organisations, key=lambda m: m.organisation.name),
                actions=minutes.actions_of(meeting), carried=minutes.carried_forward(meeting),
                may_write=rules.can_write_minutes(current_user, meeting.series), **extra)


@bp.route("/mote/<int:meeting_id>/minnesanteckningar")
@requires("meeting.view")
def minutes_page(meeting_id: int):
    meeting = load_meeting(meeting_id)
    return render_template("meetings/minutes.html", **_context(meeting))


@bp.route("/mote/<int:meeting_id>/minnesanteckningar/skriv", methods=["GET", "POST"])
@requires("minutes.write")
def write_minutes(meeting_id: int):
    meeting = load_meeting(meeting_id, "minutes")
    form = MinutesForm()
    context = _context(meeting)
    record = context["record"]
    if request.method == "GET":
        form.version.data = str(record.version if record else 0)
        form.general.data = context["content"].get("general", "")
        return render_template("meetings/minutes_form.html", form=form, mine=None, theirs=None, **context)
    posted = _posted_content(meeting, context["cases"])
    outcome = submit(form, lambda: minutes.save_minutes(meeting, content=posted, version=form.version.data,
                                                        reason=form.reason.data, by=current_user))
    if outcome.done:
        flash(_("Minnesanteckningarna är sparade (version %(n)s).", n=outcome.result.number), "success")
        return redirect(url_for(".minutes_page", meeting_id=meeting.id), 303)
    theirs = None
    if outcome.status == 409:
        theirs = minutes.current_content(minutes.minutes_of(meeting))
    return render_template("meetings/minutes_form.html", form=form, mine=posted, theirs=theirs,
                           **{**context, "content": posted}), outcome.status


@bp.route("/mote/<int:meeting_id>/minnesanteckningar/faststall", methods=["POST"])
@requires("minutes.write")
def finalise(meeting_id: int):
    meeting = load_meeting(meeting_id, "minutes")
    form = ButtonForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        minutes.finalise(meeting, version=request.form.get("version"), by=current_user)
    except RuleError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".minutes_page", meeting_id=meeting.id), 303)
    flash(_("Minnesanteckningarna är fastställda och låsta."), "success")
    return redirect(url_for(".minutes_page", meeting_id=meeting.id), 303)


@bp.route("/mote/<int:meeting_id>/minnesanteckningar/skicka", methods=["POST"])
@requires("minutes.write")
def send(meeting_id: int):
    meeting = load_meeting(meeting_id, "minutes")
    try:
        minutes.send_minutes(meeting, by=current_user)
    except RuleError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".minutes_page", meeting_id=meeting.id), 303)
    flash(_("Deltagarna har fått besked om att minnesanteckningarna är klara."), "success")
    return redirect(url_for(".minutes_page", meeting_id=meeting.id), 303)


@bp.route("/mote/<int:meeting_id>/minnesanteckningar/versioner")
@requires("meeting.view")
def revisions(meeting_id: int):
    meeting = load_meeting(meeting_id)
    context = _context(meeting)
    number = request.args.get("version", "")
    chosen = None
    if number and context["record"] is not None:
        chosen = next((r for r in context["record"].revisions if str(r.number) == number), None)
        if chosen is None:
            abort(404)
    previous = None
    if chosen is not None and chosen.number > 1:
        previous = next((r for r in context["record"].revisions if r.number == chosen.number - 1), None)
    return render_template("meetings/revisions.html", chosen=chosen, previous=previous, **context)


def _action_form(meeting) -> ActionForm:
    form = ActionForm(prefix="a")
    form.owner_user_id.choices = [("", "")] + [(str(u.id), f"{u.name} ({u.organisation.name})")
                                               for u in minutes.members_to_choose(meeting.series)]
    form.owner_org_id.choices = [("", "")] + [(str(m.organisation_id), m.organisation.name)
                                              for m in meeting.series.organisations]
    return form


@bp.route("/mote/<int:meeting_id>/atgarder", methods=["GET", "POST"])
@requires("minutes.write")
def add_action(meeting_id: int):
    meeting = load_meeting(meeting_id, "minutes")
    form = _action_form(meeting)
    outcome = submit(form, lambda: minutes.add_action(
        meeting, what=form.what.data, owner_user_id=form.owner_user_id.data, owner_org_id=form.owner_org_id.data,
        due_on=form.due_on.data, by=current_user))
    if outcome.done:
        flash(_("Åtagandet är tillagt."), "success")
        return redirect(url_for(".minutes_page", meeting_id=meeting.id) + "#atgarder", 303)
    return render_template("meetings/action_form.html", meeting=meeting, form=form), outcome.status


@bp.route("/atgard/<int:action_id>/klar", methods=["POST"])
@requires("meeting.view")
def action_done(action_id: int):
    action = db.session.get(ActionItem, action_id)
    if action is None:
        abort(404)
    check(rules.can_update_action(current_user, action), "meeting:action", obj=action)
    done = request.form.get("klar", "1") == "1"
    form = ButtonForm()
    if not form.validate_on_submit():
        return redirect(url_for(".mine"), 303)
    try:
        minutes.mark_done(action, done=done, by=current_user)
    except RuleError as exc:
        show_errors(form, exc)
    flash(_("Åtagandet är markerat som klart.") if done else _("Åtagandet är öppet igen."), "success")
    back = request.form.get("tillbaka", "")
    return redirect(url_for(".meeting", meeting_id=action.meeting_id) if back == "mote" else url_for(".mine"), 303)


@bp.route("/mina-ataganden")
@requires("meeting.view")
def mine():
    return render_template("meetings/mine.html", actions=minutes.my_actions(current_user))




@bp.route("/mote/<int:meeting_id>/punkt/<int:item_id>/till-revideringen", methods=["POST"])
@requires("minutes.write")
def to_revision(meeting_id: int, item_id: int):
    meeting = load_meeting(meeting_id, "minutes")
    item = next((i for i in meeting.items if i.id == item_id), None)
    if item is None:
        abort(404)
    try:
        minutes.send_to_revision(meeting, item, by=current_user)
    except RuleError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".minutes_page", meeting_id=meeting.id), 303)
    flash(_("Beslutet finns nu med i underlaget till revideringen av överenskommelsen."), "success")
    return redirect(url_for(".minutes_page", meeting_id=meeting.id) + f"#punkt-{item.id}", 303)
