"""Editing a draft revision: save the whole draft, add or remove sections, appendices and routines, import a .docx.

Each operation asks `rules.can_revise` for the acting user `by` (None: a trusted script), refuses anything but a
draft, changes, and records the audit event by that user (see agreements.operations).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l

from agreements import importer, rules
from agreements import routine_operations as routine_ops
from agreements import routines as routine_text
from agreements.models import Appendix, Revision, Routine, Section, Signatory
from agreements.operations import (
    AgreementError,
    check_validity,
    fits,
    long_text,
    one_line,
    require_draft,
    slug,
    too_long,
)
from portal import audit
from portal.db import db, utcnow
from portal.errors import check_version
from portal.permissions import check_by

#: Said when the draft was saved by someone else after the form was opened (the page shows both versions).
STALE_DRAFT_MESSAGE = _l("Utkastet har ändrats av någon annan sedan du öppnade det. Ingenting av det du skrev har "
                         "sparats: jämför din version med den sparade nedan och spara igen.")


@dataclass
class SectionInput:
    id: int | None
    title: str
    body: str
    #: "Ordning" as typed (or the saved number when the form did not send it); checked by save_draft.
    position: int | str


@dataclass
class AppendixInput:
    id: int
    number: str
    title: str
    body: str
    position: int | str
    #: routine id → text with one step per line, "Ansvarig | Vad som görs {krav}"
    routines: dict[int, str]
    #: routine id → who the routine is for ("Målgrupp"), as typed
    eligibility: dict[int, str] = field(default_factory=dict)
    #: routine id → {"title", "min_age", "max_age", "strict"} as typed (agreements.routine_operations)
    settings: dict[int, dict] = field(default_factory=dict)


# --- The text formats of the edit form: routine steps and signatories, one per line -------------------


def parse_steps(text: str) -> list[routine_text.StepDraft]:
    """The routine's text format (agreements.routines): one step a line, sub-steps indented, rules in braces."""
    return routine_text.parse_steps(text)


def steps_as_text(routine: Routine) -> str:
    return routine_text.steps_as_text(routine)


def parse_signatories(text: str, organisations=()) -> list[tuple[str, str, str]]:
    """Lines "Namn, titel, organisation" → tuples; a line without a name is refused.

    Titles and organisation names may hold commas themselves ("enhetschef, Arbetsmarknads- och integrationschef",
    "Lekebergs kommun, AMI"), so a line ending in one of the known `organisations` (the parties, the signatories'
    organisations so far) takes it whole and leaves the rest after the name as the title; any other line is read
    as name, title and everything after the second comma as the organisation.
    """
    known = sorted({o.strip() for o in organisations if o and o.strip()}, key=len, reverse=True)
    result = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        row = next((_with_organisation(line, org) for org in known if _with_organisation(line, org)), None)
        if row is None:
            parts = [p.strip() for p in line.split(",", 2)]
            parts += [""] * (3 - len(parts))
            row = (parts[0], parts[1], parts[2])
        if not row[0]:
            raise AgreementError(_l("Rad %(n)s bland underskrifterna saknar namn.", n=number), field="signatories")
        result.append(row)
    return result


def _with_organisation(line: str, organisation: str) -> tuple[str, str, str] | None:
    """(name, title, organisation) when the line ends in ", <organisation>", else None."""
    if not line.endswith(organisation):
        return None
    head = line[:len(line) - len(organisation)].rstrip()
    if not head.endswith(","):
        return None
    name, _sep, title = head[:-1].partition(",")
    return name.strip(), title.strip(), organisation


def signatories_as_text(revision: Revision) -> str:
    return "\n".join(", ".join(p for p in (s.name, s.title, s.organisation) if p) for s in revision.signatories)


# --- Checking what was typed: the draft's own fields are not WTForms fields -------------------------

#: Far beyond any real draft's number of sections, well inside the database's integer.
MAX_POSITION = 9999
#: The lengths the columns hold (agreements.models).
TITLE_MAX, NUMBER_MAX, NAME_MAX = 300, 20, 200


def _position(value, field: str, problems: list) -> int:
    typed = str(value).strip()
    if re.fullmatch(r"[0-9]{1,9}", typed) and int(typed) <= MAX_POSITION:  # ASCII digits only: int("²") fails
        return int(typed)
    problems.append((field, _l("Ordningen ska vara ett heltal från 0 till %(max)s.", max=MAX_POSITION)))
    return 0


def _fits(value: str, limit: int, field: str, problems: list) -> str:
    if len(value) > limit:
        problems.append((field, too_long(limit, value)))
    return value


def _checked_section(item: SectionInput, problems: list) -> SectionInput:
    field = f"section-{item.id}"
    title = _fits(one_line(item.title), TITLE_MAX, f"{field}-title", problems)
    if not title:
        problems.append((f"{field}-title", _l("Varje avsnitt behöver en rubrik.")))
    return replace(item, title=title, body=long_text(item.body),
                   position=_position(item.position, f"{field}-position", problems))


def _checked_appendix(item: AppendixInput, problems: list) -> AppendixInput:
    field = f"appendix-{item.id}"
    number = _fits(one_line(item.number), NUMBER_MAX, f"{field}-number", problems)
    title = _fits(one_line(item.title), TITLE_MAX, f"{field}-title", problems)
    if not number or not title:
        problems.append((f"{field}-title", _l("Varje bilaga behöver nummer och rubrik.")))
    routines = {}
    for routine_id, text in item.routines.items():
        routines[routine_id] = routine_text.parse_steps(long_text(text), f"routine-{routine_id}-steps", problems)
        for step in routines[routine_id]:
            for row in (step, *step.subs):
                _fits(row.responsible, NAME_MAX, f"routine-{routine_id}-steps", problems)
    eligibility = {routine_id: long_text(text) for routine_id, text in item.eligibility.items()}
    settings = {routine_id: routine_ops.checked_settings(routine_id, typed, problems)
                for routine_id, typed in item.settings.items()}
    return replace(item, number=number, title=title, body=long_text(item.body), routines=routines,
                   eligibility=eligibility, settings=settings,
                   position=_position(item.position, f"{field}-position", problems))


def _checked_signatories(text: str, known: list[str]) -> list[tuple[str, str, str]]:
    rows = parse_signatories(long_text(text), known)
    problems: list = []
    for row in rows:
        for part in row:
            _fits(part, NAME_MAX, "signatories", problems)
    if problems:
        raise AgreementError(problems[0][1], field="signatories")
    return rows


# --- Operations ---------------------------------------------------------------------------------------


def save_draft(revision: Revision, *, expected_version, valid_from: date | None, valid_to: date | None,
               next_revision_due: date | None, place: str | None, change_summary: str | None,
               sections: list[SectionInput], appendices: list[AppendixInput] | None = None,
               signatories: str | None = None, by) -> Revision:
    """Save the whole draft at once; refuse (StaleEdit, 409) when someone saved it since the form was loaded."""
    check_by(by, rules.can_revise, revision.agreement, "agreement:revise")
    require_draft(revision)
    check_version(expected_version, revision.version, record=revision, message=STALE_DRAFT_MESSAGE)
    check_validity(valid_from, valid_to)
    # Every typed field is cleaned (control characters from pasting dropped: they would break the .docx) and
    # checked; all problems are shown at once, each beside its field.
    problems: list = []
    sections = [_checked_section(item, problems) for item in sections]
    appendices = [_checked_appendix(item, problems) for item in appendices or []]
    if problems:
        raise AgreementError(problems[0][1], field=problems[0][0], errors=problems)
    known = [p.name for p in revision.agreement.parties] + [s.organisation for s in revision.signatories]
    signatory_rows = _checked_signatories(signatories, known) if signatories is not None else None
    # Everything is checked: nothing below refuses, so a refusal never leaves half a draft changed.
    revision.valid_from, revision.valid_to = valid_from, valid_to
    revision.next_revision_due, revision.place = next_revision_due, one_line(place) or None
    revision.change_summary = long_text(change_summary) or None
    section_by_id = {s.id: s for s in revision.sections}
    for item in sections:
        section = section_by_id.get(item.id)
        if section is not None:
            section.title, section.body, section.position = item.title, item.body, item.position
    appendix_by_id = {a.id: a for a in revision.appendices}
    for item in appendices:
        appendix = appendix_by_id.get(item.id)
        if appendix is None:
            continue
        appendix.number, appendix.title, appendix.body = item.number, item.title, item.body
        appendix.position = item.position
        routine_by_id = {r.id: r for r in appendix.routines}
        for routine_id, steps in item.routines.items():
            routine = routine_by_id.get(routine_id)
            if routine is not None:
                routine_text.set_steps(routine, steps)
        for routine_id, text in item.eligibility.items():
            if routine_id in routine_by_id:
                routine_by_id[routine_id].eligibility = text
        for routine_id, settings in item.settings.items():
            if routine_id in routine_by_id:
                routine_ops.apply_settings(routine_by_id[routine_id], settings)
    if signatory_rows is not None:
        revision.signatories = [Signatory(name=n, title=t, organisation=o, position=i)
                                for i, (n, t, o) in enumerate(signatory_rows)]
    revision.updated_dt = utcnow()
    db.session.flush()  # bumps `version`; a concurrent writer fails here (StaleDataError)
    audit.record("agreement.revision.save", obj=revision, by=by, details={"version": revision.version})
    return revision


def add_section(revision: Revision, *, title: str, by) -> Section:
    """A new, empty section last in the draft."""
    check_by(by, rules.can_revise, revision.agreement, "agreement:revise")
    require_draft(revision)
    title = one_line(title)
    if not title:
        raise AgreementError(_l("Ange en rubrik för det nya avsnittet."), field="title")
    fits(title, TITLE_MAX, "title")
    section = _new_section(revision, title)
    revision.updated_dt = utcnow()
    db.session.flush()
    audit.record("agreement.section.add", obj=revision, by=by, details={"title": title})
    return section


def _new_section(revision: Revision, title: str) -> Section:
    """An empty section last in the draft, with a key no other section of it has."""
    keys = {s.key for s in revision.sections}
    key, n = slug(title), 2
    while key in keys:
        key, n = f"{slug(title)}-{n}", n + 1
    position = min(max((s.position for s in revision.sections), default=-1) + 1, MAX_POSITION)
    section = Section(key=key, title=title, body="", position=position)
    revision.sections.append(section)
    return section


def remove_section(revision: Revision, section: Section, *, by) -> None:
    check_by(by, rules.can_revise, revision.agreement, "agreement:revise")
    require_draft(revision)
    revision.sections.remove(section)
    revision.updated_dt = utcnow()
    db.session.flush()
    audit.record("agreement.section.remove", obj=revision, by=by, details={"title": section.title})


def add_appendix(revision: Revision, *, number: str, title: str, by) -> Appendix:
    """A new bilaga last in the draft, numbered as the parties number it ("1", "3b")."""
    check_by(by, rules.can_revise, revision.agreement, "agreement:revise")
    require_draft(revision)
    number, title = fits(one_line(number), NUMBER_MAX, "number"), fits(one_line(title), TITLE_MAX, "title")
    if not number:
        raise AgreementError(_l("Ange bilagans nummer, t.ex. 1 eller 3b."), field="number")
    if not title:
        raise AgreementError(_l("Ange bilagans rubrik."), field="title")
    position = min(max((a.position for a in revision.appendices), default=-1) + 1, MAX_POSITION)
    appendix = Appendix(key=slug(title), number=number, title=title, body="", position=position)
    revision.appendices.append(appendix)
    revision.updated_dt = utcnow()
    db.session.flush()
    audit.record("agreement.appendix.add", obj=revision, by=by, details={"number": number, "title": title})
    return appendix


def add_routine(appendix: Appendix, *, title: str, key: str | None = None, by) -> Routine:
    """A new routine, without steps yet, in an appendix of the draft."""
    revision = appendix.revision
    check_by(by, rules.can_revise, revision.agreement, "agreement:revise")
    require_draft(revision)
    title = fits(one_line(title), TITLE_MAX, "title")
    if not title:
        raise AgreementError(_l("Ange rutinens namn."), field="title")
    routine = Routine(key=key or slug(title), title=title, position=len(appendix.routines))
    appendix.routines.append(routine)
    db.session.flush()
    audit.record("agreement.routine.add", obj=revision, by=by, details={"title": title})
    return routine


def import_document(revision: Revision, *, data: bytes, filename: str, by) -> importer.ImportResult:
    """Pre-fill the draft from an uploaded .docx: matching sections get the text, others are added.

    Refuses with importer.ImportError_ (a RuleError) when the file cannot be read or is beyond the configured
    caps (importer.Limits); returns what was read, including the text that could not be placed, for the page to
    show. One audit event tells the whole import, with its counts.
    """
    check_by(by, rules.can_revise, revision.agreement, "agreement:revise")
    require_draft(revision)
    imported = importer.read(data, filename, importer.Limits.from_config(current_app.config))
    by_key = {s.key: s for s in revision.sections}
    by_title = {s.title.strip().lower(): s for s in revision.sections}
    filled = added = 0
    for item in imported.sections:
        title = one_line(item.title)
        section = by_key.get(item.key) if item.key else None
        section = section or by_title.get(title.lower())
        if section is None:
            section = _new_section(revision, title or "Avsnitt")
            added += 1
        else:
            filled += 1
        section.body = long_text(item.body)
    revision.updated_dt = utcnow()
    db.session.flush()
    audit.record("agreement.revision.import", obj=revision, by=by,
                 details={"filename": one_line(filename)[:200], "bytes": len(data),
                          "sections": len(imported.sections), "paragraphs": imported.paragraphs,
                          "filled": filled, "added": added, "unplaced": len(imported.unplaced)})
    return imported
