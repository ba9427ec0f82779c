"""Meetings over the API (read): the caller's series, their meetings, and a meeting's agenda as members see it.

The same loaders' rules as the pages (meetings/rules.py), and a case item's person through the same check as the
page (meetings/cases.py: a pseudonym unless a consent for meetings covers the caller's organisation).
"""
from __future__ import annotations

from flask import abort
from flask_login import current_user
from marshmallow import fields
from sqlalchemy import select

from meetings import cases, rules
from meetings import operations as ops
from meetings.meeting_views import visible_items
from meetings.models import Meeting, MeetingSeries
from portal import api
from portal.api import pagination, schemas
from portal.db import db
from portal.permissions import check

bp = api.blueprint("meetings")
TAG = "Möten"


class Series(schemas.Out):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    place = fields.String(required=True)
    organisations = fields.List(fields.Nested(schemas.OrganisationRef), required=True)


class MeetingOut(schemas.Out):
    id = fields.Integer(required=True)
    series_id = fields.Integer(required=True)
    on_date = fields.Date(required=True)
    start_time = fields.String(required=True, metadata={"description": "Svensk tid, TT:MM."})
    length_minutes = fields.Integer(required=True)
    place = fields.String(required=True)
    state = fields.String(required=True)
    published = fields.Boolean(required=True)


class Case(schemas.Out):
    allowed = fields.Boolean(required=True)
    label = fields.String(required=True, metadata={"description": "Namnet, eller pseudonymen när det inte får visas."})
    reason = fields.String(required=True)


class Item(schemas.Out):
    id = fields.Integer(required=True)
    position = fields.Integer(required=True)
    kind = fields.String(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    state = fields.String(required=True)
    minutes_planned = fields.Integer(required=True)
    presenter_org = fields.Nested(schemas.OrganisationRef, required=True, allow_none=True)
    case = fields.Nested(Case, required=True, allow_none=True)
    anonymised_text = fields.String(required=True)
    referral_reference = fields.String(required=True, allow_none=True)


class MeetingDetail(MeetingOut):
    items = fields.List(fields.Nested(Item), required=True)


SeriesPage = schemas.page_schema(Series, "SeriesPage")
MeetingPage = schemas.page_schema(MeetingOut, "MeetingPage")


def _series(row: MeetingSeries) -> dict:
    return {"id": row.id, "name": row.name, "kind": row.kind, "place": row.place,
            "organisations": [{"id": m.organisation.id, "name": m.organisation.name} for m in row.organisations]}


def _meeting(row: Meeting) -> dict:
    return {"id": row.id, "series_id": row.series_id, "on_date": row.on_date,
            "start_time": row.start_time.strftime("%H:%M"),
            "length_minutes": row.length_minutes, "place": row.place, "state": row.state,
            "published": row.published_dt is not None}


def _load_series(series_id: int) -> MeetingSeries:
    series = db.session.get(MeetingSeries, series_id)
    if series is None:
        abort(404)
    check(rules.can_view(current_user, series), "meeting:view", obj=series)
    return series


@api.operation(bp, "/meeting-series", summary="Mötesserierna där organisationen eller du ingår", tag=TAG,
               permission="meeting.view", query=pagination.PageArgs, response=SeriesPage)
def list_series(args):
    rows = sorted((s for s in ops.series_for(current_user) if rules.can_view(current_user, s)), key=lambda s: s.id)
    found = pagination.page_of_list(rows, args)
    return {"items": [_series(s) for s in found.items], "next_cursor": found.next_cursor}


@api.operation(bp, "/meeting-series/<int:series_id>/meetings", summary="Seriens möten, i datumordning", tag=TAG,
               permission="meeting.view", query=pagination.PageArgs, response=MeetingPage)
def list_meetings(series_id: int, args):
    series = _load_series(series_id)
    found = pagination.page(select(Meeting).where(Meeting.series_id == series.id), Meeting.id, args,
                            newest_first=False)
    return {"items": [_meeting(m) for m in found.items], "next_cursor": found.next_cursor}


@api.operation(bp, "/meetings/<int:meeting_id>", summary="Ett möte med dagordningen", tag=TAG,
               permission="meeting.view", response=MeetingDetail,
               description="Godkända punkter för alla medlemmar; förslag för samordnarna och organisationen som "
                           "lade dem. En ärendepunkts person visas med namn bara när ett samtycke för möten "
                           "omfattar din organisation.")
def get_meeting(meeting_id: int):
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        abort(404)
    _load_series(meeting.series_id)
    items = visible_items(meeting, current_user)
    case_views = cases.case_views(current_user, items)
    referrals = cases.referral_views(current_user, items)
    return {**_meeting(meeting), "items": [{
        "id": i.id, "position": i.position, "kind": i.kind, "title": i.title, "description": i.description,
        "state": i.state, "minutes_planned": i.minutes_planned,
        "presenter_org": {"id": i.presenter_org.id, "name": i.presenter_org.name} if i.presenter_org else None,
        "case": vars(case_views[i.id]) if i.id in case_views else None, "anonymised_text": i.anonymised_text,
        "referral_reference": referrals[i.id].reference if referrals.get(i.id) is not None else None,
    } for i in items]}
