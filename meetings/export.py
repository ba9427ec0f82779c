"""Agenda and minutes as .docx (python-docx), meetings as .ics (icalendar); case items obey the gate for whoever
exports, and calendar files never carry an item's details."""
from __future__ import annotations

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from docx import Document
from docx.shared import Pt
from flask_babel import gettext as _
from icalendar import Calendar, Event

from agreements import docx_parts
from portal.text import xml_safe

ZONE = ZoneInfo("Europe/Stockholm")
WEEKDAY_NAMES = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")


def _text(value) -> str:
    return xml_safe(str(value or ""))


def _page_numbers(document) -> None:
    footer = document.sections[0].footer.paragraphs[0]
    footer.add_run(_text(_("Sida") + " "))
    docx_parts.field(footer.add_run(), "PAGE")
    footer.add_run(_text(" " + _("av") + " "))
    docx_parts.field(footer.add_run(), "NUMPAGES")


def docx(meeting, *, items, case_labels: dict, kinds: dict, content: dict | None, attendance_labels: dict,
         actions: list, final: bool | None) -> bytes:
    """The agenda (content None) or the minutes of a meeting. `case_labels` is the exporter's gate: item id →
    (allowed, label); a refused case shows the pseudonym and none of its notes."""
    document = Document()
    docx_parts.swedish(document)
    series = meeting.series
    title = _("Minnesanteckningar") if content is not None else _("Dagordning")
    document.add_heading(_text(f"{series.name} – {title}"), level=0)
    when = f"{meeting.on_date.isoformat()} ({WEEKDAY_NAMES[meeting.on_date.weekday()]}) " \
           f"{meeting.start_time:%H:%M}–{_end(meeting):%H:%M}"
    document.add_paragraph(_text(_("Datum och tid: %(when)s", when=when)))
    if meeting.place:
        document.add_paragraph(_text(_("Plats: %(place)s", place=meeting.place)))
    if content is not None and final is not None:
        document.add_paragraph(_text(_("Fastställda") if final else _("Utkast – inte fastställda")))
    document.add_heading(_text(_("Deltagare")), level=1)
    attendance = (content or {}).get("attendance", {})
    for member in sorted(series.organisations, key=lambda m: m.organisation.name):
        line = member.organisation.name
        state = attendance.get(str(member.organisation_id))
        if state:
            line += f": {attendance_labels.get(state['status'], '')}"
            if state["status"] == "replaced" and state.get("replaced_by"):
                line += f" {state['replaced_by']}"
        document.add_paragraph(_text(line), style="List Bullet")
    document.add_heading(_text(_("Punkter")), level=1)
    for number, item in enumerate(items, start=1):
        document.add_heading(_text(f"{number}. {item.title}"), level=2)
        facts = [str(kinds.get(item.kind, item.kind)), _("%(n)s min", n=item.minutes_planned)]
        if item.presenter_org is not None:
            facts.append(_("Föredras av %(who)s", who=item.presenter_org.name))
        document.add_paragraph(_text(" · ".join(facts)))
        hidden = False
        if item.person_id:
            allowed, label = case_labels[item.id]
            hidden = not allowed
            document.add_paragraph(_text(_("Ärende: %(who)s", who=label)))
        elif item.anonymised_text:
            document.add_paragraph(_text(item.anonymised_text))
        if item.referral_ref:
            document.add_paragraph(_text(_("Remiss %(ref)s", ref=item.referral_ref)))
        if item.description and not hidden:
            document.add_paragraph(_text(item.description))
        notes = (content or {}).get("items", {}).get(str(item.id), {})
        if content is not None and hidden:
            document.add_paragraph(_text(_("Anteckningarna om ärendet visas inte: samtycke saknas för din "
                                           "organisation.")))
        elif notes:
            if notes.get("notes"):
                document.add_paragraph(_text(notes["notes"]))
            if notes.get("decision"):
                paragraph = document.add_paragraph()
                paragraph.add_run(_text(_("Beslut: ") + notes["decision"])).bold = True
    if content is not None and content.get("general"):
        document.add_heading(_text(_("Övrigt")), level=1)
        document.add_paragraph(_text(content["general"]))
    if actions:
        document.add_heading(_text(_("Åtaganden")), level=1)
        table = document.add_table(rows=1, cols=4)
        table.style = "Table Grid"
        for cell, head in zip(table.rows[0].cells, (_("Vad"), _("Vem"), _("Klart senast"), _("Status")), strict=True):
            cell.paragraphs[0].add_run(_text(head)).bold = True
        for action in actions:
            who = action.owner_user.name if action.owner_user else (action.owner_org.name if action.owner_org else "")
            row = table.add_row().cells
            for cell, value in zip(row, (action.what, who, action.due_on.isoformat() if action.due_on else "",
                                         _("Klart") if action.is_done else _("Öppet")), strict=True):
                cell.text = _text(value)
        docx_parts.repeat_header_row(table)
    for paragraph in document.paragraphs:
        for run in paragraph.runs:
            run.font.size = run.font.size or Pt(11)
    _page_numbers(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _end(meeting) -> datetime:
    return datetime.combine(meeting.on_date, meeting.start_time) + timedelta(minutes=meeting.length_minutes)


def uid(meeting) -> str:
    """Stable across moves: the series and the day its rule gave."""
    return f"mote-{meeting.series_id}-{meeting.scheduled_on:%Y%m%d}@dua-portalen"


def ics(meetings, name: str) -> bytes:
    """A calendar of meetings: name, time, place and a cancellation; never what is on the agenda."""
    calendar = Calendar()
    calendar.add("prodid", "-//DUA-portalen//Möten//SV")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/Stockholm")
    for meeting in meetings:
        event = Event()
        event.add("uid", uid(meeting))
        event.add("summary", meeting.series.name)
        start = datetime.combine(meeting.on_date, meeting.start_time, tzinfo=ZONE)
        event.add("dtstart", start)
        event.add("dtend", start + timedelta(minutes=meeting.length_minutes))
        event.add("dtstamp", datetime.now(tz=ZoneInfo("UTC")).replace(microsecond=0))
        event.add("sequence", meeting.version)
        if meeting.place:
            event.add("location", meeting.place)
        event.add("status", "CANCELLED" if meeting.is_cancelled else "CONFIRMED")
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
