"""Samtycke, disclosures on other legal bases, the minors policy and THE gate every view of a person goes through."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from flask import current_app, has_app_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, selectinload

from portal import audit
from portal.auth.models import User
from portal.db import UTCDateTime, db, utcnow
from portal.notifications import N_
from portal.orgs import Organisation
from portal.people import (
    ContactDetails,
    Guardian,
    Person,
    PersonLink,
    PersonNote,
    add_years,
    age_on,
    kommuner,
    today,
)

#: Information categories a consent can cover ("uppgiftskategorier").
CATEGORIES: dict[str, object] = {
    "kontakt": _l("Kontaktuppgifter"),
    "utbildning": _l("Utbildning"),
    "sysselsattning": _l("Sysselsättning och arbete"),
    "social": _l("Social situation"),
    "halsa": _l("Hälsa"),
}

#: Purposes a consent can cover; free text may be added beside them.
PURPOSES: dict[str, object] = {
    "samordning": _l("Samordning av insatser"),
    "remiss": _l("Remiss och överlämning"),
    "mote": _l("Ärendedragning på möte (t.ex. Vägen)"),
}
DEFAULT_PURPOSE = "samordning"

METHODS: dict[str, object] = {
    "blankett": _l("Underskriven blankett (inskannad)"),
    "digital": _l("Digitalt samtycke"),
    "muntlig": _l("Muntligt, antecknat av handläggaren"),
}

#: Legal bases for a disclosure without consent.
BASES: dict[str, object] = {
    "uppgiftsskyldighet": _l("Uppgiftsskyldighet enligt lag"),
    "orosanmalan": _l("Orosanmälan till socialtjänsten (SoL 14 kap. 1 §)"),
    "osl_10_kap": _l("Sekretessbrytande bestämmelse i OSL 10 kap."),
    "annan": _l("Annat lagstöd (ange vilket)"),
}

MAX_SCAN_BYTES = 10 * 1024 * 1024
#: File signatures we accept for a scanned consent form; the name alone proves nothing.
SCAN_SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)


class ConsentError(ValueError):
    """A consent rule was broken; `field` names the form field the message belongs beside."""

    def __init__(self, message, field: str | None = None, errors: list | None = None):
        super().__init__(str(message))
        self.field = field
        #: Every problem found, as (field, message); the first is also `field` and the message.
        self.errors = [(f, str(m)) for f, m in errors] if errors else [(field, str(message))]


# --- Models -------------------------------------------------------------------------------------------


class Consent(db.Model):
    """A samtycke: which organisations may exchange which information about a person, for what, until when.

    Never edited in place: a change is a new consent that supersedes this one; withdrawal hides, never deletes.
    """

    __tablename__ = "consents"
    __table_args__ = (
        CheckConstraint("valid_until >= valid_from", name="period_ordered"),
        CheckConstraint("method IN ('blankett','digital','muntlig')", name="method_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), nullable=False, index=True)
    #: The organisation that took the consent; it gets the notices about it.
    recorded_by_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False, index=True)
    recorded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    #: Keys of PURPOSES.
    purposes: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    #: Further purpose in the person's own words, if any.
    purpose_other: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    #: Keys of CATEGORIES.
    categories: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    valid_from: Mapped[date] = mapped_column(Date, nullable=False)
    valid_until: Mapped[date] = mapped_column(Date, nullable=False)
    #: The period was knowingly set past the person's 20th birthday.
    is_past_twenty_stated: Mapped[bool] = mapped_column(nullable=False, default=False)
    #: One of METHODS.
    method: Mapped[str] = mapped_column(String(20), nullable=False)
    #: Mandatory for a verbal consent: what was said, where, who was present.
    method_note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    #: The person gave the consent themselves.
    is_given_by_person: Mapped[bool] = mapped_column(nullable=False, default=True)
    #: Names of the guardians (0, 1 or 2) who gave it.
    guardian_names: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    #: The young person's own view, recorded when a guardian consents for a child under the policy's age.
    person_view: Mapped[str] = mapped_column(Text, nullable=False, default="")
    #: The caseworker's maturity assessment when a 15–17-year-old consents alone.
    maturity_assessment: Mapped[str] = mapped_column(Text, nullable=False, default="")
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("consents.id"), nullable=True)
    superseded_dt: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    withdrawn_dt: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    withdrawal_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    person: Mapped[Person] = relationship()
    recorded_by_org: Mapped[Organisation] = relationship(foreign_keys=[recorded_by_org_id])
    recorded_by_user: Mapped[User | None] = relationship(foreign_keys=[recorded_by_user_id])
    withdrawn_by: Mapped[User | None] = relationship(foreign_keys=[withdrawn_by_id])
    parties: Mapped[list[ConsentParty]] = relationship(back_populates="consent", cascade="all, delete-orphan")
    scan: Mapped[ConsentScan | None] = relationship(back_populates="consent", uselist=False,
                                                    cascade="all, delete-orphan")

    @property
    def organisation_ids(self) -> set[int]:
        return {p.organisation_id for p in self.parties}

    @property
    def is_guardian_only(self) -> bool:
        return not self.is_given_by_person and bool(self.guardian_names)

    def lapse_date(self, birth: date) -> date:
        """The last day the consent covers: its end, or the day before 18 if only guardians gave it."""
        if self.is_guardian_only:
            return min(self.valid_until, add_years(birth, 18) - timedelta(days=1))
        return self.valid_until

    def state(self, birth: date, on: date | None = None) -> str:
        """valid, withdrawn, superseded, not_yet, expired or lapsed (guardian-only and the person is 18)."""
        on = on or today()
        if self.withdrawn_dt is not None:
            return "withdrawn"
        if self.superseded_dt is not None:
            return "superseded"
        if on < self.valid_from:
            return "not_yet"
        if on > self.valid_until:
            return "expired"
        if self.is_guardian_only and age_on(birth, on) >= 18:
            return "lapsed"
        return "valid"


STATE_LABELS: dict[str, object] = {
    "valid": _l("Gäller"),
    "withdrawn": _l("Återkallat"),
    "superseded": _l("Ersatt av nytt samtycke"),
    "not_yet": _l("Gäller ännu inte"),
    "expired": _l("Har gått ut"),
    "lapsed": _l("Upphört vid 18 år"),
}


class ConsentParty(db.Model):
    """One organisation named in a consent; exact: a kommun does not cover its units, nor a unit its siblings."""

    __tablename__ = "consent_parties"
    __table_args__ = (UniqueConstraint("consent_id", "organisation_id", name="uq_consent_parties_consent_org"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consent_id: Mapped[int] = mapped_column(ForeignKey("consents.id", ondelete="CASCADE"), nullable=False,
                                            index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False, index=True)

    consent: Mapped[Consent] = relationship(back_populates="parties")
    organisation: Mapped[Organisation] = relationship(lazy="joined")


class ConsentScan(db.Model):
    """The scanned, signed consent form (PDF, JPEG or PNG, at most 10 MB), kept in the database."""

    __tablename__ = "consent_scans"

    id: Mapped[int] = mapped_column(primary_key=True)
    consent_id: Mapped[int] = mapped_column(ForeignKey("consents.id", ondelete="CASCADE"), nullable=False,
                                            unique=True)
    filename: Mapped[str] = mapped_column(String(200), nullable=False)
    content_type: Mapped[str] = mapped_column(String(40), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)

    consent: Mapped[Consent] = relationship(back_populates="scan")


class Disclosure(db.Model):
    """An utlämnande without consent on another legal basis: one person, one receiving org, one occasion."""

    __tablename__ = "disclosures"
    __table_args__ = (
        CheckConstraint("basis IN ('uppgiftsskyldighet','orosanmalan','osl_10_kap','annan')", name="basis_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), nullable=False, index=True)
    from_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False, index=True)
    to_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False, index=True)
    #: One of BASES.
    basis: Mapped[str] = mapped_column(String(30), nullable=False)
    #: The provision relied on, e.g. "SoL 14 kap. 1 §" (required for "annan").
    basis_detail: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    justification: Mapped[str] = mapped_column(Text, nullable=False)
    categories: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    #: The occasion; the receiving organisation sees the disclosed categories on this day only.
    disclosed_on: Mapped[date] = mapped_column(Date, nullable=False)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    person: Mapped[Person] = relationship()
    from_org: Mapped[Organisation] = relationship(foreign_keys=[from_org_id], lazy="joined")
    to_org: Mapped[Organisation] = relationship(foreign_keys=[to_org_id], lazy="joined")


# --- The minors policy ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MinorsPolicy:
    """Local policy (OSL rests on the young person's maturity, not fixed ages); set in the portal's settings."""

    #: Under this age a guardian must consent and the young person's own view is recorded.
    guardian_required_under: int = 15
    #: From guardian_required_under up to this age the person may consent alone with a maturity assessment.
    adult_age: int = 18
    #: Require both guardians (joint custody) where a guardian's consent is required.
    both_guardians: bool = False


def minors_policy() -> MinorsPolicy:
    cfg = current_app.config if has_app_context() else {}
    return MinorsPolicy(
        guardian_required_under=int(cfg.get("CONSENT_GUARDIAN_REQUIRED_UNDER", 15)),
        adult_age=int(cfg.get("CONSENT_ADULT_AGE", 18)),
        both_guardians=bool(cfg.get("CONSENT_BOTH_GUARDIANS", False)),
    )


def check_minors_policy(*, age: int, given_by_person: bool, guardian_names: list[str], person_view: str,
                        maturity_assessment: str, policy: MinorsPolicy | None = None) -> None:
    """Raise ConsentError (beside the field to fix) unless the right people gave the consent for this age."""
    policy = policy or minors_policy()
    guardians = [g for g in guardian_names if g.strip()]
    needed = 2 if policy.both_guardians else 1
    if age >= policy.adult_age:
        if not given_by_person:
            raise ConsentError(_l("Personen är myndig och måste själv lämna sitt samtycke."),
                               field="given_by_person")
        return
    if age < policy.guardian_required_under:
        if len(guardians) < needed:
            raise ConsentError(
                _l("Personen är under %(age)s år: vårdnadshavares samtycke krävs. Ange vårdnadshavarens namn.",
                   age=policy.guardian_required_under) if needed == 1 else
                _l("Personen är under %(age)s år: båda vårdnadshavarnas samtycke krävs.",
                   age=policy.guardian_required_under),
                field="guardian_1")
        if not person_view.strip():
            raise ConsentError(_l("Anteckna den unges egen inställning till samtycket."), field="person_view")
        return
    # Between the ages: own consent suffices with a maturity assessment, otherwise a guardian's as well.
    if given_by_person and maturity_assessment.strip():
        return
    if len(guardians) < needed:
        if given_by_person:
            raise ConsentError(
                _l("Personen är under %(age)s år: anteckna en mognadsbedömning, eller ange vårdnadshavares "
                   "samtycke.", age=policy.adult_age), field="guardian_1")
        raise ConsentError(_l("Ange vårdnadshavarens namn."), field="guardian_1")
    if not given_by_person and not person_view.strip():
        raise ConsentError(_l("Anteckna den unges egen inställning till samtycket."), field="person_view")


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
            # ASCII only: the name goes into a Content-Disposition header when the scan is downloaded.
            stem = "".join(c for c in (filename or "").rsplit(".", 1)[0]
                           if c.isascii() and (c.isalnum() or c in "-_"))[:80]
            return content_type, f"{stem or 'samtycke'}.{extension}"
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

    Every problem is collected, so the form can show each message beside its field in one round.
    """
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
    on = valid_from if valid_from is not None and valid_from > today() else today()
    try:
        check_minors_policy(age=person.age(on), given_by_person=given_by_person, guardian_names=guardians,
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
    consent.parties = [ConsentParty(organisation_id=oid) for oid in sorted(others | {by.organisation_id})]
    consent.scan = scan_row
    db.session.add(consent)
    if supersedes is not None:
        supersedes.superseded_dt = utcnow()
    db.session.flush()
    audit.record("consent.create", obj=consent, person_id=person.id, by=by,
                 details={"organisations": sorted(consent.organisation_ids), "categories": categories,
                          "purposes": purposes, "until": valid_until.isoformat(),
                          "supersedes": supersedes.id if supersedes is not None else None})
    return consent


def withdraw_consent(consent: Consent, *, by, reason: str) -> Consent:
    """Withdraw at once: the gate stops covering it, the recording organisation is told, hooks run."""
    from portal import notifications

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
    # The pseudonym, never the name: a notice may be read on a shared screen.
    notifications.notify_organisation(
        consent.recorded_by_org_id,
        N_("Ett samtycke för Deltagare %(p)s har återkallats. Uppgifter delas inte längre med stöd av det."),
        params={"p": consent.person.pseudonym}, url=f"/deltagare/{consent.person_id}/samtycken",
        key=f"consent-withdrawn-{consent.id}",
        permission="consent.register",
    )
    recorder = db.session.get(User, consent.recorded_by_user_id) if consent.recorded_by_user_id else None
    if recorder is not None and recorder.is_active and recorder.id != by.id:
        # Queued in this transaction, sent after the commit; no personal data travels by e-mail.
        notifications.queue_mail(
            recorder.email, _l("Ett samtycke har återkallats"),
            _l("Ett samtycke som du registrerade i DUA-portalen har återkallats. Logga in och öppna "
               "Meddelanden för att se vilket."))
    for hook in CONSENT_WITHDRAWN_HOOKS:
        hook(consent)
    return consent


def record_disclosure(person: Person, *, by, to_org_id: int | None, basis: str, basis_detail: str = "",
                      justification: str, categories: list[str], disclosed_on: date | None) -> Disclosure:
    """Record a disclosure on another legal basis; audited as such and listed for the organisation's review."""
    if not to_org_id or db.session.get(Organisation, int(to_org_id)) is None:
        raise ConsentError(_l("Välj den organisation som fick uppgifterna."), field="to_org")
    if int(to_org_id) == by.organisation_id:
        raise ConsentError(_l("Mottagaren måste vara en annan organisation än din egen."), field="to_org")
    if basis not in BASES:
        raise ConsentError(_l("Välj vilket lagstöd utlämnandet grundas på."), field="basis")
    basis_detail = " ".join((basis_detail or "").split())
    if basis == "annan" and not basis_detail:
        raise ConsentError(_l("Ange vilken bestämmelse utlämnandet grundas på."), field="basis_detail")
    justification = (justification or "").strip()
    if not justification:
        raise ConsentError(_l("Motivera varför uppgifterna lämnades ut utan samtycke."), field="justification")
    categories = [c for c in categories if c in CATEGORIES]
    if not categories:
        raise ConsentError(_l("Välj vilka kategorier av uppgifter som lämnades ut."), field="categories")
    if disclosed_on is None:
        raise ConsentError(_l("Ange datum för utlämnandet."), field="disclosed_on")
    if disclosed_on > today():
        raise ConsentError(_l("Datumet kan inte ligga i framtiden."), field="disclosed_on")
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


def expiring(organisation_id: int, *, within_days: int = 30, on: date | None = None) -> list[tuple[Consent, date]]:
    """Active consents the organisation took that stop covering within `within_days`: (consent, last day)."""
    on = on or today()
    horizon = on + timedelta(days=within_days)
    rows = db.session.scalars(
        select(Consent).options(selectinload(Consent.person), selectinload(Consent.parties))
        .where(Consent.recorded_by_org_id == organisation_id, Consent.withdrawn_dt.is_(None),
               Consent.superseded_dt.is_(None), Consent.valid_from <= horizon, Consent.valid_until >= on)
    ).all()
    result = []
    for consent in rows:
        last = consent.lapse_date(consent.person.birth_date)
        if on <= last <= horizon:
            result.append((consent, last))
    return sorted(result, key=lambda item: item[1])


def notify_expiring(on: date | None = None) -> int:
    """Tell each organisation about its consents that run out within 30 days (once per consent); returns count."""
    from portal import notifications

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
                                                 key=f"consent-expiring-{consent.id}-{last.isoformat()}"):
                count += 1
    return count


# --- THE GATE ----------------------------------------------------------------------------------------------


@dataclass
class PersonView:
    """What one user may see of one person right now, for one purpose. Templates get only this."""

    person_id: int
    pseudonym: str
    #: The identity (name, number) may be shown; False means refused: show pseudonym and reason only.
    allowed: bool
    reason: str = ""
    #: The user's organisation works with the person (registered them).
    is_own: bool = False
    is_protected: bool = False
    first_name: str = ""
    last_name: str = ""
    id_kind: str = ""
    number: str = ""
    birth_date: date | None = None
    age: int | None = None
    home_kommun: str = ""
    home_kommun_name: str = ""
    #: Categories other organisations' records are visible in, by recording organisation id.
    shared_categories: dict[int, set[str]] = field(default_factory=dict)
    #: Why the user sees more than their own records (consent numbers, disclosures).
    bases: list[str] = field(default_factory=list)
    contacts: list[ContactDetails] = field(default_factory=list)
    guardians: list[Guardian] = field(default_factory=list)
    notes: list[PersonNote] = field(default_factory=list)

    @property
    def label(self) -> str:
        """The name where allowed, otherwise the pseudonym: the one thing a list shows."""
        if self.allowed:
            return f"{self.first_name} {self.last_name}"
        return _("Deltagare %(p)s", p=self.pseudonym)

    @property
    def pseudonym_label(self) -> str:
        return _("Deltagare %(p)s", p=self.pseudonym)


def _consents_by_person(person_ids: list[int]) -> dict[int, list[Consent]]:
    rows = db.session.scalars(
        select(Consent).options(selectinload(Consent.parties)).where(Consent.person_id.in_(person_ids))
        .order_by(Consent.created_dt.desc(), Consent.id.desc())
    ).all()
    grouped: dict[int, list[Consent]] = defaultdict(list)
    for consent in rows:
        grouped[consent.person_id].append(consent)
    return grouped


def _refusal_reason(org_name: str, mine: list[Consent], person: Person, purpose: str, on: date) -> str:
    """Why the user's organisation is refused, naming only consents that named that organisation."""
    for consent in mine:  # newest first
        state = consent.state(person.birth_date, on)
        if state == "withdrawn":
            return _("Samtycket för %(org)s har återkallats.", org=org_name)
        if state == "expired":
            return _("Samtycket för %(org)s gick ut %(d)s.", org=org_name, d=consent.valid_until.isoformat())
        if state == "lapsed":
            return _("Samtycket lämnades av vårdnadshavare och gäller inte sedan personen fyllt 18 år.")
        if state == "not_yet":
            return _("Samtycket för %(org)s gäller först från %(d)s.", org=org_name,
                     d=consent.valid_from.isoformat())
        if state == "valid" and purpose not in consent.purposes:
            return _("Samtycket för %(org)s omfattar inte syftet %(purpose)s.", org=org_name,
                     purpose=str(PURPOSES.get(purpose, purpose)))
    return _("Samtycke saknas för %(org)s.", org=org_name)


def gate(user, people, purpose: str = DEFAULT_PURPOSE, *, record: bool = True, on: date | None = None):
    """THE gate: what `user` may see now of each person, for `purpose`, as redacted PersonViews.

    `people` is one Person (or id) → one PersonView, or a list → a list in the same order. A constant number
    of queries whatever the length. The user's organisation sees the records it made; any other organisation's
    records need a valid, unwithdrawn consent naming both organisations exactly, covering the purpose and the
    category, or a disclosure to it today. Protected identity hides contact details from all but their
    recording organisation, whatever a consent says. Each read and each refusal is audited once per request.
    """
    single = not isinstance(people, list | tuple)
    items = [people] if single else list(people)
    on = on or today()
    ids = [p if isinstance(p, int) else p.id for p in items]
    if not ids:
        return []
    loaded = {p.id: p for p in items if isinstance(p, Person)}
    missing = [i for i in ids if i not in loaded]
    if missing:
        loaded.update({p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(missing)))})
    org_id = user.organisation_id
    org_name = user.organisation.name
    unique_ids = list(dict.fromkeys(ids))
    linked = set(db.session.scalars(select(PersonLink.person_id).where(
        PersonLink.organisation_id == org_id, PersonLink.person_id.in_(unique_ids))))
    consents = _consents_by_person(unique_ids)
    disclosures = defaultdict(list)
    for row in db.session.scalars(select(Disclosure).where(
            Disclosure.person_id.in_(unique_ids), Disclosure.to_org_id == org_id, Disclosure.disclosed_on == on)):
        disclosures[row.person_id].append(row)

    views: dict[int, PersonView] = {}
    for pid in unique_ids:
        person = loaded[pid]
        view = PersonView(person_id=pid, pseudonym=person.pseudonym, allowed=False, is_own=pid in linked,
                          is_protected=person.is_protected)
        mine = [c for c in consents.get(pid, []) if org_id in c.organisation_ids]
        covering = [c for c in mine if c.state(person.birth_date, on) == "valid" and purpose in c.purposes]
        shared: dict[int, set[str]] = defaultdict(set)
        for consent in covering:
            for party in consent.organisation_ids - {org_id}:
                shared[party] |= set(consent.categories)
            view.bases.append(_("Samtycke nr %(n)s, gäller t.o.m. %(d)s", n=consent.id,
                                d=consent.lapse_date(person.birth_date).isoformat()))
        for row in disclosures.get(pid, []):
            shared[row.from_org_id] |= set(row.categories)
            view.bases.append(_("Utlämnande utan samtycke (%(basis)s) %(d)s",
                                basis=str(BASES[row.basis]), d=row.disclosed_on.isoformat()))
        if pid in linked or covering or disclosures.get(pid):
            view.allowed = True
            view.shared_categories = dict(shared)
            view.first_name, view.last_name = person.first_name, person.last_name
            view.id_kind, view.number = person.id_kind, person.number_display
            view.birth_date, view.age = person.birth_date, age_on(person.birth_date, on)
            if person.home_kommun and (pid in linked or not person.is_protected):
                view.home_kommun = person.home_kommun
                found = kommuner().get(person.home_kommun)
                view.home_kommun_name = found.name if found else person.home_kommun
        else:
            view.reason = _refusal_reason(org_name, mine, person, purpose, on)
        views[pid] = view

    allowed_ids = [pid for pid, v in views.items() if v.allowed]
    if allowed_ids:
        _attach_records(views, allowed_ids, org_id)
    if record:
        audit.record_reads("person.read", allowed_ids, by=user, details={"purpose": purpose})
        audit.record_reads("person.refused", [pid for pid, v in views.items() if not v.allowed], by=user,
                           details={"purpose": purpose})
    result = [views[pid] for pid in ids]
    return result[0] if single else result


def _visible(view: PersonView, row, org_id: int, category: str) -> bool:
    if row.organisation_id == org_id:
        return True
    if category == "kontakt" and view.is_protected:
        return False  # skyddade personuppgifter: never beyond the recording organisation
    return category in view.shared_categories.get(row.organisation_id, set())


def _attach_records(views: dict[int, PersonView], person_ids: list[int], org_id: int) -> None:
    """Load the held records of the allowed people in three queries and keep only what the gate lets through."""
    for model, target in ((ContactDetails, "contacts"), (Guardian, "guardians"), (PersonNote, "notes")):
        stmt = select(model).where(model.person_id.in_(person_ids))
        stmt = stmt.order_by(model.created_dt.desc() if model is PersonNote else model.id)
        for row in db.session.scalars(stmt):
            view = views[row.person_id]
            if model is Guardian and view.age is not None and view.age >= 18:
                continue  # guardianship ends at 18; the record stays (archive law) but is no longer shown
            category = row.category if model is PersonNote else "kontakt"
            if _visible(view, row, org_id, category):
                getattr(view, target).append(row)


def visible_person_ids(user, purpose: str = DEFAULT_PURPOSE, on: date | None = None) -> set[int]:
    """Everyone whose identity the user's organisation may see now: linked, covered by consent, or disclosed to."""
    on = on or today()
    org_id = user.organisation_id
    ids = set(db.session.scalars(select(PersonLink.person_id).where(PersonLink.organisation_id == org_id)))
    rows = db.session.execute(
        select(Consent, Person.birth_date).join(ConsentParty, ConsentParty.consent_id == Consent.id)
        .join(Person, Person.id == Consent.person_id)
        .where(ConsentParty.organisation_id == org_id, Consent.withdrawn_dt.is_(None),
               Consent.superseded_dt.is_(None), Consent.valid_from <= on, Consent.valid_until >= on)
    ).all()
    ids |= {c.person_id for c, birth in rows if c.state(birth, on) == "valid" and purpose in c.purposes}
    ids |= set(db.session.scalars(select(Disclosure.person_id).where(
        Disclosure.to_org_id == org_id, Disclosure.disclosed_on == on)))
    return ids


def consents_visible_to(user, person: Person) -> list[Consent]:
    """The consent history the user's organisation may see: those it took or that name it (newest first)."""
    rows = _consents_by_person([person.id]).get(person.id, [])
    return [c for c in rows if c.recorded_by_org_id == user.organisation_id or user.organisation_id in
            c.organisation_ids]


# --- The printable consent form (samtyckesblankett) ---------------------------------------------------------


def consent_form_docx(*, view: PersonView, organisation_names: list[str], purposes: list[str], purpose_other: str,
                      categories: list[str], valid_from: date | None, valid_until: date | None,
                      guardian_lines: int) -> bytes:
    """The samtyckesblankett as .docx: parties, purposes, categories, period and signature lines.

    Built from a gate view, so a refused user can never print a person's identity.
    """
    import io

    from docx import Document
    from docx.shared import Pt

    doc = Document()
    doc.core_properties.title = _("Samtycke till informationsutbyte")
    doc.add_heading(_("Samtycke till informationsutbyte mellan myndigheter"), level=1)
    doc.add_paragraph(_("Jag samtycker till att de organisationer som anges nedan får lämna och ta emot uppgifter "
                        "om mig, inom de syften och uppgiftskategorier som anges, under den angivna perioden. "
                        "Samtycket är frivilligt och jag kan när som helst återkalla det helt eller delvis."))
    doc.add_heading(_("Personen samtycket gäller"), level=2)
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in ((_("Namn"), view.label), (_("Personnummer"), view.number if view.allowed else "")):
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
    doc.add_heading(_("Organisationer som får utbyta uppgifter"), level=2)
    for name in organisation_names:
        doc.add_paragraph(name, style="List Bullet")
    doc.add_heading(_("Syften"), level=2)
    for key in purposes:
        doc.add_paragraph(str(PURPOSES.get(key, key)), style="List Bullet")
    if purpose_other:
        doc.add_paragraph(purpose_other, style="List Bullet")
    doc.add_heading(_("Uppgifter som får utbytas"), level=2)
    for key in categories:
        doc.add_paragraph(str(CATEGORIES.get(key, key)), style="List Bullet")
    doc.add_heading(_("Period"), level=2)
    doc.add_paragraph(_("Samtycket gäller från %(start)s till och med %(end)s.",
                        start=valid_from.isoformat() if valid_from else "________",
                        end=valid_until.isoformat() if valid_until else "________"))
    doc.add_heading(_("Underskrifter"), level=2)
    signers = [_("Den unge")] + [_("Vårdnadshavare %(n)s", n=n + 1) for n in range(guardian_lines)]
    for signer in signers:
        paragraph = doc.add_paragraph()
        paragraph.paragraph_format.space_before = Pt(24)
        paragraph.add_run("_" * 45)
        doc.add_paragraph(_("%(who)s: underskrift, namnförtydligande och datum", who=signer))
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
