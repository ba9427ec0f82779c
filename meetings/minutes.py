"""Minutes (minnesanteckningar/protokoll) with every save a revision, finalising, corrections, and action items.

Two coordinators saving at once never lose each other's text: a save carries the revision it was written from,
and a stale one is refused with both texts (`MinutesConflict.theirs`) so the page can show them side by side.
"""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload

from meetings import rules
from meetings.models import ActionItem, Meeting, Minutes, MinutesRevision
from meetings.operations import MeetingError, line
from portal import audit, notifications
from portal.clock import today
from portal.db import db, utcnow
from portal.errors import StaleEdit
from portal.forms import to_int
from portal.permissions import check_by
from portal.text import clean_text

ATTENDANCE = ("present", "absent", "replaced")


def _owner():
    """The owner's name with an action item; their roles stay unloaded (nobody asks them here)."""
    from portal.auth.models import User

    return joinedload(ActionItem.owner_user).options(lazyload(User.roles))
N_ = lambda text: text  # noqa: E731 - marks a notice's text for the catalogue; it is translated when shown
TEXT_MAX = 20000


class MinutesConflict(StaleEdit):
    """Someone saved the minutes since the form was opened; `theirs` is their content, shown beside ours."""

    def __init__(self, current, record, theirs: dict):
        super().__init__(current, record, _l(
            "Någon annan har sparat minnesanteckningarna sedan du öppnade sidan. Din text är inte sparad: "
            "jämför de två versionerna nedan, för in det som ska vara kvar och spara igen."))
        self.theirs = theirs


def minutes_of(meeting: Meeting) -> Minutes | None:
    return db.session.scalar(select(Minutes).where(Minutes.meeting_id == meeting.id))


def current_content(minutes: Minutes | None) -> dict:
    if minutes is None or not minutes.revisions:
        return {"items": {}, "attendance": {}, "general": ""}
    return minutes.revisions[-1].content


def _clean_content(meeting: Meeting, content: dict, problems: list) -> dict:
    """Only the meeting's own items and member organisations; text cleaned and capped."""
    item_ids = {str(i.id) for i in meeting.items}
    org_ids = {str(o) for o in meeting.series.member_org_ids}
    items = {}
    for key, value in (content.get("items") or {}).items():
        if str(key) not in item_ids or not isinstance(value, dict):
            continue
        entry = {}
        for part in ("notes", "decision"):
            text = clean_text(value.get(part) if isinstance(value.get(part), str) else "").strip()
            if len(text) > TEXT_MAX:
                problems.append((f"{part}_{key}", _l("Högst %(max)s tecken (nu %(n)s).", max=TEXT_MAX, n=len(text))))
            entry[part] = text[:TEXT_MAX]
        items[str(key)] = entry
    attendance = {}
    for key, value in (content.get("attendance") or {}).items():
        if str(key) not in org_ids or not isinstance(value, dict):
            continue
        status = value.get("status") if value.get("status") in ATTENDANCE else "present"
        attendance[str(key)] = {"status": status,
                                "replaced_by": line(value.get("replaced_by"), 200, f"replaced_by_{key}", problems)}
    general = clean_text(content.get("general") if isinstance(content.get("general"), str) else "").strip()
    return {"items": items, "attendance": attendance, "general": general[:TEXT_MAX]}


def save_minutes(meeting: Meeting, *, content: dict, version, by, reason: str = "") -> MinutesRevision:
    """Save a revision of the minutes. Draft: any coordinator saves. Final: only as a correction with a reason."""
    check_by(by, rules.can_write_minutes, meeting.series, "minutes:write")
    minutes = minutes_of(meeting)
    if minutes is None:
        minutes = Minutes(meeting=meeting, state="draft", version=0)
        db.session.add(minutes)
        db.session.flush()
    expected = to_int(version, minimum=0)
    if version not in (None, "") and expected != minutes.version:
        raise MinutesConflict(minutes.version, minutes, current_content(minutes))
    problems: list = []
    reason = line(reason, 500, "reason", problems)
    if minutes.is_final and not reason:
        problems.append(("reason", _l("Minnesanteckningarna är fastställda. Ange varför de rättas; rättelsen "
                                      "sparas som en ny version.")))
    cleaned = _clean_content(meeting, content if isinstance(content, dict) else {}, problems)
    if problems:
        raise MeetingError(problems[0][1], field=problems[0][0], errors=problems)
    minutes.version += 1
    revision = MinutesRevision(minutes=minutes, number=minutes.version, content=cleaned,
                               saved_by_id=by.id if by is not None else None,
                               correction_reason=reason)
    db.session.add(revision)
    db.session.flush()
    audit.record("meeting.minutes.correct" if minutes.is_final else "meeting.minutes.save", by=by, obj=meeting)
    return revision


def finalise(meeting: Meeting, *, version=None, by) -> Minutes:
    """Fastställ: the minutes are locked; from now on a change is a correction with who, when and why."""
    check_by(by, rules.can_write_minutes, meeting.series, "minutes:write")
    minutes = minutes_of(meeting)
    if minutes is None or not minutes.revisions:
        raise MeetingError(_l("Skriv och spara minnesanteckningarna innan de fastställs."))
    if minutes.is_final:
        raise MeetingError(_l("Minnesanteckningarna är redan fastställda."))
    if version not in (None, "") and to_int(version) != minutes.version:
        raise MinutesConflict(minutes.version, minutes, current_content(minutes))
    minutes.state, minutes.finalised_dt = "final", utcnow()
    minutes.finalised_by_id = by.id if by is not None else None
    db.session.flush()
    audit.record("meeting.minutes.finalise", by=by, obj=meeting)
    return minutes


def send_minutes(meeting: Meeting, *, by) -> Minutes:
    """Tell every member organisation that the final minutes are there: a link, never personal data."""
    check_by(by, rules.can_write_minutes, meeting.series, "minutes:write")
    minutes = minutes_of(meeting)
    if minutes is None or not minutes.is_final:
        raise MeetingError(_l("Bara fastställda minnesanteckningar kan skickas."))
    minutes.sent_dt = utcnow()
    stamp = f"{minutes.sent_dt:%Y%m%d%H%M%S%f}"
    for org_id in sorted(meeting.series.member_org_ids):
        notifications.notify_organisation(
            org_id, N_("Minnesanteckningarna från %(series)s den %(date)s är fastställda."),
            params={"series": meeting.series.name, "date": meeting.on_date.isoformat()},
            url=f"/moten/mote/{meeting.id}/minnesanteckningar", permission="meeting.view",
            key=f"minutes-sent-{meeting.id}-{stamp}-{org_id}", mail=True)
    db.session.flush()
    audit.record("meeting.minutes.send", by=by, obj=meeting)
    return minutes


# --- Action items ---------------------------------------------------------------------------------------------


def add_action(meeting: Meeting, *, what, owner_user_id=None, owner_org_id=None, due_on=None, by) -> ActionItem:
    check_by(by, rules.can_write_minutes, meeting.series, "minutes:write")
    problems: list = []
    what = line(what, 500, "what", problems)
    if not what:
        problems.append(("what", _l("Ange vad som ska göras.")))
    owner_org = to_int(owner_org_id, minimum=1) if owner_org_id not in (None, "") else None
    owner_user = to_int(owner_user_id, minimum=1) if owner_user_id not in (None, "") else None
    if owner_org is not None and owner_org not in meeting.series.member_org_ids:
        problems.append(("owner_org_id", _l("Välj en organisation som ingår i serien.")))
    if owner_user is not None and owner_user not in {u.id for u in members_to_choose(meeting.series)}:
        problems.append(("owner_user_id", _l("Välj en person i en av seriens organisationer.")))
    if owner_org is None and owner_user is None:
        problems.append(("owner_user_id", _l("Ange vem som ansvarar: en person eller en organisation.")))
    if due_on is not None and not isinstance(due_on, date):
        problems.append(("due_on", _l("Ange datumet som ÅÅÅÅ-MM-DD.")))
    if problems:
        raise MeetingError(problems[0][1], field=problems[0][0], errors=problems)
    action = ActionItem(series_id=meeting.series_id, meeting=meeting, what=what, owner_user_id=owner_user,
                        owner_org_id=owner_org, due_on=due_on, created_by_id=by.id if by is not None else None)
    db.session.add(action)
    db.session.flush()
    audit.record("meeting.action.create", by=by, obj=action)
    return action


def mark_done(action: ActionItem, *, done: bool = True, by) -> ActionItem:
    check_by(by, rules.can_update_action, action, "meeting:action")
    action.state = "done" if done else "open"
    action.done_dt = utcnow() if done else None
    action.done_by_id = by.id if (done and by is not None) else None
    db.session.flush()
    audit.record("meeting.action.done" if done else "meeting.action.reopen", by=by, obj=action)
    return action


def members_to_choose(series) -> list:
    """Active users of the series' member organisations and its named members, by name (one statement)."""
    from portal.auth.models import User

    return list(db.session.scalars(select(User).where(
        User.is_active_account.is_(True),
        User.organisation_id.in_(sorted(series.member_org_ids)) | User.id.in_(sorted(series.member_user_ids)))
        .order_by(User.name)))


def carried_forward(meeting: Meeting) -> list[ActionItem]:
    """"Uppföljning från föregående möte": the series' action items still open, made at an earlier meeting."""
    return list(db.session.scalars(select(ActionItem).options(_owner()).join(
        Meeting, ActionItem.meeting_id == Meeting.id).where(
        ActionItem.series_id == meeting.series_id, ActionItem.state == "open",
        Meeting.on_date < meeting.on_date).order_by(ActionItem.due_on, ActionItem.id)))


def actions_of(meeting: Meeting) -> list[ActionItem]:
    return list(db.session.scalars(select(ActionItem).options(_owner()).where(ActionItem.meeting_id == meeting.id)
                                   .order_by(ActionItem.id)))


def mine_clause(user):
    """The one SQL condition for "mina åtaganden": open, mine or my organisation's (the list and the card share it)."""
    from meetings.models import SeriesOrganisation, SeriesUser

    # Only of series the user still takes part in: an organisation that left no longer sees (or closes) them.
    member = select(SeriesOrganisation.series_id).where(SeriesOrganisation.organisation_id == user.organisation_id)
    named = select(SeriesUser.series_id).where(SeriesUser.user_id == user.id)
    return (ActionItem.state == "open") & ((ActionItem.owner_user_id == user.id)
                                           | (ActionItem.owner_org_id == user.organisation_id)) & (
        ActionItem.series_id.in_(member) | ActionItem.series_id.in_(named))


def my_actions(user) -> list[ActionItem]:
    # With each meeting's series: the list names it ("Vägen 2026-12-15"), in the same statement.
    return list(db.session.scalars(select(ActionItem).options(
        _owner(), joinedload(ActionItem.meeting).joinedload(Meeting.series).lazyload("*")).where(mine_clause(user))
                                   .order_by(ActionItem.due_on.is_(None), ActionItem.due_on, ActionItem.id)))


def count_due(user) -> int:
    """The start card: my open action items due within 14 days or overdue (one COUNT)."""
    from datetime import timedelta

    from sqlalchemy import func

    return db.session.scalar(select(func.count()).select_from(ActionItem).where(
        mine_clause(user), ActionItem.due_on.is_not(None),
        ActionItem.due_on <= today() + timedelta(days=14))) or 0


def send_to_revision(meeting: Meeting, item, *, by) -> None:
    """"Till revideringen": a decision of the minutes goes to the agreement the series serves, with a link back."""
    import agreements

    check_by(by, rules.can_write_minutes, meeting.series, "minutes:write")
    if item.kind != "beslut":
        raise MeetingError(_l("Bara en beslutspunkt kan skickas till revideringen."))
    if not meeting.series.agreement_id:
        raise MeetingError(_l("Mötesserien följer inte upp någon överenskommelse. Välj överenskommelse för serien "
                              "först."))
    decision = current_content(minutes_of(meeting)).get("items", {}).get(str(item.id), {}).get("decision", "")
    if not decision:
        raise MeetingError(_l("Skriv beslutet i minnesanteckningarna innan det skickas till revideringen."))
    agreements.note_decision_for_revision(
        meeting.series.agreement_id, key=f"mote-punkt-{item.id}", text=decision,
        source_label=f"{meeting.series.name} {meeting.on_date.isoformat()}: {item.title}",
        source_url=f"/moten/mote/{meeting.id}/minnesanteckningar#punkt-{item.id}", by=by)
    item.is_for_revision = True
    db.session.flush()
    audit.record("meeting.item.revision", by=by, obj=item)
