"""Routine runs: start one for a person (from an accepted referral or the person page), complete, skip, take the
"tveksam" branch, record meetings, documents and follow-ups. The routine is read through `agreements.routines_for`
from the revision the run started on, so a newer revision never moves a run."""
from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

import agreements
from agreements import RoutineInfo, RoutineStepInfo
from portal import audit
from portal.clock import today
from portal.db import db, utcnow
from portal.errors import RuleError, StaleEdit, check_version
from portal.orgs import Organisation
from portal.people.gate import gate
from portal.people.identity import age_on
from portal.people.models import Consent, Person
from portal.permissions import check_by, own_and_parent_ids
from portal.text import clean_line, clean_text
from portal.uploads import check_document
from referrals import routine_rules as rules
from referrals.routine_models import RoutineRun, RunDocument, RunPartner, RunStep

PURPOSE = "samordning"
DOCUMENT_LABELS = {"studieplan": _l("studieplan"), "betyg": _l("betyg"), "avtal": _l("underskrivet avtal"),
                   "annat": _l("annat dokument")}
#: What a step still needs, as the message's list names it.
NEEDED_DOCUMENT = {"studieplan": _l("en studieplan registrerad på rutinen"),
                   "betyg": _l("betyg registrerade på rutinen"),
                   "avtal": _l("ett underskrivet avtal registrerat på rutinen"),
                   "annat": _l("ett dokument registrerat på rutinen")}
STEP_STATE_LABELS = {"not_started": _l("Inte påbörjat"), "in_progress": _l("Pågår"), "done": _l("Klart"),
                     "skipped": _l("Hoppades över")}
PARTY_LABELS = {"kommun": _l("kommunen"), "arbetsformedlingen": _l("Arbetsförmedlingen"), "syv": _l("SYV"),
                "skola": _l("skolan"), "socialtjanst": _l("socialtjänsten"), "person": _l("deltagaren")}


class RoutineError(RuleError):
    """A run's step cannot be taken now; the message says why in Swedish."""


# --- reading the routine ---------------------------------------------------------------------------------------


def routine_of(run: RoutineRun) -> RoutineInfo:
    """The routine as the revision the run started on states it."""
    found = next((r for r in agreements.routines_for(run.agreement_id, revision_id=run.revision_id)
                  if r.key == run.routine_key), None)
    if found is None:  # an adopted revision is frozen: its routine cannot go away
        raise LookupError(f"routine {run.routine_key} of revision {run.revision_id}")
    return found


def routines_of(organisation: Organisation) -> list[RoutineInfo]:
    """The routines in force for the organisation: of the latest adopted revision of each agreement it (or the
    kommun it is a unit of) is a party to, whether or not that revision's period has ended."""
    return [r for a in agreements.agreements_for_organisation(organisation) for r in agreements.routines_for(a)]


def one_per_key(routines: list[RoutineInfo]) -> list[RoutineInfo]:
    """One routine per key for the board: the one in force today, else the latest adopted (its steps label the
    board's rows; runs of the key count wherever they stand)."""
    chosen: dict[str, RoutineInfo] = {}
    for routine in sorted(routines, key=lambda r: (r.has_expired(today()), -(r.valid_to or today()).toordinal())):
        chosen.setdefault(routine.key, routine)
    return sorted(chosen.values(), key=lambda r: [x.key for x in routines].index(r.key))


def startable_for(referral, user) -> list[RoutineInfo]:
    """The routines the user may start from this referral: it is accepted, names a person, the user handles it at
    the receiving organisation with routine.run, and the routine's revision is in force today."""
    if (referral.state != "accepted" or referral.person_id is None or user.organisation_id != referral.to_org_id
            or not rules.can_start(user)):
        return []
    return [r for r in routines_of(user.organisation) if not r.has_expired(today())]


# --- starting ----------------------------------------------------------------------------------------------------


def start(person: Person, routine: RoutineInfo, *, by, referral=None, partner_ids=()) -> RoutineRun:
    """A run of `routine` for the person, held by the user's organisation, at the routine's first step."""
    check_by(by, lambda user, _r: rules.can_start(user), None, "routine.start")
    problems = []
    if routine.has_expired(today()):
        problems.append(("routine", _l("Överenskommelsen som rutinen hör till gällde till %(d)s. En ny rutin kan "
                                       "bara startas enligt en överenskommelse som gäller.",
                                       d=routine.valid_to.isoformat())))
    if not own_and_parent_ids(by.organisation) & routine.party_ids:
        problems.append(("routine", _l("Din organisation är inte part i överenskommelsen som rutinen hör till.")))
    if not gate(by, person, PURPOSE, record=False, records=False).allowed:
        problems.append(("routine", _l("Du får inte se deltagaren för samordning, så ingen rutin kan startas.")))
    taken = db.session.scalar(select(RoutineRun.id).where(
        RoutineRun.person_id == person.id, RoutineRun.organisation_id == by.organisation_id,
        RoutineRun.routine_key == routine.key, RoutineRun.state == "active"))
    if taken:
        problems.append(("routine", _l("Deltagaren har redan en pågående rutin av det här slaget hos er.")))
    age = age_on(person.birth_date, today()) if person.birth_date else None
    outside = routine.outside_ages(age)
    if outside and routine.age_strict:
        problems.append(("routine", _l("Rutinen gäller deltagare som är %(ages)s år; deltagaren är %(age)s år. "
                                       "Överenskommelsen gör åldersgränsen till ett krav, så rutinen kan inte "
                                       "startas.", ages=routine.ages_text, age=age)))
    if problems:
        raise RoutineError(problems[0][1], "routine", errors=problems)
    partners = {int(i) for i in partner_ids if int(i) != by.organisation_id}
    if referral is not None:
        partners |= {referral.from_org_id, referral.to_org_id} - {by.organisation_id}
    run = RoutineRun(person_id=person.id, organisation_id=by.organisation_id,
                     partners=[RunPartner(organisation_id=i) for i in sorted(partners)],
                     referral_id=referral.id if referral is not None else None, agreement_id=routine.agreement_id,
                     revision_id=routine.revision_id, routine_key=routine.key, owner_id=by.id,
                     current=routine.path[0].label, age_outside=age if outside else None)
    run.steps = [RunStep(label=s.label, state="in_progress" if i == 0 else "not_started")
                 for i, s in enumerate(routine.path)]
    run.steps += [RunStep(label=s.label) for step in routine.steps for s in step.substeps if s.back_to]
    db.session.add(run)
    db.session.flush()
    audit.record("routine.run.start", by=by, obj=run, person_id=person.id,
                 details={"routine": routine.key, "revision": routine.revision_number,
                          "referral": referral.id if referral is not None else None})
    if outside:  # the caseworker started it although the age lies outside the range: kept and audited
        audit.record("routine.run.age_override", by=by, obj=run, person_id=person.id,
                     details={"age": age, "range": routine.ages_text})
    return run


# --- what a step needs -------------------------------------------------------------------------------------------


def _consent_covers(run: RoutineRun, person: Person) -> bool:
    consents = db.session.scalars(select(Consent).where(Consent.person_id == person.id)).all()
    return any(run.org_ids <= c.organisation_ids and PURPOSE in c.purposes
               and c.state(person.birth_date, today()) == "valid" for c in consents)


def _org_names(ids) -> str:
    names = db.session.scalars(select(Organisation.name).where(Organisation.id.in_(ids))
                               .order_by(Organisation.name)).all()
    return ", ".join(names)


def missing(run: RoutineRun, step: RoutineStepInfo) -> list[str]:
    """What must exist before the step is completed and does not, in words."""
    found = []
    if step.needs_consent and not _consent_covers(run, db.session.get(Person, run.person_id)):
        found.append(_("ett giltigt samtycke för samordning som omfattar %(orgs)s", orgs=_org_names(run.org_ids)))
    if step.needs_document and not any(d.kind == step.needs_document for d in run.documents):
        found.append(str(NEEDED_DOCUMENT[step.needs_document]))
    if step.needs_meeting and (run.step(step.label) is None or run.step(step.label).meeting_on is None):
        found.append(_("ett mötesdatum för steget"))
    if step.is_selection and not _selected(run):
        found.append(_("ett urval där deltagaren fått en plats"))
    return found


def _selected(run: RoutineRun) -> bool:
    from referrals.routine_models import Candidate

    return bool(db.session.scalar(select(Candidate.id).where(Candidate.run_id == run.id,
                                                             Candidate.state == "selected")))


def may_complete(user, step: RoutineStepInfo) -> bool:
    """Only staff of the responsible party complete a step (any organisation of the run when none is named)."""
    return not step.kinds or user.organisation.kind in step.kinds


def party_words(step: RoutineStepInfo) -> str:
    return ", ".join(str(PARTY_LABELS.get(code, code)) for code in step.parties) or step.responsible


# --- taking steps ------------------------------------------------------------------------------------------------


def stale(run: RoutineRun) -> StaleEdit:
    """The refusal for a second person taking a step on a run that changed under them: names where it stands."""
    where = (_l("Den står nu på steg %(label)s.", label=run.current) if run.state == "active"
             else _l("Den är nu avslutad."))
    return StaleEdit(run.version, run, _l(
        "Någon annan ändrade rutinen samtidigt. %(where)s Det du skrev finns kvar nedan men är inte sparat: se "
        "stegen ovan och gör om det som fortfarande behövs.", where=where))


def _flush_or_stale(run: RoutineRun) -> None:
    """Flush; when another person's step won (its UPDATE ... WHERE version = n found nothing), refuse with where
    the run stands now instead of a 500."""
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        db.session.refresh(run)
        raise stale(run) from None


def _current(run: RoutineRun, label: str, by, expected_version, routine: RoutineInfo) -> RoutineStepInfo:
    check_by(by, rules.can_act_on, run, "routine.step", person_id=run.person_id)
    check_version(expected_version, run.version, run, stale(run).args[0])
    if run.state != "active":
        raise RoutineError(_l("Rutinen är avslutad; inga fler steg kan tas."), "step")
    step = routine.step(label)
    if step is None or run.step(label) is None:
        raise RoutineError(_l("Steget finns inte i rutinen."), "step")
    if label != run.current:
        row = run.step(label)
        if row.state in ("done", "skipped"):
            raise RoutineError(_l("Steg %(label)s är redan avklarat.", label=label), "step")
        raise RoutineError(_l("Steg %(label)s kan inte tas före steg %(current)s, som rutinen står på nu.",
                              label=label, current=run.current), "step")
    return step


def _advance(run: RoutineRun, routine: RoutineInfo) -> None:
    labels = [s.label for s in routine.path]
    at = labels.index(run.current)
    if at + 1 < len(labels):
        run.current = labels[at + 1]
        run.step(run.current).state = "in_progress"
    else:
        run.current, run.state, run.ended_dt = "", "done", utcnow()


def complete(run: RoutineRun, label: str, *, by, note: str = "", expected_version=None) -> RoutineRun:
    """Mark the current step done once its prerequisites exist; a step with follow-up days sets the follow-up."""
    routine = routine_of(run)
    step = _current(run, label, by, expected_version, routine)
    if not may_complete(by, step):
        raise RoutineError(_l("Steg %(label)s utförs av %(party)s; din organisation kan inte markera det som klart.",
                              label=label, party=party_words(step)), "step")
    lacking = missing(run, step)
    if lacking:
        raise RoutineError(_l("Steg %(label)s kan inte markeras som klart ännu. Det saknas: %(what)s.",
                              label=label, what="; ".join(lacking)), "step")
    row = run.step(label)
    row.state, row.done_by_id, row.done_dt = "done", by.id, utcnow()
    row.note = clean_text(note or "")
    if step.follow_up_days:
        run.follow_up_on = today() + timedelta(days=step.follow_up_days)
    _advance(run, routine)
    _flush_or_stale(run)
    audit.record("routine.step.complete", by=by, obj=run, person_id=run.person_id, details={"step": label})
    return run


def skip(run: RoutineRun, label: str, *, by, reason: str, expected_version=None) -> RoutineRun:
    """Go past the current step without doing it; the reason is kept."""
    routine = routine_of(run)
    _current(run, label, by, expected_version, routine)
    reason = clean_text(reason or "").strip()
    if not reason:
        raise RoutineError(_l("Skriv varför steget hoppas över."), "reason")
    row = run.step(label)
    row.state, row.reason, row.done_by_id, row.done_dt = "skipped", reason, by.id, utcnow()
    _advance(run, routine)
    _flush_or_stale(run)
    audit.record("routine.step.skip", by=by, obj=run, person_id=run.person_id, details={"step": label})
    return run


def doubtful(run: RoutineRun, branch_label: str, *, by, reason: str, expected_version=None) -> RoutineRun:
    """The "tveksam" branch: the person is called to a motivation meeting and the run goes back to the branch's
    target (the study-plan meeting); the reason is recorded with the date."""
    routine = routine_of(run)
    branch = routine.step(branch_label)
    if branch is None or branch.back_to is None:
        raise RoutineError(_l("Steget är ingen förgrening i rutinen."), "step")
    _current(run, branch.back_to, by, expected_version, routine)
    if not may_complete(by, branch):
        raise RoutineError(_l("Steg %(label)s utförs av %(party)s.", label=branch_label,
                              party=party_words(branch)), "step")
    reason = clean_text(reason or "").strip()
    if not reason:
        raise RoutineError(_l("Skriv varför deltagaren är tveksam."), "reason")
    row = run.step(branch_label)
    row.times += 1
    row.reason, row.done_by_id, row.done_dt, row.state = reason, by.id, utcnow(), "done"
    row.note = (row.note + "\n" if row.note else "") + f"{today().isoformat()}: {reason}"
    target = run.step(branch.back_to)
    target.state, target.meeting_on = "in_progress", None  # a new meeting is booked when the person is ready
    flag_modified(run, "current")  # the run moved back: a form opened before it is stale
    _flush_or_stale(run)
    audit.record("routine.step.doubtful", by=by, obj=run, person_id=run.person_id,
                 details={"step": branch_label, "back_to": branch.back_to})
    return run


def stop(run: RoutineRun, *, by, reason: str, expected_version=None) -> RoutineRun:
    """Stop ("avbryt") a run that is going on: the reason is required and kept, the run leaves the board's steps
    and "mina uppföljningar"; the steps stay as they stood."""
    check_by(by, rules.can_stop, run, "routine.stop", person_id=run.person_id)
    check_version(expected_version, run.version, run, stale(run).args[0])
    reason = clean_text(reason or "").strip()
    if not reason:
        raise RoutineError(_l("Skriv varför rutinen avbryts."), "reason")
    run.state, run.stop_reason, run.ended_dt, run.follow_up_on = "stopped", reason, utcnow(), None
    run.stopped_by_id = by.id if by is not None else None
    for row in run.steps:
        if row.state == "in_progress":
            row.state = "not_started"
    _flush_or_stale(run)
    audit.record("routine.run.stop", by=by, obj=run, person_id=run.person_id, details={"step": run.current})
    return run


def record_meeting(run: RoutineRun, label: str, *, by, on, expected_version=None) -> RoutineRun:
    """The meeting date of a step (a prerequisite of steps that are meetings)."""
    check_by(by, rules.can_work_on, run, "routine.meeting", person_id=run.person_id)
    check_version(expected_version, run.version, run, stale(run).args[0])
    row = run.step(label)
    if row is None or row.state in ("done", "skipped"):
        raise RoutineError(_l("Mötesdatum kan bara anges för ett steg som inte är klart."), "meeting_on")
    if on is None:
        raise RoutineError(_l("Ange mötets datum."), "meeting_on")
    row.meeting_on = on
    _flush_or_stale(run)
    audit.record("routine.step.meeting", by=by, obj=run, person_id=run.person_id, details={"step": label})
    return run


def record_document(run: RoutineRun, *, by, kind: str, title: str, dated_on, filename: str = "",
                    data: bytes | None = None) -> RunDocument:
    """A document of a named kind on the run (that a studieplan, betyg or signed contract exists, and when), with
    its file when one is uploaded (PDF, JPEG, PNG or DOCX by content, at most 10 MB)."""
    check_by(by, rules.can_work_on, run, "routine.document", person_id=run.person_id)
    problems = []
    content_type = None
    if data:
        try:
            content_type, filename = check_document(filename, data, field="file", error=RoutineError)
        except RoutineError as exc:
            problems.append(("file", exc.args[0]))
    if kind not in DOCUMENT_LABELS:
        problems.append(("kind", _l("Välj vilket slags dokument det är.")))
    title = clean_line(title or "").strip()[:200]
    if not title:
        problems.append(("title", _l("Skriv vad dokumentet heter.")))
    if dated_on is None:
        problems.append(("dated_on", _l("Ange dokumentets datum.")))
    if problems:
        raise RoutineError(problems[0][1], problems[0][0], errors=problems)
    document = RunDocument(kind=kind, title=title, dated_on=dated_on, recorded_by_id=by.id,
                           filename=filename if data else None, content_type=content_type,
                           size=len(data) if data else None, data=data or None)
    run.documents.append(document)
    db.session.flush()
    audit.record("routine.document.add", by=by, obj=run, person_id=run.person_id,
                 details={"kind": kind, "document": document.id, "size": document.size})
    return document


def open_document(document: RunDocument, *, by) -> RunDocument:
    """A document's file, for a user the rule and the gate let through; each opening is audited."""
    run = document.run
    check_by(by, rules.can_open_document, run, "routine.document.read", person_id=run.person_id)
    if document.size is None:
        raise LookupError("no file")
    audit.record("routine.document.read", by=by, obj=run, person_id=run.person_id,
                 details={"document": document.id})
    return document


def record_follow_up(run: RoutineRun, *, by, note: str = "", next_on=None) -> RoutineRun:
    """The follow-up is done: the date is cleared, or moved to the next one."""
    check_by(by, rules.can_follow_up, run, "routine.follow_up", person_id=run.person_id)
    if next_on is not None and next_on <= today():
        raise RoutineError(_l("Nästa uppföljning behöver ligga efter i dag."), "next_on")
    run.follow_up_on = next_on
    _flush_or_stale(run)
    audit.record("routine.follow_up", by=by, obj=run, person_id=run.person_id,
                 details={"note": bool(clean_text(note or "").strip())})
    return run


ACTION_LABELS = {
    "routine.run.start": _l("Rutin startad för deltagare"),
    "routine.run.age_override": _l("Rutin startad trots deltagarens ålder utanför rutinens åldersgräns"),
    "routine.run.stop": _l("Rutin avbruten"),
    "routine.document.read": _l("Dokument på rutin hämtat"),
    "routine.step.complete": _l("Steg i rutin klart"),
    "routine.step.skip": _l("Steg i rutin överhoppat"),
    "routine.step.doubtful": _l("Deltagare tveksam: åter till steg i rutin"),
    "routine.step.meeting": _l("Mötesdatum för steg i rutin angivet"),
    "routine.document.add": _l("Dokument registrerat på rutin"),
    "routine.follow_up": _l("Uppföljning av rutin gjord"),
}


def name_runs(ids: list[str]) -> dict[str, str]:
    """The audit page's words for runs: the routine and the run's number, never the person."""
    rows = db.session.execute(select(RoutineRun.id, RoutineRun.routine_key)
                              .where(RoutineRun.id.in_([int(i) for i in ids if i.isdigit() and int(i) < 2**31])))
    return {str(i): str(_l("Rutin %(key)s nr %(n)s", key=key, n=i)) for i, key in rows}
