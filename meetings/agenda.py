"""The agenda: propose an item (until the series' deadline), accept, reorder and publish; case reviews checked.

A case review ("ärendedragning") names a person only when a valid `mote` consent covers every member organisation
(meetings.cases.uncovered); otherwise it is written anonymised, and the text is checked for identifiers.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from meetings import cases, rules
from meetings.identifiers import identifiers_in, names_in
from meetings.models import ITEM_KINDS, AgendaItem, Meeting
from meetings.operations import MeetingError, line
from portal import audit, notifications
from portal.clock import now, today
from portal.db import db, utcnow
from portal.errors import check_version
from portal.forms import to_int
from portal.orgs import Organisation
from portal.people.models import Person
from portal.permissions import check_by
from portal.text import clean_text

N_ = lambda text: text  # noqa: E731 - marks a notice's text for the catalogue; it is translated when shown


def proposal_deadline(meeting: Meeting) -> datetime:
    """The last moment to propose: the end of the day `proposal_days` before the meeting (Swedish time)."""
    from zoneinfo import ZoneInfo

    last = meeting.on_date - timedelta(days=meeting.series.proposal_days)
    return datetime.combine(last, datetime.max.time()).replace(tzinfo=ZoneInfo("Europe/Stockholm"))


def is_open_for_proposals(meeting: Meeting) -> bool:
    return not meeting.is_cancelled and now() <= proposal_deadline(meeting)


def _person_by_ref(ref: str) -> Person | None:
    ref = (ref or "").strip()
    return db.session.scalar(select(Person).where(Person.ref == ref)) if ref else None


def _check_case(meeting: Meeting, *, person_ref: str, anonymised: str, by, problems: list) -> Person | None:
    """A named case only within a `mote` consent covering every member; an anonymised one without identifiers."""
    from portal.people.gate import gate

    person = None
    if person_ref.strip():
        person = _person_by_ref(person_ref)
        if person is None or (by is not None and not gate(by, person, cases.PURPOSE, records=False).allowed):
            problems.append(("person_ref", _l("Ingen deltagare som din organisation får ta upp på möte har den "
                                              "referensen.")))
            return None
        member_ids = meeting.series.member_org_ids
        missing = cases.uncovered([person.id], member_ids)[person.id]
        if missing:
            names = sorted(db.session.scalars(select(Organisation.name).where(Organisation.id.in_(missing))))
            problems.append(("person_ref", _l(
                "Ärendet kan bara tas upp med namn när ett giltigt samtycke för ärendedragning på möte omfattar "
                "alla organisationer i serien och är bekräftat av dem som har uppgifterna. Det saknas för: "
                "%(orgs)s. Beskriv ärendet avidentifierat i stället.", orgs=", ".join(names))))
            return None
        if anonymised:
            problems.append(("anonymised_text", _l("Välj antingen en deltagare eller en avidentifierad "
                                                   "beskrivning, inte båda.")))
        return person
    if not anonymised:
        problems.append(("anonymised_text", _l("Beskriv ärendet avidentifierat, eller ange deltagarens referens "
                                               "om samtycke för ärendedragning finns.")))
    found = identifiers_in(anonymised)
    if found:
        problems.append(("anonymised_text", _l("Texten ska vara avidentifierad men innehåller %(what)s. Ta bort "
                                               "uppgiften.", what=", ".join(found))))
    return None


def _check_referral(meeting: Meeting, reference: str, *, by, problems: list):
    """A referral under review: the proposer's organisation must see it (referrals' named function); a referral
    about a person is a named case and needs the same `mote` consent covering every member organisation."""
    import referrals

    if by is None:  # a trusted script (the demo) names the referral as it is written
        return reference.strip().upper(), None
    case = referrals.referral_for_review(by, reference)
    if case is None:
        problems.append(("referral_ref", _l("Ingen remiss som din organisation får se har det numret.")))
        return "", None
    if case.person_id is not None:
        missing = cases.uncovered([case.person_id], meeting.series.member_org_ids)[case.person_id]
        if missing:
            names = sorted(db.session.scalars(select(Organisation.name).where(Organisation.id.in_(missing))))
            problems.append(("referral_ref", _l(
                "Remissen gäller en deltagare och kan bara tas upp när ett giltigt samtycke för ärendedragning på "
                "möte omfattar alla organisationer i serien. Det saknas för: %(orgs)s. Beskriv ärendet "
                "avidentifierat i stället.", orgs=", ".join(names))))
            return "", None
    return case.reference, case.person_id


def _check_visible_text(title: str, description: str, person, problems: list) -> None:
    """A case item's heading is shown to every member (and an anonymised case's description too), whoever may see
    the person: neither may carry an identifier, nor the named person's name."""
    for field, text in (("title", title), ("description", description)):
        found = identifiers_in(text)
        if person is not None:
            found += names_in(text, [person.first_name, person.last_name])
        if found:
            problems.append((field, _l("Texten visas för alla i serien och får inte innehålla %(what)s. Ta bort "
                                       "uppgiften.", what=", ".join(found))))


def propose_item(meeting: Meeting, *, kind, title, description="", presenter_org_id=None, minutes_planned=None,
                 person_ref: str = "", anonymised_text: str = "", referral_ref: str = "", by) -> AgendaItem:
    """A member proposes an item until the deadline; a coordinator's own item is accepted at once."""
    check_by(by, rules.can_propose, meeting.series, "meeting:propose")
    problems: list = []
    if meeting.is_cancelled:
        problems.append((None, _l("Mötet är inställt.")))
    elif by is not None and meeting.on_date < today():
        problems.append((None, _l("Mötet har redan varit. Föreslå punkten till ett kommande möte.")))
    elif by is not None and not is_open_for_proposals(meeting):
        problems.append((None, _l("Tiden för förslag gick ut %(d)s. Kontakta samordnaren om punkten är brådskande.",
                                  d=proposal_deadline(meeting).date().isoformat())))
    if kind not in ITEM_KINDS:
        problems.append(("kind", _l("Välj vilken sorts punkt det är.")))
    title = line(title, 300, "title", problems)
    if not title:
        problems.append(("title", _l("Ange en rubrik för punkten.")))
    description = clean_text(description if isinstance(description, str) else "").strip()
    if len(description) > 5000:
        problems.append(("description", _l("Högst %(max)s tecken (nu %(n)s).", max=5000, n=len(description))))
    planned = to_int(minutes_planned, minimum=0, maximum=600) if minutes_planned not in (None, "") else 10
    if planned is None:
        problems.append(("minutes_planned", _l("Ange planerad tid i minuter (0–600).")))
    presenter = to_int(presenter_org_id, minimum=1) if presenter_org_id not in (None, "") else None
    if presenter is not None and presenter not in meeting.series.member_org_ids:
        problems.append(("presenter_org_id", _l("Välj en organisation som ingår i serien.")))
    person = None
    anonymised = clean_text(anonymised_text if isinstance(anonymised_text, str) else "").strip()
    referral_ref = line(referral_ref, 40, "referral_ref", problems)
    referral_person = None
    if referral_ref and kind != "arende":
        problems.append(("kind", _l("En remiss kan bara tas upp som ärendedragning.")))
    elif referral_ref:
        referral_ref, referral_person = _check_referral(meeting, referral_ref, by=by, problems=problems)
    if kind == "arende" and not referral_ref and not any(f == "referral_ref" for f, _m in problems):
        person = _check_case(meeting, person_ref=person_ref if isinstance(person_ref, str) else "",
                             anonymised=anonymised, by=by, problems=problems)
    if kind == "arende":
        shown = person or (db.session.get(Person, referral_person) if referral_person else None)
        _check_visible_text(title, description if shown is None else "", shown, problems)
    elif kind != "arende" and ((person_ref or "").strip() or anonymised):
        problems.append(("kind", _l("En deltagare eller ett ärende kan bara tas upp som ärendedragning.")))
    if problems:
        raise MeetingError(problems[0][1], field=problems[0][0], errors=problems)
    coordinator = by is None or rules.can_manage(by, meeting.series)
    position = max((i.position for i in meeting.items), default=0) + 1
    item = AgendaItem(meeting=meeting, position=position, kind=kind, title=title, description=description,
                      presenter_org_id=presenter or (by.organisation_id if by is not None else None),
                      presenter_user_id=by.id if by is not None else None, minutes_planned=planned,
                      state="accepted" if coordinator else "proposed", proposed_by_id=by.id if by else None,
                      proposed_by_org_id=by.organisation_id if by else None,
                      person_id=person.id if person else referral_person,
                      anonymised_text=anonymised if kind == "arende" else "", referral_ref=referral_ref)
    db.session.add(item)
    meeting.version += 1
    db.session.flush()
    audit.record("meeting.item.propose", by=by, obj=item, person_id=item.person_id)
    return item


def accept_item(meeting: Meeting, item: AgendaItem, *, by) -> AgendaItem:
    check_by(by, rules.can_manage, meeting.series, "meeting:manage")
    item.state = "accepted"
    meeting.version += 1
    db.session.flush()
    audit.record("meeting.item.accept", by=by, obj=item, person_id=item.person_id)
    return item


def remove_item(meeting: Meeting, item: AgendaItem, *, by) -> None:
    check_by(by, rules.can_manage, meeting.series, "meeting:manage")
    audit.record("meeting.item.remove", by=by, obj=item, person_id=item.person_id)
    meeting.items.remove(item)
    meeting.version += 1
    db.session.flush()


def move_item(meeting: Meeting, item: AgendaItem, *, direction: str, version=None, by) -> AgendaItem:
    """"Flytta upp" / "Flytta ner": swap with the neighbour (a stale page is refused, so nothing jumps twice)."""
    check_by(by, rules.can_manage, meeting.series, "meeting:manage")
    check_version(version, meeting.version, meeting)
    ordered = list(meeting.items)
    index = ordered.index(item)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other < len(ordered):
        raise MeetingError(_l("Punkten kan inte flyttas längre åt det hållet."))
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, each in enumerate(ordered, start=1):
        each.position = position
    meeting.items.sort(key=lambda i: i.position)
    meeting.version += 1
    db.session.flush()
    audit.record("meeting.item.move", by=by, obj=item)
    return item


def publish(meeting: Meeting, *, by) -> Meeting:
    """Publish the accepted agenda; every member organisation is told in the portal and by e-mail (no details)."""
    check_by(by, rules.can_manage, meeting.series, "meeting:manage")
    if meeting.is_cancelled:
        raise MeetingError(_l("Mötet är inställt och kan inte publiceras."))
    if not any(i.is_accepted for i in meeting.items):
        raise MeetingError(_l("Godkänn minst en punkt innan dagordningen publiceras."))
    meeting.published_dt = utcnow()
    meeting.version += 1
    db.session.flush()
    stamp = f"{meeting.published_dt:%Y%m%d%H%M%S%f}"
    for org_id in sorted(meeting.series.member_org_ids):
        notifications.notify_organisation(
            org_id, N_("Dagordningen för %(series)s den %(date)s är publicerad."),
            params={"series": meeting.series.name, "date": meeting.on_date.isoformat()},
            url=f"/moten/mote/{meeting.id}", permission="meeting.view",
            key=f"meeting-published-{meeting.id}-{stamp}-{org_id}", mail=True)
    audit.record("meeting.publish", by=by, obj=meeting)
    return meeting

