"""Pages for meeting series: list, create, change, extend; the loaders every meetings page uses.

Every view runs in one order: load the record (404) → ask the rule for what it is loaded for (403, audited) →
call one operation → render or redirect. meeting_views (a meeting and its agenda), minutes_views (minutes and
action items) and export_views (.docx, .ics, calendar feed) use the same blueprint and loaders.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from meetings import operations as ops
from meetings import rules
from meetings.forms import ExtendForm, SeriesForm
from meetings.models import Meeting, MeetingSeries
from meetings.recurrence import occurrences
from portal.db import db
from portal.forms import submit
from portal.permissions import check, requires

bp = Blueprint("meetings", __name__, url_prefix="/moten")

_RULES = {"view": rules.can_view, "propose": rules.can_propose, "manage": rules.can_manage,
          "minutes": rules.can_write_minutes}


def load_series(series_id: int, need: str = "view") -> MeetingSeries:
    series = db.session.get(MeetingSeries, series_id)
    if series is None:
        abort(404)
    check(rules.can_view(current_user, series) or rules.can_manage(current_user, series), "meeting:not-member",
          obj=series)
    check(_RULES[need](current_user, series), f"meeting:{need}", obj=series)
    return series


def load_meeting(meeting_id: int, need: str = "view") -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        abort(404)
    series = load_series(meeting.series_id, "view")
    # Asked while `series` is held: the relationship then comes from the identity map, not a second SELECT.
    check(_RULES[need](current_user, meeting.series) and meeting.series is series, f"meeting:{need}", obj=meeting)
    return meeting


def _agreements():
    """The agreements the user's organisation is party to (the agreements area's named function)."""
    import agreements

    return agreements.agreements_for_organisation(current_user.organisation)


def _series_form(series: MeetingSeries | None = None) -> SeriesForm:
    # The record fills the form only when the page is opened: a post (even one without form fields) is read as it
    # came, never mixed with the record's values (numbers there are not text).
    form = SeriesForm(obj=series) if series is not None and request.method == "GET" else SeriesForm()
    form.organisations.choices = [(str(o.id), o.name) for o in ops.organisations_to_choose()]
    form.agreement_id.choices = [("", _("Ingen"))] + [(str(a.id), a.title) for a in _agreements()]
    member_ids = set(series.member_org_ids) if series is not None else {current_user.organisation_id}
    form.coordinators.choices = [(str(u.id), f"{u.name} ({u.organisation.name})")
                                 for u in ops.coordinators_to_choose(member_ids | {current_user.organisation_id})]
    if series is not None:
        for name in ops.RULE_FIELDS:  # the rule is fixed once the series is made (the page says so)
            delattr(form, name)
    if series is not None and request.method == "GET":
        form.organisations.data = [str(i) for i in sorted(series.member_org_ids)]
        form.coordinators.data = [str(i) for i in sorted(series.coordinator_ids)]
        form.agreement_id.data = str(series.agreement_id or "")
        form.version.data = str(series.version)
        for name in ("length_minutes", "proposal_days"):
            value = getattr(series, name)
            getattr(form, name).data = "" if value is None else str(value)
    elif series is None and not form.is_submitted():
        form.organisations.data = [str(current_user.organisation_id)]
        form.coordinators.data = [str(current_user.id)]
    return form


def _values(form: SeriesForm) -> dict:
    names = ("name", "kind", "place", "start_time", "length_minutes", "recurrence", "interval_weeks", "weekday", "nth",
             "fixed_dates", "starts_on", "ends_on", "holiday_policy", "proposal_days", "agreement_id")
    return {name: getattr(form, name).data for name in names if getattr(form, name, None) is not None}


@bp.route("/")
@requires("meeting.view")
def index():
    series = ops.series_for(current_user)
    return render_template("meetings/index.html", series=series,
                           next_meetings=ops.next_meetings([s.id for s in series]),
                           may_create=rules.can_create(current_user))


@bp.route("/ny", methods=["GET", "POST"])
@requires("meeting.manage")
def create():
    check(rules.can_create(current_user), "meeting:create")
    form = _series_form()
    outcome = submit(form, lambda: ops.create_series(values=_values(form), member_org_ids=form.organisations.data,
                                                     coordinator_ids=form.coordinators.data, by=current_user))
    if outcome.done:
        flash(_("Mötesserien är skapad och mötena är planerade."), "success")
        return redirect(url_for(".series", series_id=outcome.result.id))
    return render_template("meetings/series_form.html", form=form, series=None), outcome.status


@bp.route("/<int:series_id>")
@requires("meeting.view")
def series(series_id: int):
    item = load_series(series_id)
    return _render_series(item)


def _render_series(item: MeetingSeries, status: int = 200, extend_form: ExtendForm | None = None):
    skipped = []
    if item.ends_on:
        try:
            skipped = [o for o in occurrences(
                recurrence=item.recurrence, starts_on=item.starts_on, until=item.ends_on,
                holiday_policy=item.holiday_policy, interval_weeks=item.interval_weeks, weekday_number=item.weekday,
                nth=item.nth, fixed_dates=item.fixed_dates) if o.is_skipped]
        except ValueError:
            skipped = []
    return render_template("meetings/series.html", series=item, meetings=item.meetings, skipped=skipped,
                           coordinators=ops.coordinator_names(item),
                           may_manage=rules.can_manage(current_user, item),
                           extend_form=extend_form or ExtendForm()), status


@bp.route("/<int:series_id>/andra", methods=["GET", "POST"])
@requires("meeting.manage")
def edit(series_id: int):
    item = load_series(series_id, "manage")
    form = _series_form(item)
    outcome = submit(form, lambda: ops.update_series(item, values=_values(form),
                                                     member_org_ids=form.organisations.data,
                                                     coordinator_ids=form.coordinators.data,
                                                     version=form.version.data, by=current_user))
    if outcome.done:
        flash(_("Mötesserien är ändrad."), "success")
        return redirect(url_for(".series", series_id=item.id))
    return render_template("meetings/series_form.html", form=form, series=item), outcome.status


@bp.route("/<int:series_id>/forlang", methods=["POST"])
@requires("meeting.manage")
def extend(series_id: int):
    item = load_series(series_id, "manage")
    form = ExtendForm()
    outcome = submit(form, lambda: ops.extend_series(item, until=form.until.data, by=current_user))
    if outcome.done:
        flash(_("Serien är förlängd med %(n)s möten.", n=len(outcome.result)), "success")
        return redirect(url_for(".series", series_id=item.id))
    return _render_series(item, outcome.status, form)
