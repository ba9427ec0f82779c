"""Samtycke: the minors policy, consent operations, disclosures on another legal basis, reminders of expiry."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select, union
from sqlalchemy.orm import selectinload

from portal import audit, notifications
from portal.auth.models import User
from portal.clock import today
from portal.db import db, utcnow
from portal.forms import safe_filename, to_int
from portal.notifications import N_
from portal.orgs import Organisation
from portal.people import consent_notices, rules
from portal.people.identity import add_years
from portal.people.minors import ConsentError, check_minors_policy
from portal.people.models import Consent, ConsentParty, ConsentScan, Disclosure, Person
from portal.people.vocabulary import BASES, CATEGORIES, MAX_SCAN_BYTES, METHODS, PURPOSES, SCAN_SIGNATURES


def default_valid_until(person: Person, start: date) -> date:
    """12 months, but not past the day before the person's 20th birthday if that is still to come (for someone
    already 20 or older the cap would end the consent before it starts)."""
    year_on = start + relativedelta(months=12) - timedelta(days=1)
    twentieth = add_years(person.birth_date, 20)
    return min(year_on, twentieth - timedelta(days=1)) if twentieth > start else year_on


# --- Hooks -----------------------------------------------------------------------------------------------

#: Called with the consent after it is withdrawn (in the same transaction); referrals subscribe to flag cases.
CONSENT_WITHDRAWN_HOOKS: list[Callable[[Consent], None]] = []


def on_consent_withdrawn(hook: Callable[[Consent], None]) -> Callable[[Consent], None]:
    if hook not in CONSENT_WITHDRAWN_HOOKS:
        CONSENT_WITHDRAWN_HOOKS.append(hook)
    return hook


# --- Operations ------------------------------------------------------------------------------------------


def check_scan(filename: str, data: bytes) -> tuple[str, str]:
    """Return (content type, safe file name) for an accepted scan, else raise ConsentError on field "scan"."""
    if len(data) > MAX_SCAN_BYTES:
        raise ConsentError(_l("Filen är för stor. Högst 10 MB."), field="scan")
    if not data:
        raise ConsentError(_l("Filen är tom. Välj den inskannade blanketten."), field="scan")
    for signature, content_type, extension in SCAN_SIGNATURES:
        if data.startswith(signature):
            # The extension is the one the content shows, whatever the name said.
            stem = safe_filename((filename or "").rsplit(".", 1)[0], "samtycke", max_length=80)
            return content_type, f"{stem}.{extension}"
    raise ConsentError(_l("Filen måste vara en PDF, JPEG eller PNG."), field="scan")


def _already_recorded(person: Person, by, supersedes: Consent | None, **same) -> Consent | None:
    """The organisation's current consent for the person with exactly this content (and, for a new version,
    replacing the same one), if there is one."""
    stmt = select(Consent).where(
        Consent.person_id == person.id, Consent.recorded_by_org_id == by.organisation_id,
        Consent.withdrawn_dt.is_(None), Consent.superseded_dt.is_(None),
        Consent.valid_from == same["valid_from"], Consent.valid_until == same["valid_until"])
    if supersedes is not None:
        stmt = stmt.where(Consent.supersedes_id == supersedes.id)
    for consent in db.session.scalars(stmt):
        content = (consent.organisation_ids, sorted(consent.purposes), consent.purpose_other,
                   sorted(consent.categories), consent.method, consent.is_given_by_person,
                   list(consent.guardian_names))
        wanted = (same["organisation_ids"], sorted(same["purposes"]), same["purpose_other"],
                  sorted(same["categories"]), same["method"], same["given_by_person"], list(same["guardian_names"]))
        if content == wanted:
            return consent
    return None


def register_consent(person: Person, *, by, organisation_ids: Iterable[int], purposes: list[str],
                     purpose_other: str = "", categories: list[str], valid_from: date | None,
                     valid_until: date | None, is_past_twenty_stated: bool = False, method: str,
                     method_note: str = "", given_by_person: bool = True, guardian_names: list[str] = (),
                     person_view: str = "", maturity_assessment: str = "",
                     scan: tuple[str, bytes] | None = None, supersedes: Consent | None = None) -> Consent:
    """Record a consent (or a new version that supersedes one); the recording organisation is always a party.

    Only an organisation that works with the person records a consent for them, and only one involved in the
    consent it replaces. Every problem is collected, so the form can show each message beside its field in one
    round.
    """
    rules.check_can_change(by, person)
    if supersedes is not None:
        rules.check_involved(by, supersedes)
    problems: list[tuple[str | None, object]] = []

    def problem(field: str | None, message) -> None:
        problems.append((field, message))

    others = {int(i) for i in organisation_ids} - {by.organisation_id}
    if not others:
        problem("organisations", _l("Välj minst en organisation som uppgifterna får lämnas till eller hämtas från."))
    elif set(db.session.scalars(select(Organisation.id).where(Organisation.id.in_(others)))) != others:
        problem("organisations", _l("Okänd organisation vald."))
    purposes = [p for p in purposes if p in PURPOSES]
    purpose_other = " ".join((purpose_other or "").split())[:300]
    if not purposes and not purpose_other:
        problem("purposes", _l("Välj minst ett syfte."))
    categories = [c for c in categories if c in CATEGORIES]
    if not categories:
        problem("categories", _l("Välj minst en kategori av uppgifter."))
    if valid_from is None:
        problem("valid_from", _l("Ange från vilket datum samtycket gäller."))
    if valid_until is None:
        problem("valid_until", _l("Ange till och med vilket datum samtycket gäller."))
    elif valid_from is not None and valid_until < valid_from:
        problem("valid_until", _l("Slutdatumet kan inte vara före startdatumet."))
    else:
        twentieth = add_years(person.birth_date, 20)
        if valid_until >= twentieth and not is_past_twenty_stated:
            problem("valid_until", _l("Samtycket kan inte gälla efter personens 20-årsdag (%(date)s) om det inte "
                                      "anges särskilt.", date=twentieth.isoformat()))
    method_note = (method_note or "").strip()
    if method not in METHODS:
        problem("method", _l("Välj hur samtycket lämnades."))
    elif method == "muntlig" and not method_note:
        problem("method_note", _l("Anteckna hur det muntliga samtycket lämnades: när, var och vem som var med."))
    scan_row = None
    if scan is not None and scan[1] is not None and (scan[0] or scan[1]):
        try:
            content_type, filename = check_scan(scan[0], scan[1])
        except ConsentError as exc:
            problem(exc.field, str(exc))
        else:
            scan_row = ConsentScan(filename=filename, content_type=content_type, size=len(scan[1]), data=scan[1])
    elif method == "blankett":
        problem("scan", _l("Ladda upp den inskannade, underskrivna blanketten."))
    guardians = [" ".join(g.split()) for g in guardian_names if g and g.strip()][:2]
    try:
        # Capacity is judged on the day the consent is given, never on a later start date (a 14-year-old cannot
        # consent alone today to something that starts on their 15th or 18th birthday).
        check_minors_policy(age=person.age(today()), given_by_person=given_by_person, guardian_names=guardians,
                            person_view=person_view or "", maturity_assessment=maturity_assessment or "")
    except ConsentError as exc:
        problem(exc.field, str(exc))
    if not problems:
        # A double submit (a second click, a resent form) records nothing new: the same consent stands.
        same = _already_recorded(person, by, supersedes, organisation_ids=others | {by.organisation_id},
                                 purposes=purposes, purpose_other=purpose_other, categories=categories,
                                 valid_from=valid_from, valid_until=valid_until, method=method,
                                 given_by_person=bool(given_by_person), guardian_names=guardians)
        if same is not None:
            return same
    if supersedes is not None:
        if supersedes.person_id != person.id:
            problem(None, _l("Samtycket gäller en annan person."))
        elif supersedes.withdrawn_dt is not None or supersedes.superseded_dt is not None:
            problem(None, _l("Samtycket har redan återkallats eller ersatts och kan inte ändras."))
    if problems:
        raise ConsentError(problems[0][1], field=problems[0][0], errors=problems)
    consent = Consent(
        person_id=person.id, recorded_by_org_id=by.organisation_id, recorded_by_user_id=by.id,
        purposes=purposes, purpose_other=purpose_other, categories=categories, valid_from=valid_from,
        valid_until=valid_until, is_past_twenty_stated=bool(is_past_twenty_stated), method=method,
        method_note=method_note, is_given_by_person=bool(given_by_person), guardian_names=guardians,
        person_view=(person_view or "").strip(), maturity_assessment=(maturity_assessment or "").strip(),
        supersedes_id=supersedes.id if supersedes is not None else None,
    )
    # The recording organisation stands behind it; every other party is asked (its records stay closed until then).
    consent.parties = [ConsentParty(organisation_id=by.organisation_id, status="confirmed", decided_by_id=by.id,
                                    decided_dt=utcnow())]
    consent.parties += [ConsentParty(organisation_id=oid) for oid in sorted(others)]
    consent.scan = scan_row
    db.session.add(consent)
    if supersedes is not None:
        supersedes.superseded_dt = utcnow()
    db.session.flush()
    audit.record("consent.create", obj=consent, person_id=person.id, by=by,
                 details={"organisations": sorted(consent.organisation_ids), "categories": categories,
                          "purposes": purposes, "until": valid_until.isoformat(),
                          "supersedes": supersedes.id if supersedes is not None else None})
    for org_id in sorted(others):
        notifications.notify_organisation(
            org_id, N_("%(org)s har registrerat ett samtycke för Deltagare %(p)s som nämner er organisation. "
                       "Bekräfta eller avböj det: era uppgifter lämnas inte ut med stöd av det förrän ni bekräftat."),
            params={"org": by.organisation.name, "p": person.pseudonym},
            url=f"/deltagare/{person.ref}/samtycken/{consent.id}/bekrafta", permission="consent.register",
            key=f"consent-confirm-{consent.id}-{org_id}", mail=True)
    if supersedes is not None:
        consent_notices.tell_dropped(supersedes, consent)
    return consent


def decide_consent(consent: Consent, *, by, confirm: bool, reason: str = "") -> Consent:
    """A named organisation says whether it stands behind a consent another organisation registered.

    Confirming opens its records to the other parties within the consent; declining (with a reason) keeps them
    closed, and the recording organisation is told. Once decided, it is not asked again.
    """
    rules.check_can_decide_consent(by, consent)
    party = consent.party(by.organisation_id)
    reason = (reason or "").strip()
    if not confirm and not reason:
        raise ConsentError(_l("Ange varför er organisation inte står bakom samtycket."), field="reason")
    party.status = "confirmed" if confirm else "declined"
    party.decided_by_id, party.decided_dt, party.decline_reason = by.id, utcnow(), "" if confirm else reason
    db.session.flush()
    audit.record("consent.confirm" if confirm else "consent.decline", obj=consent, person_id=consent.person_id,
                 by=by, details={} if confirm else {"reason": reason})
    if not confirm:
        notifications.notify_organisation(
            consent.recorded_by_org_id,
            N_("%(org)s står inte bakom samtycke nr %(n)s för Deltagare %(p)s. Dess uppgifter lämnas inte ut."),
            params={"org": by.organisation.name, "n": consent.id, "p": consent.person.pseudonym},
            url=f"/deltagare/{consent.person.ref}/samtycken", permission="consent.register",
            key=f"consent-declined-{consent.id}-{by.organisation_id}", mail=True)
    return consent


def withdraw_consent(consent: Consent, *, by, reason: str) -> Consent:
    """Withdraw at once: the gate stops covering it, every organisation it named is told, hooks run.

    Any organisation involved in the consent may withdraw it: the young person may turn to any of them.
    """
    rules.check_involved(by, consent)
    reason = (reason or "").strip()
    if not reason:
        raise ConsentError(_l("Ange varför samtycket återkallas (t.ex. den unges egen begäran)."), field="reason")
    if consent.withdrawn_dt is not None:
        raise ConsentError(_l("Samtycket är redan återkallat."), field=None)
    if consent.superseded_dt is not None:
        raise ConsentError(_l("Samtycket har ersatts av ett nyare; återkalla det nyare i stället."), field=None)
    consent.withdrawn_dt = utcnow()
    consent.withdrawn_by_id = by.id
    consent.withdrawal_reason = reason
    db.session.flush()
    audit.record("consent.withdraw", obj=consent, person_id=consent.person_id, by=by)
    recorder = db.session.get(User, consent.recorded_by_user_id) if consent.recorded_by_user_id else None
    told_in_person = frozenset()
    if recorder is not None and recorder.is_active and recorder.id != by.id:
        # Queued in this transaction, sent after the commit; no personal data travels by e-mail.
        notifications.queue_mail(
            recorder.email, _l("Ett samtycke har återkallats"),
            _l("Ett samtycke som du registrerade i DUA-portalen har återkallats. Logga in och öppna "
               "Meddelanden för att se vilket."))
        told_in_person = frozenset({recorder.id})
    # The areas first: a notice they write of the same event (its key from consent_notices.notice_key) says more
    # (which of their cases it touches) and stands for the consent's own notice to that organisation.
    for hook in CONSENT_WITHDRAWN_HOOKS:
        hook(consent)
    consent_notices.tell_withdrawn(consent, not_mailed=told_in_person)
    return consent


def open_scan(consent: Consent, *, by) -> ConsentScan | None:
    """The signed form, for the organisation that took it; each opening is audited. None when none was uploaded."""
    rules.check_can_open_scan(by, consent)
    if consent.scan is None:
        return None
    audit.record("consent.scan.read", obj=consent, person_id=consent.person_id, by=by)
    return consent.scan


def record_disclosure(person: Person, *, by, to_org_id: int | None, basis: str, basis_detail: str = "",
                      justification: str, categories: list[str], disclosed_on: date | None) -> Disclosure:
    """Record a disclosure on another legal basis; audited as such and listed for the organisation's review.

    Only an organisation that works with the person holds records about them to disclose.
    """
    rules.check_can_change(by, person)
    problems: list[tuple[str, object]] = []  # every problem at once, each beside its field
    # Any value may arrive here (the operation runs beside the form's own checks): beyond the id column's range
    # it is no organisation, not a database error.
    to_org_id = to_int(to_org_id, minimum=1)
    if to_org_id is None or db.session.get(Organisation, to_org_id) is None:
        problems.append(("to_org", _l("Välj den organisation som fick uppgifterna.")))
    elif to_org_id == by.organisation_id:
        problems.append(("to_org", _l("Mottagaren måste vara en annan organisation än din egen.")))
    if basis not in BASES:
        problems.append(("basis", _l("Välj vilket lagstöd utlämnandet grundas på.")))
    basis_detail = " ".join((basis_detail or "").split())
    if basis == "annan" and not basis_detail:
        problems.append(("basis_detail", _l("Ange vilken bestämmelse utlämnandet grundas på.")))
    justification = (justification or "").strip()
    if not justification:
        problems.append(("justification", _l("Motivera varför uppgifterna lämnades ut utan samtycke.")))
    categories = [c for c in categories if c in CATEGORIES]
    if not categories:
        problems.append(("categories", _l("Välj vilka kategorier av uppgifter som lämnades ut.")))
    if disclosed_on is None:
        problems.append(("disclosed_on", _l("Ange datum för utlämnandet.")))
    elif disclosed_on > today():
        problems.append(("disclosed_on", _l("Datumet kan inte ligga i framtiden.")))
    if problems:
        raise ConsentError(problems[0][1], field=problems[0][0], errors=problems)
    # The same occasion recorded twice (a double submit) stays one disclosure.
    for earlier in db.session.scalars(select(Disclosure).where(
            Disclosure.person_id == person.id, Disclosure.from_org_id == by.organisation_id,
            Disclosure.to_org_id == int(to_org_id), Disclosure.disclosed_on == disclosed_on,
            Disclosure.basis == basis)):
        if (earlier.basis_detail, earlier.justification, sorted(earlier.categories)) == (
                basis_detail, justification, sorted(categories)):
            return earlier
    row = Disclosure(person_id=person.id, from_org_id=by.organisation_id, to_org_id=int(to_org_id), basis=basis,
                     basis_detail=basis_detail, justification=justification, categories=categories,
                     disclosed_on=disclosed_on, recorded_by_id=by.id)
    db.session.add(row)
    db.session.flush()
    audit.record("disclosure.create", obj=row, person_id=person.id, by=by,
                 details={"to": row.to_org_id, "basis": basis, "categories": categories})
    return row


def expiring_clause(on: date, within_days: int = 30):
    """SQL: an active consent whose last day (`Consent.lapse_date`) falls within `within_days` from `on` — its
    end, or for a consent only guardians gave the day before the person turns 18. Needs Person joined. The list
    page and the start page's count both use it, so they never disagree."""
    horizon = on + timedelta(days=within_days)
    guardian_only = and_(Consent.is_given_by_person.is_(False), func.json_array_length(Consent.guardian_names) > 0)
    ends = Consent.valid_until.between(on, horizon)
    # The day before the 18th birthday is on or after `on` (not yet 18) and within the horizon.
    still_minor = Person.birth_date > add_years(on, -18)
    turns_eighteen = Person.birth_date <= add_years(horizon + timedelta(days=1), -18)
    lapses = and_(guardian_only, Consent.valid_until >= on, still_minor, or_(Consent.valid_until <= horizon,
                                                                              turns_eighteen))
    return and_(Consent.withdrawn_dt.is_(None), Consent.superseded_dt.is_(None), Consent.valid_from <= horizon,
                or_(and_(~guardian_only, ends), lapses))


def expiring_ids(organisation_id: int, on: date, within_days: int = 30):
    """SELECT of the ids of the organisation's consents that `expiring_clause` holds for, as two index range
    scans instead of one pass over all its consents: those that end in the window, and those whose person turns
    18 in it (the only others the clause can hold for). The list page and the start page's count both use it."""
    horizon = on + timedelta(days=within_days)
    mine = select(Consent.id).join(Person, Person.id == Consent.person_id).where(
        Consent.recorded_by_org_id == organisation_id, expiring_clause(on, within_days))
    ending = mine.where(Consent.valid_until.between(on, horizon))
    turning = mine.where(Person.birth_date > add_years(on, -18),
                         Person.birth_date <= add_years(horizon + timedelta(days=1), -18))
    return union(ending, turning)


def expiring(organisation_id: int, *, within_days: int = 30, on: date | None = None) -> list[tuple[Consent, date]]:
    """Active consents the organisation took that stop covering within `within_days`: (consent, last day)."""
    on = on or today()
    rows = db.session.scalars(
        select(Consent).options(selectinload(Consent.person), selectinload(Consent.parties))
        .where(Consent.id.in_(expiring_ids(organisation_id, on, within_days)))
    ).all()
    result = [(consent, consent.lapse_date(consent.person.birth_date)) for consent in rows]
    return sorted(result, key=lambda item: (item[1], item[0].id))


def notify_expiring(on: date | None = None) -> int:
    """Tell each organisation about its consents that run out within 30 days (once per consent); returns count."""
    on = on or today()
    org_ids = db.session.scalars(select(Organisation.id)).all()
    count = 0
    for org_id in org_ids:
        for consent, last in expiring(org_id, on=on):
            if consent.is_guardian_only and last < consent.valid_until:
                message = N_("Samtycket för Deltagare %(p)s lämnades av vårdnadshavare och upphör när personen "
                             "fyller 18 år (sista dag %(d)s). Ta ett nytt samtycke med den unge.")
            else:
                message = N_("Samtycket för Deltagare %(p)s går ut %(d)s. Förnya det om samarbetet fortsätter.")
            params = {"p": consent.person.pseudonym, "d": last.isoformat()}
            if notifications.notify_organisation(org_id, message, params=params, permission="consent.register",
                                                 url="/deltagare/samtycken/utgar",
                                                 key=f"consent-expiring-{consent.id}-{last.isoformat()}",
                                                 mail=True):
                count += 1
    return count
