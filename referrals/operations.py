"""Every change to a referral: drafts, the steps of the transition table, assignment, comments, response time.

Each operation asks its rule first (`by=None` is a trusted script: the demo, seed-scale, tests' fixtures), refuses
bad input with a ReferralError naming the field, takes a step only where `workflow.TRANSITIONS` allows it, writes
a timeline event and an audit event, and tells those concerned (referrals/notices.py). Two people acting at once
are kept apart by `Referral.version`: the second gets a StaleEdit that names the state the referral is in now.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm.exc import StaleDataError

from portal import audit, permissions
from portal.clock import today
from portal.db import db
from portal.errors import RuleError, StaleEdit, check_version
from portal.forms import to_int
from portal.orgs import Organisation
from portal.people.models import Person
from portal.people.vocabulary import CATEGORIES
from portal.text import clean_line, clean_text
from portal.workdays import add_working_days
from referrals import basis, hooks, notices, rules, workflow
from referrals.identifiers import identifier_message
from referrals.models import Referral, ReferralComment, ReferralEvent, ResponseTime

DEFAULT_RESPONSE_DAYS = 5
TEXT_LIMIT = 20_000


class ReferralError(RuleError):
    """A referral cannot be saved or moved as asked; the message says why, beside its field."""


def state_label(state: str) -> str:
    return str(workflow.STATE_LABELS[state]).lower()


def stale(referral: Referral) -> StaleEdit:
    """The refusal for a second person acting on a referral that changed under them: names its state now."""
    return StaleEdit(referral.version, referral, _l(
        "Någon annan har ändrat remissen sedan du öppnade sidan. Den är nu %(state)s. Det du skrev finns kvar "
        "nedan men är inte sparat: se vad som hänt i händelseloggen och gör om det som fortfarande behövs.",
        state=state_label(referral.state)))


def flush_or_stale(referral: Referral) -> None:
    """Flush; a concurrent change won (its UPDATE ... WHERE version = n found nothing): refuse with the state now."""
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        db.session.refresh(referral)
        raise stale(referral) from None


# --- Drafts ------------------------------------------------------------------------------------------------


def response_days(organisation_id: int) -> int:
    row = db.session.get(ResponseTime, organisation_id)
    return row.working_days if row is not None else DEFAULT_RESPONSE_DAYS


def save_draft(referral: Referral | None, *, by, type: str, to_org_id, person: Person | None, categories,  # noqa: A002
               reason: str, help_requested: str, urgency: str = "normal", form_key: str = "",
               expected_version=None) -> Referral:
    """Create a draft (referral None) or change one. Every problem is named at once, beside its field.

    `form_key` is the random key the new-referral form carries: posting the same form twice returns the draft
    the first post made instead of a second one."""
    if referral is None:
        permissions.check_by(by, lambda user, _: rules.can_send(user), None, "referral:send")
        if by is not None and form_key:
            earlier = db.session.scalar(select(Referral).where(
                Referral.from_org_id == by.organisation_id, Referral.form_key == clean_line(form_key)[:40]))
            if earlier is not None:
                return earlier
    else:
        permissions.check_by(by, rules.can_edit, referral, "referral:edit")
        check_version(expected_version, referral.version, referral)
    from_org_id = referral.from_org_id if referral is not None else by.organisation_id
    values, errors = _checked(by, from_org_id, type, to_org_id, person, categories, reason, help_requested,
                              urgency)
    if errors:
        raise ReferralError(errors[0][1], field=errors[0][0], errors=errors)
    created = referral is None
    if created:
        referral = Referral(from_org_id=from_org_id, created_by_id=by.id if by else None, state="draft",
                            form_key=clean_line(form_key)[:40] or None)
        db.session.add(referral)
    for name, value in values.items():
        setattr(referral, name, value)
    flush_or_stale(referral)
    audit.record("referral.create" if created else "referral.update", by=by, obj=referral,
                 person_id=referral.person_id, details={"type": referral.type, "to": referral.to_org_id})
    return referral


def _checked(by, from_org_id, type_key, to_org_id, person, categories, reason, help_requested, urgency):
    """The draft's values cleaned, and every problem with them as (field, message)."""
    errors: list[tuple[str, object]] = []
    type_ = workflow.TYPES.get(type_key or "")
    if type_ is None:
        errors.append(("type", _l("Välj vilken sorts remiss det är.")))
    to_id = to_int(to_org_id, minimum=1)
    to_org = db.session.get(Organisation, to_id) if to_id else None
    from_org = db.session.get(Organisation, from_org_id)
    if to_org is None:
        errors.append(("to_org_id", _l("Välj den organisation som ska ta emot remissen.")))
    elif to_org.id == from_org_id:
        errors.append(("to_org_id", _l("En remiss går till en annan organisation än er egen.")))
    elif not to_org.is_active:
        errors.append(("to_org_id", _l("%(org)s är inte längre aktiv i portalen och kan inte ta emot remisser.",
                                       org=to_org.name)))
    elif type_ is not None and type_.to_kinds and to_org.kind not in type_.to_kinds:
        errors.append(("to_org_id", _l("%(type)s skickas till %(kinds)s, inte till %(org)s.", type=type_.label,
                                       kinds=_kinds(type_.to_kinds), org=to_org.name)))
    if type_ is not None and type_.from_kinds and from_org.kind not in type_.from_kinds:
        errors.append(("type", _l("%(type)s skickas av %(kinds)s.", type=type_.label, kinds=_kinds(type_.from_kinds))))
    chosen = [c for c in (categories or []) if isinstance(c, str)]
    if any(c not in CATEGORIES for c in chosen):
        errors.append(("categories", _l("Välj bland de uppgiftskategorier som finns.")))
    reason = clean_text(reason).strip()[:TEXT_LIMIT + 1]
    help_requested = clean_text(help_requested).strip()[:TEXT_LIMIT + 1]
    if not reason:
        errors.append(("reason", _l("Skriv varför remissen skickas.")))
    for field, text in (("reason", reason), ("help_requested", help_requested)):
        if len(text) > TEXT_LIMIT:
            errors.append((field, _l("Texten får vara högst %(n)s tecken.", n=f"{TEXT_LIMIT:,}".replace(",", " "))))
    if type_ is not None and type_.basis != "duty" and not help_requested:
        errors.append(("help_requested", _l("Skriv vilket stöd eller vilken insats ni ber om.")))
    if urgency not in workflow.URGENCY_LABELS:
        errors.append(("urgency", _l("Välj hur brådskande remissen är.")))
    if type_ is not None and type_.basis == "none":
        if person is not None:
            errors.append(("person", _l("En anonym konsultation nämner ingen person.")))
        for field, text in (("reason", reason), ("help_requested", help_requested)):
            message = identifier_message(text)
            if message:
                errors.append((field, message))
        chosen = []
    elif type_ is not None:
        if person is None:
            errors.append(("person", _l("Välj den unge som remissen gäller.")))
        elif not basis.sender_holds(person, from_org_id):
            errors.append(("person", _l("Den unge måste vara registrerad hos er innan ni skickar en remiss om "
                                        "honom eller henne. Registrera deltagaren först.")))
        elif type_key == "studieavbrott" and to_org is not None:
            problem = basis.not_home_kommun(person, from_org_id, to_org)
            if problem:
                errors.append(("to_org_id", problem))
        if type_.basis == "consent" and not chosen:
            errors.append(("categories", _l("Välj vilka slags uppgifter remissen delar.")))
    values = dict(type=type_key, to_org_id=to_id, person_id=person.id if person is not None else None,
                  categories=sorted(set(chosen)), reason=reason, help_requested=help_requested, urgency=urgency)
    return values, errors


def _kinds(kinds) -> str:
    from portal.orgs import KINDS

    return " eller ".join(str(KINDS[k]).lower() for k in kinds)


# --- The steps of the table ----------------------------------------------------------------------------------


def repeated(referral: Referral, action: str, *, by, expected_version) -> bool:
    """The same user sent the same step twice (a double click, a reload): the first one counted, the second is
    no change and no error. Only when the form's version is older and this user's step is the last one made."""
    if by is None or expected_version in (None, "") or str(expected_version) == str(referral.version):
        return False
    last = referral.events[-1] if referral.events else None
    return last is not None and last.action == action and last.by_id == by.id


def _allowed(referral: Referral, action: str, *, by, expected_version) -> workflow.Transition:
    """Who may (403 otherwise), the version (the state now otherwise), the table (the state's message otherwise)."""
    permissions.check_by(by, lambda user, r: rules.may_take(user, r, action), referral, f"referral:{action}")
    if expected_version not in (None, "") and str(expected_version) != str(referral.version):
        raise stale(referral)
    step = workflow.transition(action, referral.state, referral.type)
    if step is None:
        raise ReferralError(_l("Remissen är %(state)s och kan inte längre %(verb)s.", state=state_label(referral.state),
                               verb=_VERBS[action]))
    return step


def _step(referral: Referral, action: str, *, by, expected_version, note: str = "") -> workflow.Transition:
    """Take an allowed step: move the referral and record it in its timeline and in the audit trail."""
    step = _allowed(referral, action, by=by, expected_version=expected_version)
    previous = referral.state
    referral.state = step.target
    if step.target in workflow.ENDED:
        referral.ended_on = today()
    add_event(referral, action, previous, by=by, note=note)
    flush_or_stale(referral)
    audit.record(f"referral.{action}", by=by, obj=referral, person_id=referral.person_id,
                 details={"from": previous, "to": step.target})
    return step


_VERBS = {"submit": _l("skickas"), "discard": _l("tas bort"), "receive": _l("tas emot"),
          "withdraw": _l("tas tillbaka"), "accept": _l("accepteras"), "decline": _l("avböjas"),
          "close": _l("avslutas")}


def add_event(referral: Referral, action: str, previous: str, *, by, note: str = "") -> None:
    # Loading the timeline must not flush the change made just before: that flush's UPDATE ... WHERE version would
    # raise StaleDataError here, past flush_or_stale, and the loser of a race would get a 500, not the state now.
    with db.session.no_autoflush:
        referral.events.append(ReferralEvent(action=action, from_state=previous, to_state=referral.state,
                                             by_id=by.id if by else None,
                                             by_org_id=by.organisation_id if by else None, note=note))


def submit(referral: Referral, *, by, expected_version=None) -> Referral:
    """Send a draft: the basis must hold now (a consent covering both organisations, or a duty), the receiver
    be active; the response time starts counting."""
    if repeated(referral, "submit", by=by, expected_version=expected_version):
        return referral
    _allowed(referral, "submit", by=by, expected_version=expected_version)
    problems = []
    _, errors = _checked(by, referral.from_org_id, referral.type, referral.to_org_id, referral.person,
                         referral.categories, referral.reason, referral.help_requested, referral.urgency)
    problems += errors
    if workflow.TYPES[referral.type].basis == "consent" and referral.person is not None and referral.to_org:
        consent, why = basis.consent_for(referral.person, referral.from_org, referral.to_org, referral.categories)
        if consent is None:
            problems.append(("person", why))
        referral.consent = consent
    if problems:
        raise ReferralError(problems[0][1], field=problems[0][0], errors=problems)
    submitted_on = today()
    referral.submitted_on = submitted_on
    referral.due_on = add_working_days(submitted_on, response_days(referral.to_org_id))
    _step(referral, "submit", by=by, expected_version=None)  # checked above; the lookups since flushed the draft
    notices.tell_submitted(referral)
    return referral


def receive_on_open(referral: Referral, *, by) -> bool:
    """The first opening by a user of the receiver who may handle it makes it received (once, whoever is first:
    a conditional UPDATE, so two people opening it at once record one receipt)."""
    if referral.state != "submitted" or not rules.can_take(by, referral, "receive"):
        return False
    won = db.session.execute(update(Referral).where(Referral.id == referral.id, Referral.state == "submitted")
                             .values(state="received", version=Referral.version + 1)
                             .execution_options(synchronize_session=False)).rowcount == 1
    db.session.refresh(referral)
    if won:
        db.session.add(ReferralEvent(referral_id=referral.id, action="receive", from_state="submitted",
                                     to_state="received", by_id=by.id, by_org_id=by.organisation_id))
        db.session.flush()
        audit.record("referral.receive", by=by, obj=referral, person_id=referral.person_id)
        notices.tell_step(referral, "receive", by=by)
    return won


def accept(referral: Referral, *, by, expected_version=None) -> Referral:
    if repeated(referral, "accept", by=by, expected_version=expected_version):
        return referral
    _allowed(referral, "accept", by=by, expected_version=expected_version)
    if workflow.TYPES[referral.type].basis == "consent" and not basis.consent_holds(referral):
        raise ReferralError(_l("Samtycket som remissen bygger på gäller inte längre. Remissen kan bara avslutas "
                               "eller fortsätta när avsändaren har ett nytt samtycke."))
    _step(referral, "accept", by=by, expected_version=None)  # checked above
    notices.tell_step(referral, "accept", by=by)
    for hook in hooks.ACCEPTED_HOOKS:
        hook(referral)
    return referral


def decline(referral: Referral, *, by, reason: str, expected_version=None) -> Referral:
    if repeated(referral, "decline", by=by, expected_version=expected_version):
        return referral
    _allowed(referral, "decline", by=by, expected_version=expected_version)
    reason = clean_text(reason).strip()
    if not reason:
        raise ReferralError(_l("Skriv varför ni avböjer remissen; avsändaren ser det."), field="reason")
    referral.decline_reason = reason[:TEXT_LIMIT]
    _step(referral, "decline", by=by, expected_version=None, note=referral.decline_reason)
    notices.tell_step(referral, "decline", by=by)
    return referral


def close(referral: Referral, *, by, outcome: str, note: str = "", expected_version=None) -> Referral:
    if repeated(referral, "close", by=by, expected_version=expected_version):
        return referral
    _allowed(referral, "close", by=by, expected_version=expected_version)
    if outcome not in workflow.OUTCOME_LABELS:
        raise ReferralError(_l("Välj hur ärendet slutade."), field="outcome")
    referral.outcome, referral.outcome_note = outcome, clean_text(note).strip()[:TEXT_LIMIT]
    text = str(workflow.OUTCOME_LABELS[outcome]) + (f": {referral.outcome_note}" if referral.outcome_note else "")
    _step(referral, "close", by=by, expected_version=None, note=text)
    notices.tell_step(referral, "close", by=by)
    return referral


def withdraw(referral: Referral, *, by, reason: str = "", expected_version=None) -> Referral:
    note = clean_text(reason).strip()[:TEXT_LIMIT]
    if repeated(referral, "withdraw", by=by, expected_version=expected_version):
        return referral
    _step(referral, "withdraw", by=by, expected_version=expected_version, note=note)
    notices.tell_step(referral, "withdraw", by=by)
    return referral


def discard(referral: Referral, *, by, expected_version=None) -> Referral:
    """A draft nobody will send: it ends as withdrawn (kept, as every record, for the audit trail)."""
    if repeated(referral, "discard", by=by, expected_version=expected_version):
        return referral
    _step(referral, "discard", by=by, expected_version=expected_version)
    return referral


# --- Assignment, comments, response time ---------------------------------------------------------------------


def assign(referral: Referral, *, by, assignee_id, expected_version=None) -> Referral:
    """Give the referral to a caseworker of the receiving organisation (or to nobody: assignee_id empty)."""
    from portal.auth.models import User

    permissions.check_by(by, rules.can_assign, referral, "referral:assign")
    check_version(expected_version, referral.version, referral)
    wanted = to_int(assignee_id, minimum=1) if assignee_id not in (None, "") else None
    assignee = db.session.get(User, wanted) if wanted else None
    if assignee_id not in (None, "") and (assignee is None or assignee.organisation_id != referral.to_org_id
                                          or not assignee.is_active
                                          or not permissions.has(assignee, "referral.handle")):
        raise ReferralError(_l("Välj en handläggare på %(org)s som hanterar remisser.", org=referral.to_org.name),
                            field="assignee_id")
    referral.assignee = assignee
    add_event(referral, "assign", referral.state, by=by, note=assignee.name if assignee else "")
    flush_or_stale(referral)
    audit.record("referral.assign", by=by, obj=referral, person_id=referral.person_id,
                 details={"assignee": assignee.id if assignee else None})
    if assignee is not None:
        notices.tell_assigned(referral, assignee)
    return referral


def comment(referral: Referral, *, by, body: str) -> ReferralComment:
    """Add to the thread. Comments never conflict with each other or with a step: each is its own row."""
    permissions.check_by(by, rules.can_comment, referral, "referral:comment")
    body = clean_text(body).strip()
    if not body:
        raise ReferralError(_l("Skriv en kommentar."), field="body")
    if len(body) > TEXT_LIMIT:
        raise ReferralError(_l("Texten får vara högst %(n)s tecken.", n=f"{TEXT_LIMIT:,}".replace(",", " ")),
                            field="body")
    if referral.type == "konsultation":
        message = identifier_message(body)
        if message:
            raise ReferralError(message, field="body")
    row = ReferralComment(referral_id=referral.id, author_id=by.id if by else None,
                          organisation_id=by.organisation_id if by else referral.from_org_id, body=body)
    db.session.add(row)
    db.session.flush()
    audit.record("referral.comment", by=by, obj=referral, person_id=referral.person_id)
    notices.tell_comment(referral, row, by=by)
    return row


def set_response_time(organisation: Organisation, *, by, working_days) -> ResponseTime:
    permissions.check_by(by, rules.can_set_response_time, organisation, "referral:response_time")
    days = to_int(working_days, minimum=1, maximum=60)
    if days is None:
        raise ReferralError(_l("Ange ett antal arbetsdagar mellan 1 och 60."), field="working_days")
    row = db.session.get(ResponseTime, organisation.id)
    if row is None:
        row = ResponseTime(organisation_id=organisation.id)
        db.session.add(row)
    row.working_days, row.changed_by_id = days, by.id if by else None
    db.session.flush()
    audit.record("referral.response_time", by=by, obj=organisation, details={"working_days": days})
    return row
