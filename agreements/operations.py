"""Every change to agreements, revisions and goals: checks the rule, writes the audit event."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from agreements import template
from agreements.models import (
    Agreement,
    AgreementParty,
    Appendix,
    Goal,
    Measurement,
    PartyPerson,
    Revision,
    RevisionComment,
    RevisionGoal,
    Routine,
    RoutineStep,
    Section,
    Signatory,
)
from portal import audit
from portal.db import db, utcnow
from portal.orgs import Organisation


class AgreementError(ValueError):
    """A rule for agreements was broken; `field` names the form field the message belongs beside."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.field = field


class StaleRevision(AgreementError):
    """The draft was saved by someone else since the form was opened; carries the saved revision."""

    def __init__(self, current: Revision):
        super().__init__(_l("Utkastet har ändrats av någon annan sedan du öppnade det. Ingenting av det du skrev "
                            "har sparats: jämför din version med den sparade nedan och spara igen."))
        self.current = current


def _actor_id(by) -> int | None:
    """Who is acting: the given user, else the logged-in user of the request (None in scripts and seeding)."""
    if by is not None:
        return by.id
    from flask import has_request_context
    from flask_login import current_user

    if has_request_context() and current_user.is_authenticated:
        return current_user.id
    return None


def _require_draft(revision: Revision) -> None:
    if revision.state == "adopted":
        raise AgreementError(_l("Revision %(n)s är antagen och kan inte ändras. Skapa en ny revision för att "
                                "göra ändringar.", n=revision.number))
    if revision.state != "draft":
        raise AgreementError(_l("Revision %(n)s är föreslagen för antagande. Ta tillbaka den till utkast för att "
                                "ändra den.", n=revision.number))


def _slug(text: str) -> str:
    value = re.sub(r"[^a-z0-9åäö]+", "-", (text or "").lower()).strip("-")
    return (value.replace("å", "a").replace("ä", "a").replace("ö", "o") or "avsnitt")[:60]


# --- Agreements ---------------------------------------------------------------------------------------


def create_agreement(*, title: str, diarienummer: str | None, parties: list[Organisation],
                     valid_from: date | None = None, valid_to: date | None = None, by=None) -> Agreement:
    """A new agreement with revision 1 as a draft holding the seed agreement's sections."""
    title = (title or "").strip()
    if not title:
        raise AgreementError(_l("Ange överenskommelsens titel."), field="title")
    if len(parties) < 2:
        raise AgreementError(_l("En överenskommelse behöver minst två parter, t.ex. kommunen och "
                                "Arbetsförmedlingen."), field="parties")
    _check_validity(valid_from, valid_to)
    agreement = Agreement(title=title, diarienummer=(diarienummer or "").strip() or None)
    for position, org in enumerate(parties):
        agreement.parties.append(AgreementParty(organisation=org, name=org.name, orgnr=org.orgnr,
                                                position=position))
    db.session.add(agreement)
    revision = Revision(agreement=agreement, number=1, state="draft", valid_from=valid_from, valid_to=valid_to,
                        created_by_id=_actor_id(by))
    for position, (key, title_text, _hint) in enumerate(template.SECTIONS):
        revision.sections.append(Section(key=key, title=title_text, body="", position=position))
    db.session.add(revision)
    db.session.flush()
    audit.record("agreement.create", obj=agreement, by=by,
                 details={"title": title, "parties": [p.orgnr for p in agreement.parties]})
    return agreement


def add_party_person(party: AgreementParty, *, name: str, title: str = "", email: str | None = None,
                     is_signatory: bool = False, is_contact: bool = False, by=None) -> PartyPerson:
    name = (name or "").strip()
    if not name:
        raise AgreementError(_l("Ange personens namn."), field="name")
    person = PartyPerson(name=name, title=(title or "").strip() or None, email=email, is_signatory=is_signatory,
                         is_contact=is_contact, position=len(party.persons))
    party.persons.append(person)
    db.session.flush()
    audit.record("agreement.party_person.add", obj=party.agreement, by=by, details={"party": party.name})
    return person


def _check_validity(valid_from: date | None, valid_to: date | None) -> None:
    if valid_from and valid_to and valid_to < valid_from:
        raise AgreementError(_l("Slutdatumet (t.o.m.) kan inte vara före startdatumet (fr.o.m.)."),
                             field="valid_to")


# --- Revisions ----------------------------------------------------------------------------------------


def new_revision(agreement: Agreement, *, by=None) -> Revision:
    """Start the next revision as a copy of the latest adopted one; at most one open draft at a time."""
    open_revision = agreement.open_revision()
    if open_revision is not None:
        raise AgreementError(_l("Det finns redan ett öppet utkast (revision %(n)s). Arbeta vidare i det i stället "
                                "för att skapa ett nytt.", n=open_revision.number))
    source = agreement.latest_adopted()
    if source is None:
        raise AgreementError(_l("Det finns ingen antagen revision att utgå från."))
    number = max(r.number for r in agreement.revisions) + 1
    revision = Revision(number=number, state="draft", based_on_id=source.id,
                        valid_from=source.valid_from, valid_to=source.valid_to,
                        next_revision_due=source.next_revision_due, place=source.place,
                        created_by_id=_actor_id(by))
    try:
        with db.session.begin_nested():  # a concurrent request may have opened a draft a moment ago
            db.session.add(revision)
            revision.agreement = agreement
            with db.session.no_autoflush:
                _copy_content(source, revision)
            db.session.flush()
    except IntegrityError:
        raise AgreementError(_l("Någon annan startade just en ny revision. Ladda om sidan och arbeta vidare i "
                                "den.")) from None
    audit.record("agreement.revision.create", obj=revision, by=by,
                 details={"agreement": agreement.id, "number": number, "based_on": source.number})
    return revision


def _copy_content(source: Revision, revision: Revision) -> None:
    for s in source.sections:
        revision.sections.append(Section(key=s.key, title=s.title, body=s.body, position=s.position))
    for a in source.appendices:
        appendix = Appendix(key=a.key, number=a.number, title=a.title, body=a.body, position=a.position)
        for r in a.routines:
            routine = Routine(key=r.key, title=r.title, position=r.position)
            routine.steps = [RoutineStep(number=st.number, text=st.text, responsible=st.responsible)
                             for st in r.steps]
            appendix.routines.append(routine)
        revision.appendices.append(appendix)
    for s in source.signatories:
        revision.signatories.append(Signatory(name=s.name, title=s.title, organisation=s.organisation,
                                              position=s.position))
    for link in source.goal_links:
        revision.goal_links.append(RevisionGoal(goal=link.goal, position=link.position))
    # goals added to the agreement since the source was adopted belong in the new revision too
    linked = {link.goal_id for link in source.goal_links}
    for goal in source.agreement.goals:
        if goal.id not in linked:
            revision.goal_links.append(RevisionGoal(goal=goal, position=len(revision.goal_links)))


@dataclass
class SectionInput:
    id: int | None
    title: str
    body: str
    position: int


@dataclass
class AppendixInput:
    id: int
    number: str
    title: str
    body: str
    position: int
    #: routine id → text with one step per line, "Ansvarig | Vad som görs"
    routines: dict[int, str]


def parse_steps(text: str) -> list[tuple[str, str]]:
    """Lines "Ansvarig | text" (or just text) → (responsible, text)."""
    steps = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        if "|" in line:
            responsible, _sep, step = line.partition("|")
            steps.append((responsible.strip(), step.strip()))
        else:
            steps.append(("", line))
    return steps


def _set_steps(routine: Routine, steps: list[tuple[str, str]]) -> None:
    """Update steps in place (numbers are unique per routine, and new rows are inserted before old are deleted)."""
    existing = list(routine.steps)
    for number, (responsible, text) in enumerate(steps, start=1):
        if number <= len(existing):
            existing[number - 1].responsible, existing[number - 1].text = responsible, text
        else:
            routine.steps.append(RoutineStep(number=number, responsible=responsible, text=text))
    for step in existing[len(steps):]:
        routine.steps.remove(step)


def steps_as_text(routine: Routine) -> str:
    return "\n".join(f"{s.responsible} | {s.text}" if s.responsible else s.text for s in routine.steps)


def parse_signatories(text: str) -> list[tuple[str, str, str]]:
    """Lines "Namn, titel, organisation" → tuples; a line without a name is refused."""
    result = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split(",", 2)]
        if not parts[0]:
            raise AgreementError(_l("Rad %(n)s bland underskrifterna saknar namn.", n=number), field="signatories")
        parts += [""] * (3 - len(parts))
        result.append((parts[0], parts[1], parts[2]))
    return result


def signatories_as_text(revision: Revision) -> str:
    return "\n".join(", ".join(p for p in (s.name, s.title, s.organisation) if p) for s in revision.signatories)


def save_draft(revision: Revision, *, expected_version: int, valid_from: date | None, valid_to: date | None,
               next_revision_due: date | None, place: str | None, change_summary: str | None,
               sections: list[SectionInput], appendices: list[AppendixInput] | None = None,
               signatories: str | None = None, by=None) -> Revision:
    """Save the whole draft at once; refuse when someone saved it since the form was loaded."""
    _require_draft(revision)
    if expected_version != revision.version:
        raise StaleRevision(revision)
    _check_validity(valid_from, valid_to)
    by_id = {s.id: s for s in revision.sections}
    for item in sections:
        if not item.title.strip():
            raise AgreementError(_l("Varje avsnitt behöver en rubrik."), field=f"section-{item.id}-title")
    signatory_rows = parse_signatories(signatories) if signatories is not None else None
    revision.valid_from, revision.valid_to = valid_from, valid_to
    revision.next_revision_due, revision.place = next_revision_due, (place or "").strip() or None
    revision.change_summary = (change_summary or "").strip() or None
    for item in sections:
        section = by_id.get(item.id)
        if section is None:
            continue
        section.title, section.body, section.position = item.title.strip(), item.body.strip(), item.position
    appendix_by_id = {a.id: a for a in revision.appendices}
    for item in appendices or []:
        appendix = appendix_by_id.get(item.id)
        if appendix is None:
            continue
        if not item.number.strip() or not item.title.strip():
            raise AgreementError(_l("Varje bilaga behöver nummer och rubrik."), field=f"appendix-{item.id}-title")
        appendix.number, appendix.title = item.number.strip(), item.title.strip()
        appendix.body, appendix.position = item.body.strip(), item.position
        routine_by_id = {r.id: r for r in appendix.routines}
        for routine_id, text in item.routines.items():
            routine = routine_by_id.get(routine_id)
            if routine is not None:
                _set_steps(routine, parse_steps(text))
    if signatory_rows is not None:
        revision.signatories = [Signatory(name=n, title=t, organisation=o, position=i)
                                for i, (n, t, o) in enumerate(signatory_rows)]
    revision.updated_dt = utcnow()
    db.session.flush()  # bumps `version`; a concurrent writer fails here (StaleDataError)
    audit.record("agreement.revision.save", obj=revision, by=by, details={"version": revision.version})
    return revision


def add_section(revision: Revision, *, title: str, by=None) -> Section:
    _require_draft(revision)
    title = (title or "").strip()
    if not title:
        raise AgreementError(_l("Ange en rubrik för det nya avsnittet."), field="title")
    keys = {s.key for s in revision.sections}
    key, n = _slug(title), 2
    while key in keys:
        key, n = f"{_slug(title)}-{n}", n + 1
    position = max((s.position for s in revision.sections), default=-1) + 1
    section = Section(key=key, title=title, body="", position=position)
    revision.sections.append(section)
    revision.updated_dt = utcnow()
    db.session.flush()
    audit.record("agreement.section.add", obj=revision, by=by, details={"title": title})
    return section


def remove_section(revision: Revision, section: Section, *, by=None) -> None:
    _require_draft(revision)
    revision.sections.remove(section)
    revision.updated_dt = utcnow()
    db.session.flush()
    audit.record("agreement.section.remove", obj=revision, by=by, details={"title": section.title})


def add_appendix(revision: Revision, *, number: str, title: str, by=None) -> Appendix:
    _require_draft(revision)
    number, title = (number or "").strip(), (title or "").strip()
    if not number:
        raise AgreementError(_l("Ange bilagans nummer, t.ex. 1 eller 3b."), field="number")
    if not title:
        raise AgreementError(_l("Ange bilagans rubrik."), field="title")
    position = max((a.position for a in revision.appendices), default=-1) + 1
    appendix = Appendix(key=_slug(title), number=number, title=title, body="", position=position)
    revision.appendices.append(appendix)
    revision.updated_dt = utcnow()
    db.session.flush()
    audit.record("agreement.appendix.add", obj=revision, by=by, details={"number": number, "title": title})
    return appendix


def add_routine(appendix: Appendix, *, title: str, key: str | None = None, by=None) -> Routine:
    _require_draft(appendix.revision)
    title = (title or "").strip()
    if not title:
        raise AgreementError(_l("Ange rutinens namn."), field="title")
    routine = Routine(key=key or _slug(title), title=title, position=len(appendix.routines))
    appendix.routines.append(routine)
    db.session.flush()
    audit.record("agreement.routine.add", obj=appendix.revision, by=by, details={"title": title})
    return routine


def propose(revision: Revision, *, by=None) -> Revision:
    """Draft → proposed: the steering group may now comment and adopt."""
    _require_draft(revision)
    empty = [s.title for s in revision.sections if not s.body.strip() and s.key != "underskrifter"]
    if empty:
        raise AgreementError(_l("Följande avsnitt saknar text: %(titles)s. Fyll i dem eller ta bort dem innan "
                                "utkastet föreslås.", titles=", ".join(empty)))
    revision.state, revision.proposed_dt, revision.proposed_by_id = "proposed", utcnow(), _actor_id(by)
    db.session.flush()
    audit.record("agreement.revision.propose", obj=revision, by=by, details={"number": revision.number})
    return revision


def withdraw_proposal(revision: Revision, *, by=None) -> Revision:
    """Proposed → draft, so the coordinator can work in the comments."""
    if revision.state != "proposed":
        raise AgreementError(_l("Bara en föreslagen revision kan tas tillbaka till utkast."))
    revision.state = "draft"
    db.session.flush()
    audit.record("agreement.revision.withdraw", obj=revision, by=by, details={"number": revision.number})
    return revision


def goal_snapshot(goal: Goal) -> dict:
    def num(value):
        return None if value is None else str(value)

    return {"indicator": goal.indicator, "unit": goal.unit, "decimals": goal.decimals,
            "description": goal.description, "target_type": goal.target_type,
            "baseline_value": num(goal.baseline_value),
            "baseline_date": goal.baseline_date.isoformat() if goal.baseline_date else None,
            "target_value": num(goal.target_value), "target_direction": goal.target_direction,
            "target_date": goal.target_date.isoformat() if goal.target_date else None}


def adopt(revision: Revision, *, adopted_on: date, by=None) -> Revision:
    """Proposed → adopted: records who and when, the signatories, and freezes the goals. Immutable after."""
    if revision.state == "adopted":
        raise AgreementError(_l("Revision %(n)s är redan antagen.", n=revision.number))
    if revision.state != "proposed":
        raise AgreementError(_l("Revisionen måste föreslås innan den kan antas."))
    if adopted_on is None:
        raise AgreementError(_l("Ange datum för beslutet."), field="adopted_on")
    if adopted_on > date.today():
        raise AgreementError(_l("Beslutsdatumet kan inte ligga i framtiden."), field="adopted_on")
    if not revision.signatories:
        raise AgreementError(_l("Ange minst en undertecknare innan revisionen antas."))
    for link in revision.goal_links:
        link.frozen = json.dumps(goal_snapshot(link.goal), ensure_ascii=False, sort_keys=True)
    for signatory in revision.signatories:
        signatory.signed_on = signatory.signed_on or adopted_on
    revision.state, revision.adopted_on = "adopted", adopted_on
    revision.adopted_dt, revision.adopted_by_id = utcnow(), _actor_id(by)
    db.session.flush()
    audit.record("agreement.revision.adopt", obj=revision, by=by,
                 details={"number": revision.number, "adopted_on": adopted_on.isoformat(),
                          "signatories": [s.name for s in revision.signatories]})
    return revision


SCAN_TYPES = {b"%PDF": "application/pdf", b"\xff\xd8\xff": "image/jpeg", b"\x89PNG": "image/png"}
SCAN_MAX_BYTES = 10 * 1024 * 1024


def upload_scan(revision: Revision, *, filename: str, data: bytes, by=None) -> Revision:
    """Attach the signed, scanned copy to an adopted revision (the only thing that may change on it)."""
    if revision.state != "adopted":
        raise AgreementError(_l("Den underskrivna kopian kan bara laddas upp till en antagen revision."),
                             field="scan")
    mimetype = next((m for magic, m in SCAN_TYPES.items() if data.startswith(magic)), None)
    if not data:
        raise AgreementError(_l("Välj en fil att ladda upp."), field="scan")
    if mimetype is None:
        raise AgreementError(_l("Filen måste vara en PDF, JPEG eller PNG."), field="scan")
    if len(data) > SCAN_MAX_BYTES:
        raise AgreementError(_l("Filen är större än 10 MB."), field="scan")
    revision.scan_filename = (filename or "underskriven.pdf")[-200:]
    revision.scan_mimetype, revision.scan_data, revision.scan_uploaded_dt = mimetype, data, utcnow()
    db.session.flush()
    audit.record("agreement.revision.scan", obj=revision, by=by, details={"filename": revision.scan_filename})
    return revision


def add_comment(revision: Revision, *, body: str, by) -> RevisionComment:
    if revision.state != "proposed":
        raise AgreementError(_l("Det går bara att kommentera en föreslagen revision."), field="body")
    body = (body or "").strip()
    if not body:
        raise AgreementError(_l("Skriv en kommentar."), field="body")
    comment = RevisionComment(revision=revision, author_id=_actor_id(by), organisation_id=by.organisation_id,
                              body=body)
    db.session.add(comment)
    db.session.flush()
    audit.record("agreement.revision.comment", obj=revision, by=by)
    return comment


# --- Goals --------------------------------------------------------------------------------------------


def _check_goal(indicator: str, unit: str | None, target_type: str, baseline_value, baseline_date,
                target_value, target_direction, target_date) -> None:
    if not indicator:
        raise AgreementError(_l("Ange vad målet gäller (indikator eller delmål)."), field="indicator")
    if target_type not in ("value", "direction", "milestone"):
        raise AgreementError(_l("Välj typ av mål."), field="target_type")
    if target_type != "milestone":
        if unit is None:
            raise AgreementError(_l("Ange en enhet för målet, t.ex. %, antal eller kronor."), field="unit")
        if baseline_value is None:
            raise AgreementError(_l("Ange utgångsvärdet."), field="baseline_value")
    if target_type == "value" and target_value is None:
        raise AgreementError(_l("Ange målvärdet."), field="target_value")
    if target_type == "direction" and target_direction not in ("decrease", "increase"):
        raise AgreementError(_l("Ange om värdet ska minska eller öka."), field="target_direction")
    if target_date is None:
        raise AgreementError(_l("Ange när målet ska vara nått."), field="target_date")
    if baseline_date and target_date < baseline_date:
        raise AgreementError(_l("Måldatumet kan inte vara före utgångsläget."), field="target_date")


def create_goal(agreement: Agreement, *, indicator: str, unit: str | None, target_type: str,
                baseline_value: Decimal | None = None, baseline_date: date | None = None,
                target_value: Decimal | None = None, target_direction: str | None = None,
                target_date: date | None = None, description: str = "", decimals: int = 1,
                by=None) -> Goal:
    """Add a goal to the agreement and to its open draft (if any)."""
    indicator, unit = (indicator or "").strip(), (unit or "").strip() or None
    _check_goal(indicator, unit, target_type, baseline_value, baseline_date, target_value, target_direction,
                target_date)
    goal = Goal(agreement=agreement, indicator=indicator, unit=unit, target_type=target_type,
                baseline_value=baseline_value, baseline_date=baseline_date, target_value=target_value,
                target_direction=target_direction if target_type == "direction" else None,
                target_date=target_date, description=(description or "").strip(), decimals=decimals,
                position=len(agreement.goals))
    db.session.add(goal)
    db.session.flush()
    draft = agreement.open_revision()
    if draft is not None and draft.state == "draft":
        draft.goal_links.append(RevisionGoal(goal=goal, position=len(draft.goal_links)))
        db.session.flush()
    audit.record("agreement.goal.create", obj=goal, by=by, details={"indicator": indicator})
    return goal


def update_goal(goal: Goal, *, indicator: str, unit: str | None, target_type: str,
                baseline_value: Decimal | None, baseline_date: date | None, target_value: Decimal | None,
                target_direction: str | None, target_date: date | None, description: str = "",
                by=None) -> Goal:
    """Change a goal's wording or target. Adopted revisions keep the wording frozen when they were adopted."""
    indicator, unit = (indicator or "").strip(), (unit or "").strip() or None
    _check_goal(indicator, unit, target_type, baseline_value, baseline_date, target_value, target_direction,
                target_date)
    switches_kind = (goal.target_type == "milestone") != (target_type == "milestone")
    if switches_kind and (goal.measurements or goal.achieved_on):
        raise AgreementError(_l("Målet har redan mätvärden eller är avbockat; det kan inte bytas mellan delmål "
                                "och mätbart mål."), field="target_type")
    goal.indicator, goal.unit, goal.target_type = indicator, unit, target_type
    goal.baseline_value, goal.baseline_date, goal.target_value = baseline_value, baseline_date, target_value
    goal.target_direction = target_direction if target_type == "direction" else None
    goal.target_date, goal.description = target_date, (description or "").strip()
    db.session.flush()
    audit.record("agreement.goal.update", obj=goal, by=by, details={"indicator": indicator})
    return goal


def record_measurement(goal: Goal, *, measured_on: date, value: Decimal, source: str = "manual",
                       by=None) -> Measurement:
    """Enter a measured value; a value for a date already measured replaces it."""
    if goal.target_type == "milestone":
        raise AgreementError(_l("Ett delmål har inga mätvärden; bocka av det med ett datum i stället."),
                             field="value")
    if measured_on is None:
        raise AgreementError(_l("Ange mätdatum."), field="measured_on")
    if value is None:
        raise AgreementError(_l("Ange ett värde i siffror, t.ex. 9,5."), field="value")
    existing = next((m for m in goal.measurements if m.measured_on == measured_on), None)
    if existing is None:
        existing = Measurement(measured_on=measured_on, value=value, source=source,
                               entered_by_id=_actor_id(by))
        goal.measurements.append(existing)
        goal.measurements.sort(key=lambda m: m.measured_on)
    else:
        existing.value, existing.source, existing.entered_dt = value, source, utcnow()
    db.session.flush()
    audit.record("agreement.goal.measure", obj=goal, by=by,
                 details={"date": measured_on.isoformat(), "value": str(value), "source": source})
    return existing


def import_measurements(goal: Goal, content: bytes, *, by=None) -> int:
    """Import a CSV of dates and values (all rows or none); returns how many were stored."""
    from agreements.goals import parse_measurements_csv

    rows = parse_measurements_csv(content)
    for measured_on, value in rows:
        record_measurement(goal, measured_on=measured_on, value=value, source="csv", by=by)
    return len(rows)


def check_off_milestone(goal: Goal, *, achieved_on: date | None, note: str = "", by=None) -> Goal:
    """Mark a delmål as done on a date (or undo with None)."""
    if goal.target_type != "milestone":
        raise AgreementError(_l("Bara delmål bockas av; andra mål följs upp med mätvärden."), field="achieved_on")
    if achieved_on is not None and achieved_on > date.today():
        raise AgreementError(_l("Datumet kan inte ligga i framtiden."), field="achieved_on")
    goal.achieved_on, goal.achieved_note = achieved_on, (note or "").strip() or None
    goal.achieved_by_id = _actor_id(by) if achieved_on else None
    db.session.flush()
    audit.record("agreement.goal.check", obj=goal, by=by,
                 details={"achieved_on": achieved_on.isoformat() if achieved_on else None})
    return goal


# --- Import of a .docx into a draft -------------------------------------------------------------------


def apply_import(revision: Revision, imported, *, by=None) -> tuple[int, int]:
    """Pre-fill the draft from an imported document: matching sections get the text, others are added."""
    _require_draft(revision)
    by_key = {s.key: s for s in revision.sections}
    by_title = {s.title.strip().lower(): s for s in revision.sections}
    filled = added = 0
    for item in imported.sections:
        section = by_key.get(item.key) if item.key else None
        section = section or by_title.get(item.title.strip().lower())
        if section is None:
            section = add_section(revision, title=item.title, by=by)
            added += 1
        else:
            filled += 1
        section.body = item.body
    revision.updated_dt = utcnow()
    db.session.flush()
    audit.record("agreement.revision.import", obj=revision, by=by,
                 details={"filled": filled, "added": added, "unplaced": len(imported.unplaced)})
    return filled, added


def agreements_for(user) -> list[Agreement]:
    """Agreements where the user is staff of a party (list page)."""
    from portal.permissions import is_party_staff

    rows = db.session.scalars(select(Agreement).options(selectinload(Agreement.revisions))
                              .order_by(Agreement.title)).all()
    return [a for a in rows if is_party_staff(user, a.party_org_ids)]
