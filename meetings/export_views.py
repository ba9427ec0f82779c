"""Downloads: agenda and minutes as .docx, a series or a meeting as .ics, and the personal calendar feed."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from meetings import cases, export, feeds, minutes
from meetings.forms import ATTENDANCE_LABELS, ITEM_KIND_LABELS
from meetings.meeting_views import visible_items
from meetings.models import Meeting
from meetings.views import bp, load_meeting, load_series
from portal import audit
from portal.db import db
from portal.forms import ButtonForm, attachment, safe_filename
from portal.permissions import has, public, requires

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _docx_response(data: bytes, name: str):
    return data, 200, {"Content-Type": DOCX, "Content-Disposition": attachment(safe_filename(name, "moten.docx"))}


def _calendar_response(data: bytes, name: str):
    return data, 200, {"Content-Type": "text/calendar; charset=utf-8",
                       "Content-Disposition": attachment(safe_filename(name, "moten.ics"))}


@bp.route("/mote/<int:meeting_id>/dagordning.docx")
@requires("meeting.view")
def agenda_docx(meeting_id: int):
    meeting = load_meeting(meeting_id)
    items = [i for i in visible_items(meeting, current_user) if i.is_accepted]
    return _docx_response(_document(meeting, items, None, agenda=True),
                          f"dagordning-{meeting.on_date.isoformat()}.docx")


@bp.route("/mote/<int:meeting_id>/minnesanteckningar.docx")
@requires("meeting.view")
def minutes_docx(meeting_id: int):
    meeting = load_meeting(meeting_id)
    record = minutes.minutes_of(meeting)
    items = [i for i in meeting.items if i.is_accepted]
    return _docx_response(_document(meeting, items, record),
                          f"minnesanteckningar-{meeting.on_date.isoformat()}.docx")


def _document(meeting, items, record, agenda: bool = False) -> bytes:
    views = cases.case_views(current_user, items)
    labels = {item_id: (view.allowed, view.label) for item_id, view in views.items()}
    audit.record("meeting.export.docx", by=current_user, obj=meeting)
    return export.docx(meeting, items=items, case_labels=labels, kinds=ITEM_KIND_LABELS,
                       content=None if agenda else minutes.current_content(record),
                       attendance_labels=ATTENDANCE_LABELS,
                       actions=[] if agenda else minutes.actions_of(meeting),
                       final=record.is_final if record is not None else False)


@bp.route("/<int:series_id>/kalender.ics")
@requires("meeting.view")
def series_ics(series_id: int):
    series = load_series(series_id)
    meetings = db.session.scalars(db.select(Meeting).where(Meeting.series_id == series.id)
                                  .options(selectinload(Meeting.series)).order_by(Meeting.on_date)).all()
    return _calendar_response(export.ics(meetings, series.name), f"{series.name}.ics")


@bp.route("/mote/<int:meeting_id>/kalender.ics")
@requires("meeting.view")
def meeting_ics(meeting_id: int):
    meeting = load_meeting(meeting_id)
    return _calendar_response(export.ics([meeting], meeting.series.name),
                              f"{meeting.series.name}-{meeting.on_date.isoformat()}.ics")


@bp.route("/kalenderlank", methods=["GET", "POST"])
@requires("meeting.view")
def feed():
    form = ButtonForm()
    token = None
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        if request.form.get("atgard") == "aterkalla":
            feeds.revoke_feed(by=current_user)
            flash(_("Kalenderlänken är återkallad. Kalendrar som använder den får inga fler möten."), "success")
            return redirect(url_for(".feed"), 303)
        token = feeds.create_feed(by=current_user)
    return render_template("meetings/feed.html", form=form, token=token, active=feeds.active_feed(current_user))


@bp.route("/kalender/<token>.ics")
@public
def feed_ics(token: str):
    """A calendar program fetches this without a session: the token is the key (no agenda details, ever)."""
    user = feeds.user_for_token(token)
    if user is None or not has(user, "meeting.view"):
        return (_("Kalenderlänken gäller inte längre. Skapa en ny under Möten → Kalenderlänk."), 404,
                {"Content-Type": "text/plain; charset=utf-8"})
    return _calendar_response(export.ics(feeds.meetings_for(user), _("Mina möten")), "moten.ics")


@bp.route("/mote/<int:meeting_id>/utskrift")
@requires("meeting.view")
def print_view(meeting_id: int):
    """The agenda and the minutes on one plain page to print: case items as the gate lets the printer see them."""
    meeting = load_meeting(meeting_id)
    items = [i for i in visible_items(meeting, current_user) if i.is_accepted]
    record = minutes.minutes_of(meeting)
    return render_template("meetings/print.html", meeting=meeting, series=meeting.series, items=items,
                           cases=cases.case_views(current_user, items), kinds=ITEM_KIND_LABELS,
                           content=minutes.current_content(record), record=record,
                           attendance_labels=ATTENDANCE_LABELS, actions=minutes.actions_of(meeting),
                           orgs=sorted(meeting.series.organisations, key=lambda m: m.organisation.name))
