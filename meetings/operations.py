"""Every change to a meeting series and its meetings: create, change, extend, move or cancel one meeting.

Agenda items live in meetings.agenda, minutes and action items in meetings.minutes. Every operation takes the
acting user as `by=` (None: a trusted script such as the demo seeder), asks the record rule itself, refuses with
`MeetingError` (fields named, Swedish messages, every problem at once) and writes its audit event.
"""
from __future__ import annotations

from datetime import date, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from meetings import rules
from meetings.models import HOLIDAY_POLICIES, KINDS, RECURRENCES, Meeting, MeetingSeries, SeriesOrganisation, SeriesUser
from meetings.recurrence import DEFAULT_HORIZON_DAYS, RecurrenceError, occurrences
from portal import audit
from portal.clock import today
from portal.db import db
from portal.errors import RuleError, check_version
from portal.forms import to_int
from portal.orgs import Organisation
from portal.permissions import check, check_by
from portal.text import clean_line


class MeetingError(RuleError):
    """A rule of meetings was broken; `field` names the form field the message belongs beside."""


def line(value, limit: int, field: str, problems: list) -> str:
    text = clean_line(value if isinstance(value, str) else "").strip()
    if len(text) > limit:
        problems.append((field, _l("Högst %(max)s tecken (nu %(n)s).", max=limit, n=len(text))))
        return text[:limit]
    return text


def _org_ids(values) -> list[int]:
    return [i for i in (to_int(v, minimum=1) for v in (values or [])) if i is not None]


def organisations_to_choose() -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).where(Organisation.is_active.is_(True))
                                   .order_by(Organisation.name)))


def _settings(values: dict, problems: list) -> dict:
    """The series' settings from a form's values, every problem collected; recurrence checked by rule_days."""
    out = {}
    out["name"] = line(values.get("name"), 200, "name", problems)
    if not out["name"]:
        problems.append(("name", _l("Ange seriens namn, t.ex. Vägen.")))
    out["kind"] = values.get("kind")
    if out["kind"] not in KINDS:
        problems.append(("kind", _l("Välj vilken sorts möte det är.")))
    out["place"] = line(values.get("place"), 300, "place", problems)
    start_time = values.get("start_time")
    if not isinstance(start_time, time):
        problems.append(("start_time", _l("Ange starttid som TT:MM, t.ex. 09:00.")))
    out["start_time"] = start_time
    length = to_int(values.get("length_minutes"), minimum=5, maximum=600)
    if length is None:
        problems.append(("length_minutes", _l("Ange mötets längd i minuter (5–600).")))
    out["length_minutes"] = length
    out["recurrence"] = values.get("recurrence")
    if out["recurrence"] not in RECURRENCES:
        problems.append(("recurrence", _l("Välj hur serien återkommer.")))
    out["holiday_policy"] = values.get("holiday_policy")
    if out["holiday_policy"] not in HOLIDAY_POLICIES:
        problems.append(("holiday_policy", _l("Välj vad som händer när ett möte infaller på en helgdag.")))
    out["interval_weeks"] = to_int(values.get("interval_weeks"), minimum=1, maximum=52)
    out["weekday"] = to_int(values.get("weekday"), minimum=0, maximum=6)
    out["nth"] = to_int(values.get("nth"), minimum=-1, maximum=4)
    out["fixed_dates"] = line(values.get("fixed_dates"), 500, "fixed_dates", problems)
    proposal_days = to_int(values.get("proposal_days"), minimum=0, maximum=60)
    if proposal_days is None:
        problems.append(("proposal_days", _l("Ange hur många dagar före mötet förslag kan lämnas (0–60).")))
    out["proposal_days"] = proposal_days
    out["starts_on"], out["ends_on"] = values.get("starts_on"), values.get("ends_on")
    if not isinstance(out["starts_on"], date):
        problems.append(("starts_on", _l("Ange första dagen serien gäller från.")))
    elif isinstance(out["ends_on"], date) and out["ends_on"] < out["starts_on"]:
        problems.append(("ends_on", _l("Slutdatumet kan inte vara före startdatumet.")))
    out["agreement_id"] = to_int(values.get("agreement_id"), minimum=1)
    return out


def _check_agreement(agreement_id, *, by, current=None, problems: list) -> None:
    """A series follows an agreement the acting coordinator's organisation is party to (its decisions go to that
    agreement's revision); one it already follows may stay. The form's list is no check: a post can name any id."""
    if agreement_id is None or by is None or agreement_id == current:
        return
    import agreements

    if agreement_id not in {a.id for a in agreements.agreements_for_organisation(by.organisation)}:
        problems.append(("agreement_id", _l("Välj en överenskommelse som din organisation är part i.")))


#: How far ahead a series is planned at most (extending later plans further); the holiday tables end, too.
MAX_PLAN_DAYS = 5 * 366


def _plan(series_values: dict, starts_on: date, until: date, problems: list):
    limit = today() + timedelta(days=MAX_PLAN_DAYS)
    if until > limit:
        problems.append(("starts_on" if starts_on > limit else "ends_on", _l(
            "En serie kan planeras högst fem år framåt, till och med %(d)s. Förläng serien senare.",
            d=limit.isoformat())))
        return []
    try:
        return occurrences(recurrence=series_values["recurrence"], starts_on=starts_on, until=until,
                           holiday_policy=series_values["holiday_policy"] or "move",
                           interval_weeks=series_values["interval_weeks"], weekday_number=series_values["weekday"],
                           nth=series_values["nth"], fixed_dates=series_values["fixed_dates"])
    except RecurrenceError as exc:
        problems.append((exc.field, str(exc)))
        return []


def _add_meetings(series: MeetingSeries, planned) -> list[Meeting]:
    """Meetings for the days not yet in the series; existing ones (moved or cancelled by hand) stay as they are."""
    have = {m.scheduled_on for m in series.meetings}
    added = []
    for occurrence in planned:
        if occurrence.scheduled in have or occurrence.on is None:
            continue
        note = str(_l("Flyttat från %(d)s: %(h)s", d=occurrence.scheduled.isoformat(), h=occurrence.holiday)) \
            if occurrence.is_moved else ""
        meeting = Meeting(series=series, scheduled_on=occurrence.scheduled, on_date=occurrence.on,
                          start_time=series.start_time, length_minutes=series.length_minutes, place=series.place,
                          change_note=note[:300])
        db.session.add(meeting)
        added.append(meeting)
    return added


def coordinators_to_choose(org_ids) -> list:
    """Active users of these organisations whose roles give meeting.manage (the role table decides which roles)."""
    from portal.auth.models import User, UserRole
    from portal.permissions import roles_with

    roles = roles_with("meeting.manage")
    return list(db.session.scalars(select(User).where(
        User.is_active_account.is_(True), User.organisation_id.in_(sorted(org_ids)),
        User.id.in_(select(UserRole.user_id).where(UserRole.role.in_(roles)))).order_by(User.name)))


def _coordinators(ids, org_ids, by, problems: list) -> set[int]:
    """The chosen coordinators: users of a member organisation (or the acting user) who may coordinate."""
    chosen = set(_org_ids(ids)) | ({by.id} if by is not None and not ids else set())
    allowed = {u.id for u in coordinators_to_choose(org_ids)} | ({by.id} if by is not None else set())
    if chosen - allowed:
        problems.append(("coordinators", _l("Välj samordnare bland dem som kan samordna i seriens organisationer.")))
    if not chosen & allowed:
        problems.append(("coordinators", _l("Serien behöver minst en samordnare.")))
    return chosen & allowed


def create_series(*, values: dict, member_org_ids, coordinator_ids=(), by, allow_past: bool = False) -> MeetingSeries:
    """A new series with its meetings planned up to its end (or a year ahead), coordinated by the chosen users
    (the creator when none is chosen)."""
    if by is not None:
        check(rules.can_create(by), "meeting:create")
    problems: list = []
    settings = _settings(values, problems)
    _check_agreement(settings["agreement_id"], by=by, problems=problems)
    members = set(_org_ids(member_org_ids))
    if by is not None:
        members.add(by.organisation_id)
    known = set(db.session.scalars(select(Organisation.id).where(Organisation.id.in_(members)))) if members else set()
    if not known:
        problems.append(("organisations", _l("Välj minst en organisation som deltar.")))
    starts_on = settings["starts_on"]
    if isinstance(starts_on, date) and starts_on < today() and not allow_past:
        problems.append(("starts_on", _l("Första dagen kan inte ha passerat. Välj dagens datum eller senare.")))
    until = settings["ends_on"] if isinstance(settings["ends_on"], date) else (
        starts_on + timedelta(days=DEFAULT_HORIZON_DAYS) if isinstance(starts_on, date) else None)
    coordinators = set(_org_ids(coordinator_ids)) if by is None else _coordinators(coordinator_ids, known, by,
                                                                                  problems)
    planned = _plan(settings, starts_on, until, problems) if until and not problems else []
    if problems:
        raise MeetingError(problems[0][1], field=problems[0][0], errors=problems)
    series = MeetingSeries(**{k: v for k, v in settings.items()}, version=1)
    series.ends_on = until
    db.session.add(series)
    for org_id in sorted(known):
        series.organisations.append(SeriesOrganisation(organisation_id=org_id, joined_on=starts_on))
    for user_id in sorted(coordinators):
        series.people.append(SeriesUser(user_id=user_id, is_coordinator=True))
    db.session.flush()
    _add_meetings(series, planned)
    db.session.flush()
    audit.record("meeting.series.create", by=by, obj=series)
    return series


#: What a series' dates come from; fixed once the series is made.
RULE_FIELDS = ("recurrence", "interval_weeks", "weekday", "nth", "fixed_dates", "starts_on", "ends_on")


def update_series(series: MeetingSeries, *, values: dict, member_org_ids, coordinator_ids=None, version=None,
                  by) -> MeetingSeries:
    """Change name, place, time, members and deadline; planned meetings keep their days (extend adds new ones).

    A member organisation added now has joined today: cases named before it joined stay hidden from it until a
    consent covers it too.
    """
    check_by(by, rules.can_manage, series, "meeting:manage")
    check_version(version, series.version, series)
    problems: list = []
    # The rule and its days stay: planned meetings are moved one by one, and extending plans more by the rule.
    rule = {name: getattr(series, name) for name in RULE_FIELDS}
    settings = _settings({**values, **rule}, problems)
    _check_agreement(settings["agreement_id"], by=by, current=series.agreement_id, problems=problems)
    members = set(_org_ids(member_org_ids))
    if not members:
        problems.append(("organisations", _l("Välj minst en organisation som deltar.")))
    coordinators = series.coordinator_ids if coordinator_ids is None else _coordinators(
        coordinator_ids or [], members, by, problems)
    if problems:
        raise MeetingError(problems[0][1], field=problems[0][0], errors=problems)
    for person in list(series.people):
        if person.is_coordinator and person.user_id not in coordinators:
            series.people.remove(person)
    for user_id in sorted(coordinators - series.coordinator_ids):
        series.people.append(SeriesUser(user_id=user_id, is_coordinator=True))
    for name in ("name", "kind", "place", "start_time", "length_minutes", "proposal_days", "agreement_id",
                 "holiday_policy"):
        setattr(series, name, settings[name])
    current = {m.organisation_id: m for m in series.organisations}
    for org_id, membership in current.items():
        if org_id not in members:
            series.organisations.remove(membership)
    for org_id in sorted(members - set(current)):
        if db.session.get(Organisation, org_id) is not None:
            series.organisations.append(SeriesOrganisation(organisation_id=org_id, joined_on=today()))
    for meeting in series.meetings:  # coming meetings follow the series' time and place
        if meeting.on_date >= today() and not meeting.is_cancelled:
            meeting.start_time, meeting.length_minutes = series.start_time, series.length_minutes
            meeting.place = series.place
    series.version += 1
    db.session.flush()
    audit.record("meeting.series.update", by=by, obj=series)
    return series


def extend_series(series: MeetingSeries, *, until, by) -> list[Meeting]:
    """Plan the series' meetings further, up to `until`; the days already planned stay as they are."""
    check_by(by, rules.can_manage, series, "meeting:manage")
    if not isinstance(until, date):
        raise MeetingError(_l("Ange till vilket datum serien ska förlängas."), field="until")
    if series.ends_on and until <= series.ends_on:
        raise MeetingError(_l("Serien är redan planerad till %(d)s. Välj ett senare datum.",
                              d=series.ends_on.isoformat()), field="until")
    start = (series.ends_on + timedelta(days=1)) if series.ends_on else series.starts_on
    problems: list = []
    planned = _plan({"recurrence": series.recurrence, "holiday_policy": series.holiday_policy,
                     "interval_weeks": series.interval_weeks, "weekday": series.weekday, "nth": series.nth,
                     "fixed_dates": series.fixed_dates}, series.starts_on, until, problems)
    if problems:
        raise MeetingError(problems[0][1], field="until", errors=[("until", m) for _f, m in problems])
    added = _add_meetings(series, [o for o in planned if o.scheduled >= start])
    series.ends_on = until
    series.version += 1
    db.session.flush()
    audit.record("meeting.series.extend", by=by, obj=series, details={"added": len(added)})
    return added


def move_meeting(meeting: Meeting, *, on_date, start_time, place, note, cancel: bool = False, version=None,
                 by) -> Meeting:
    """Move one meeting (another day, time or place) or cancel it; the rest of the series stays as it is."""
    check_by(by, rules.can_manage, meeting.series, "meeting:manage")
    check_version(version, meeting.version, meeting)
    problems: list = []
    note = line(note, 300, "note", problems)
    if cancel:
        meeting.state = "cancelled"
    else:
        if not isinstance(on_date, date):
            problems.append(("on_date", _l("Ange mötets datum.")))
        elif on_date < today():
            problems.append(("on_date", _l("Ett möte kan inte flyttas till en dag som har passerat.")))
        if not isinstance(start_time, time):
            problems.append(("start_time", _l("Ange starttid som TT:MM, t.ex. 09:00.")))
        place = line(place, 300, "place", problems)
        if problems:
            raise MeetingError(problems[0][1], field=problems[0][0], errors=problems)
        meeting.on_date, meeting.start_time, meeting.place, meeting.state = on_date, start_time, place, "planned"
    if problems:
        raise MeetingError(problems[0][1], field=problems[0][0], errors=problems)
    meeting.change_note = note
    meeting.version += 1
    db.session.flush()
    audit.record("meeting.cancel" if cancel else "meeting.move", by=by, obj=meeting)
    return meeting


def series_for(user) -> list[MeetingSeries]:
    """The series the user is a member or coordinator of, by name (one statement plus their members)."""
    member = select(SeriesOrganisation.series_id).where(SeriesOrganisation.organisation_id == user.organisation_id)
    named = select(SeriesUser.series_id).where(SeriesUser.user_id == user.id)
    return list(db.session.scalars(select(MeetingSeries).where(
        MeetingSeries.id.in_(member) | MeetingSeries.id.in_(named)).order_by(MeetingSeries.name)))


def next_meetings(series_ids: list[int], limit_days: int = 120) -> dict[int, Meeting]:
    """The next meeting of each series from today on (one statement)."""
    if not series_ids:
        return {}
    rows = db.session.scalars(select(Meeting).where(
        Meeting.series_id.in_(series_ids), Meeting.on_date >= today(), Meeting.state == "planned",
        Meeting.on_date <= today() + timedelta(days=limit_days)).order_by(Meeting.on_date))
    found: dict[int, Meeting] = {}
    for meeting in rows:
        found.setdefault(meeting.series_id, meeting)
    return found


def coordinator_names(series: MeetingSeries) -> list[str]:
    from portal.auth.models import User

    return list(db.session.scalars(select(User.name).join(SeriesUser, SeriesUser.user_id == User.id).where(
        SeriesUser.series_id == series.id, SeriesUser.is_coordinator.is_(True)).order_by(User.name)))
