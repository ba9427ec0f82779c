"""Every change to the KAA register: register, occupation, measures, contacts, deregister, re-register.

Each operation takes `by=` (None: a trusted script — the daily job, the referral hook, the demo), asks the record
rule itself, cleans text, refuses bad input with `KaaError(errors=[(field, message), …])` in Swedish, and writes its
audit event. After every change the enrolment's next contact date is set again from the follow-up settings.
"""
from __future__ import annotations

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from kaa import rules
from kaa.models import (
    CHANNELS,
    DEREGISTRATION_REASONS,
    OCCUPATIONS,
    OUTCOMES,
    SOURCES,
    WITH_WHOM,
    KaaContact,
    KaaEnrolment,
    KaaMeasure,
)
from portal import audit
from portal.clock import today
from portal.db import db
from portal.errors import RuleError, check_version
from portal.forms import to_int
from portal.orgs import Organisation
from portal.people import holders
from portal.people.identity import add_years, age_on
from portal.people.models import Guardian, Person, PersonLink
from portal.permissions import check_by
from portal.text import clean_line

#: Follow-up settings (overridable in the app's config): months until a person who declined is due again, months
#: between follow-ups of one in a measure (or reached), days until a failed attempt is tried again.
DEFAULTS = {"KAA_DECLINED_FOLLOWUP_MONTHS": 3, "KAA_FOLLOWUP_MONTHS": 1, "KAA_RETRY_DAYS": 14,
            "KAA_IMPORT_MAX_BYTES": 2 * 1024 * 1024, "KAA_IMPORT_MAX_ROWS": 10_000}


class KaaError(RuleError):
    """A KAA rule was broken; the messages are Swedish and name their form fields."""


def setting(name: str) -> int:
    return int(current_app.config.get(name, DEFAULTS[name]))


def kommun_of_code(kommunkod: str) -> Organisation | None:
    """The organisation of kind kommun (not a unit) that carries the kommunkod."""
    return db.session.scalar(select(Organisation).where(
        Organisation.kommunkod == kommunkod, Organisation.kind == "kommun", Organisation.parent_id.is_(None)))


def open_enrolment(person_id: int, kommunkod: str) -> KaaEnrolment | None:
    return db.session.scalar(select(KaaEnrolment).where(
        KaaEnrolment.person_id == person_id, KaaEnrolment.kommunkod == kommunkod,
        KaaEnrolment.deregistered_on.is_(None)))


# --- When is a person due for contact -------------------------------------------------------------------------


def due_date(enrolment: KaaEnrolment, on: date | None = None) -> date | None:
    """The follow-up rule: nobody contacted yet → due from the registration day; the last contact failed → again
    after KAA_RETRY_DAYS; the person declined → after KAA_DECLINED_FOLLOWUP_MONTHS; reached (in a measure or
    not) → monthly (KAA_FOLLOWUP_MONTHS). A closed enrolment is never due."""
    if enrolment.deregistered_on is not None:
        return None
    contacts = sorted(enrolment.contacts, key=lambda c: (c.contact_on, c.id or 0))
    if not contacts:
        return enrolment.registered_on
    last = contacts[-1]
    if last.outcome != "kontakt_etablerad":
        return last.contact_on + timedelta(days=setting("KAA_RETRY_DAYS"))
    if last.declined:
        return last.contact_on + relativedelta(months=setting("KAA_DECLINED_FOLLOWUP_MONTHS"))
    return last.contact_on + relativedelta(months=setting("KAA_FOLLOWUP_MONTHS"))


def _schedule(enrolment: KaaEnrolment) -> None:
    enrolment.next_contact_on = due_date(enrolment)


def in_measure(enrolment: KaaEnrolment, on: date | None = None) -> bool:
    on = on or today()
    return any(m.is_running(on) for m in enrolment.measures)


# --- Checks shared by the operations -------------------------------------------------------------------------


def _choice(value, choices: dict, field: str, message, problems: list) -> str | None:
    if value not in choices:
        problems.append((field, message))
        return None
    return value


def _day(value, field: str, problems: list, *, empty, not_after: date | None = None, not_before: date | None = None,
         future_message=None) -> date | None:
    if not isinstance(value, date):
        if empty is not None:
            problems.append((field, empty))
        return None
    if not_after is not None and value > not_after:
        problems.append((field, future_message or _l("Datumet får inte ligga i framtiden.")))
    if not_before is not None and value < not_before:
        problems.append((field, _l("Datumet ligger före inskrivningen (%(day)s).", day=not_before.isoformat())))
    return value


def _raise(problems: list) -> None:
    if problems:
        raise KaaError(problems[0][1], field=problems[0][0], errors=problems)


def check_age(birth: date, on: date, field: str = "number") -> list:
    """KAA covers 16–19-year-olds: refused before 16 and from the 20th birthday."""
    age = age_on(birth, on)
    if age >= 20:
        return [(field, _l("Personen har fyllt 20 år och omfattas inte av aktivitetsansvaret."))]
    if age < 16:
        return [(field, _l("Personen är under 16 år och omfattas inte av aktivitetsansvaret ännu."))]
    return []


# --- Register -------------------------------------------------------------------------------------------------


def hold(person: Person, org_id: int, *, first_name: str, last_name: str, kommunkod: str) -> PersonLink:
    """The holder organisation's own link to the person, made when it has none (a trusted path: the dropout
    referral gave the kommun the identity the school typed)."""
    link = holders.own_link(person, org_id)
    if link is None:
        link = PersonLink(person_id=person.id, organisation_id=org_id, first_name=first_name, last_name=last_name,
                          home_kommun=kommunkod)
        db.session.add(link)
        db.session.flush()
    return link


def enrol(person: Person, *, org: Organisation, kommunkod: str, source: str, registered_on: date,
          occupation: str = "okand", origin: str = "manual", referral_reference: str | None = None,
          by) -> KaaEnrolment:
    """Open an enrolment for a person the holder `org` already holds (trusted callers; `register` for a form)."""
    kommun = kommun_of_code(kommunkod)
    problems: list = []
    if kommun is None:
        problems.append(("kommunkod", _l("Ingen kommun i portalen har kommunkoden %(code)s.", code=kommunkod)))
    problems += check_age(person.birth_date, registered_on)
    if open_enrolment(person.id, kommunkod) is not None:
        problems.append(("number", _l("Personen är redan inskriven i kommunens KAA-register.")))
    _raise(problems)
    enrolment = KaaEnrolment(person_id=person.id, kommunkod=kommunkod, kommun_org_id=kommun.id, org_id=org.id,
                             registered_on=registered_on, source=source, origin=origin, occupation=occupation,
                             occupation_since=registered_on, referral_reference=referral_reference,
                             no_contact_guardians=[])
    db.session.add(enrolment)
    db.session.flush()
    _schedule(enrolment)
    audit.record("kaa.enrolment.register", by=by, obj=enrolment, person_id=person.id,
                 details={"source": source, "origin": origin})
    return enrolment


def register(*, by, first_name: str, last_name: str, number: str, source: str, registered_on,
             occupation: str = "okand", address: str = "", postal_code: str = "", city: str = "", phone: str = "",
             email: str = "", origin: str = "manual", is_protected: bool = False) -> KaaEnrolment:
    """Register a young person in the user's kommun's KAA register: the user's organisation registers the person
    itself (holders.register_person: a number known elsewhere reveals nothing and changes no shared identity)."""
    kommunkod = rules.kaa_kommunkod(by)
    check_by(by, lambda user, _r: rules.can_work_register(user), None, "kaa:work")
    problems: list = []
    _choice(source, SOURCES, "source", _l("Välj hur kommunen fick kännedom om personen."), problems)
    _choice(occupation, OCCUPATIONS, "occupation", _l("Välj nuvarande sysselsättning."), problems)
    _day(registered_on, "registered_on", problems, empty=_l("Ange datum för inskrivningen."), not_after=today())
    try:
        person, _state = holders.register_person(
            by=by, first_name=first_name, last_name=last_name, number=number, home_kommun=kommunkod,
            address=address, postal_code=postal_code, city=city, phone=phone, email=email, is_protected=is_protected)
    except RuleError as exc:
        problems += exc.errors
        person = None
    _raise(problems)
    if person.id_kind == "reservnummer":  # pragma: no cover - the form asks for a number
        raise KaaError(_l("Ange personnummer eller samordningsnummer."), field="number")
    return enrol(person, org=by.organisation, kommunkod=kommunkod, source=source, registered_on=registered_on,
                 occupation=occupation, origin=origin, by=by)


def reregister(previous: KaaEnrolment, *, by, source: str, registered_on) -> KaaEnrolment:
    """Re-registration: the situation changed again before the person turned 20 (a new enrolment; the closed one
    stays as it was)."""
    check_by(by, rules.can_work, previous, "kaa:work", person_id=previous.person_id)
    problems: list = []
    if previous.is_open:
        problems.append(("source", _l("Inskrivningen är fortfarande öppen.")))
    _choice(source, SOURCES, "source", _l("Välj hur kommunen fick kännedom om personen."), problems)
    day = _day(registered_on, "registered_on", problems, empty=_l("Ange datum för inskrivningen."),
               not_after=today())
    if day is not None and previous.deregistered_on is not None and day < previous.deregistered_on:
        # Two enrolments of one person never overlap (the half-year report would count the person twice).
        problems.append(("registered_on", _l("Datumet ligger före den förra avregistreringen (%(day)s).",
                                             day=previous.deregistered_on.isoformat())))
    _raise(problems)
    org = by.organisation if by is not None else db.session.get(Organisation, previous.org_id)
    if by is not None:
        hold(previous.person, org.id, first_name=previous.person.first_name, last_name=previous.person.last_name,
             kommunkod=previous.kommunkod)
    try:
        return enrol(previous.person, org=org, kommunkod=previous.kommunkod, source=source,
                     registered_on=registered_on, by=by)
    except KaaError as exc:
        raise KaaError(str(exc), errors=[("registered_on" if f == "number" else f, m) for f, m in exc.errors]) \
            from None


# --- Occupation, measures, contacts ---------------------------------------------------------------------------


def _open_for_work(enrolment: KaaEnrolment, by) -> None:
    check_by(by, rules.can_work, enrolment, "kaa:work", person_id=enrolment.person_id)
    if not enrolment.is_open:
        raise KaaError(_l("Inskrivningen är avslutad. Skriv in personen på nytt om situationen har ändrats."))


def change_occupation(enrolment: KaaEnrolment, *, by, occupation: str, since, planned: str = "",
                      expected_version: str | None = None) -> KaaEnrolment:
    _open_for_work(enrolment, by)
    check_version(expected_version, str(enrolment.version))
    problems: list = []
    _choice(occupation, OCCUPATIONS, "occupation", _l("Välj nuvarande sysselsättning."), problems)
    _day(since, "since", problems, empty=_l("Ange från vilket datum."), not_after=today())
    _raise(problems)
    enrolment.occupation, enrolment.occupation_since = occupation, since
    enrolment.planned_occupation = clean_line(planned)[:200]
    db.session.flush()
    audit.record("kaa.enrolment.occupation", by=by, obj=enrolment, person_id=enrolment.person_id,
                 details={"occupation": occupation})
    return enrolment


def add_measure(enrolment: KaaEnrolment, *, by, content: str, offered_on, answer: str = "",
                start_on=None, end_on=None) -> KaaMeasure:
    """An insats offered: content, when, the person's answer ("ja", "nej" or none yet) and its dates."""
    _open_for_work(enrolment, by)
    problems: list = []
    content = clean_line(content)
    if not content:
        problems.append(("content", _l("Beskriv insatsen.")))
    _day(offered_on, "offered_on", problems, empty=_l("Ange när insatsen erbjöds."), not_after=today(),
         not_before=enrolment.registered_on)
    if answer not in ("", "ja", "nej"):
        problems.append(("answer", _l("Välj ett svar.")))
    start = start_on if isinstance(start_on, date) else None
    end = end_on if isinstance(end_on, date) else None
    if start and end and end < start:
        problems.append(("end_on", _l("Slutdatum ligger före startdatum.")))
    if answer != "ja" and (start or end):
        problems.append(("start_on", _l("Ange datum för insatsen bara när personen har tackat ja.")))
    _raise(problems)
    measure = KaaMeasure(enrolment=enrolment, content=content[:300], offered_on=offered_on,
                         accepted={"ja": True, "nej": False}.get(answer), start_on=start, end_on=end,
                         org_id=by.organisation_id if by is not None else enrolment.org_id)
    db.session.add(measure)
    db.session.flush()
    audit.record("kaa.measure.add", by=by, obj=enrolment, person_id=enrolment.person_id,
                 details={"answer": answer or "-"})
    return measure


def guardians_to_offer(enrolment: KaaEnrolment, view) -> list[Guardian]:
    """The guardians the user may see (the gate's view) and that nobody marked "kontaktas inte"."""
    blocked = set(enrolment.no_contact_guardians or [])
    return [g for g in getattr(view, "guardians", []) if g.id not in blocked]


def record_contact(enrolment: KaaEnrolment, *, by, contact_on, channel: str, outcome: str, with_whom: str,
                   declined: bool = False, guardian_id=None, note: str = "", offered: list | None = None
                   ) -> KaaContact:
    """A contact or attempt. `offered`: the guardians the form offered (guardians_to_offer); a guardian outside
    them (not visible, or marked not to be contacted) is refused."""
    _open_for_work(enrolment, by)
    problems: list = []
    _day(contact_on, "contact_on", problems, empty=_l("Ange datum för kontakten."), not_after=today(),
         not_before=enrolment.registered_on, future_message=_l("En kontakt kan inte ligga i framtiden."))
    _choice(channel, CHANNELS, "channel", _l("Välj kontaktsätt."), problems)
    _choice(outcome, OUTCOMES, "outcome", _l("Välj resultat."), problems)
    _choice(with_whom, WITH_WHOM, "with_whom", _l("Välj vem kontakten gällde."), problems)
    guardian = to_int(guardian_id) if guardian_id not in (None, "") else None
    if with_whom == "vardnadshavare":
        allowed = {g.id for g in (offered or [])}
        if guardian is None or guardian not in allowed:
            problems.append(("guardian_id", _l("Välj en vårdnadshavare som får kontaktas.")))
    else:
        guardian = None
    if declined and outcome != "kontakt_etablerad":
        problems.append(("declined", _l("Att personen tackar nej kräver att kontakt har etablerats.")))
    _raise(problems)
    contact = KaaContact(enrolment=enrolment, contact_on=contact_on, channel=channel, outcome=outcome,
                         declined=bool(declined), with_whom=with_whom, guardian_id=guardian,
                         contact_note=clean_line(note)[:300],
                         org_id=by.organisation_id if by is not None else enrolment.org_id)
    db.session.add(contact)
    db.session.flush()
    db.session.refresh(enrolment, ["contacts"])
    _schedule(enrolment)
    audit.record("kaa.contact.add", by=by, obj=enrolment, person_id=enrolment.person_id,
                 details={"channel": channel, "outcome": outcome})
    return contact


def mark_guardian(enrolment: KaaEnrolment, *, by, guardian_id, no_contact: bool) -> KaaEnrolment:
    """Mark a guardian "kontaktas inte" (or lift it): the contact form then never offers them."""
    _open_for_work(enrolment, by)
    gid = to_int(guardian_id)
    if gid is None or db.session.get(Guardian, gid) is None or \
            db.session.get(Guardian, gid).person_id != enrolment.person_id:
        raise KaaError(_l("Okänd vårdnadshavare."), field="guardian_id")
    marked = set(enrolment.no_contact_guardians or [])
    marked = marked | {gid} if no_contact else marked - {gid}
    enrolment.no_contact_guardians = sorted(marked)
    db.session.flush()
    audit.record("kaa.guardian.mark", by=by, obj=enrolment, person_id=enrolment.person_id,
                 details={"no_contact": bool(no_contact)})
    return enrolment


# --- Deregister -----------------------------------------------------------------------------------------------


def deregister(enrolment: KaaEnrolment, *, by, reason: str, on, note: str = "",
               expected_version: str | None = None) -> KaaEnrolment:
    """Close the enrolment with a reason (required) and a date (not in the future, not before registration)."""
    _open_for_work(enrolment, by)
    check_version(expected_version, str(enrolment.version))
    problems: list = []
    _choice(reason, DEREGISTRATION_REASONS, "reason", _l("Välj orsak till avregistreringen."), problems)
    _day(on, "on", problems, empty=_l("Ange datum för avregistreringen."), not_after=today(),
         not_before=enrolment.registered_on)
    if reason == "fyllt_20" and isinstance(on, date) and age_on(enrolment.person.birth_date, on) < 20:
        # The reason is a fact, not a choice: it would end the follow-up of someone the kommun is still responsible for.
        problems.append(("reason", _l("Personen fyller 20 år först %(day)s.",
                                      day=twentieth_birthday(enrolment.person.birth_date).isoformat())))
    note = clean_line(note)
    if reason == "annat" and not note:
        problems.append(("note", _l("Beskriv orsaken när du väljer Annat.")))
    _raise(problems)
    _close(enrolment, reason, on, note)
    audit.record("kaa.enrolment.deregister", by=by, obj=enrolment, person_id=enrolment.person_id,
                 details={"reason": reason})
    return enrolment


def _close(enrolment: KaaEnrolment, reason: str, on: date, note: str = "") -> None:
    enrolment.deregistered_on, enrolment.deregistration_reason = on, reason
    enrolment.deregistration_note = note[:200]
    enrolment.next_contact_on = None
    db.session.flush()


def twentieth_birthday(birth: date) -> date:
    """The day the person turns 20 (born 29 February: 29 February again, as 20 years on is a leap year; in a
    common year add_years gives 1 March)."""
    return add_years(birth, 20)
