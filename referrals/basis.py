"""What a referral rests on: the consent that covers it, or a duty to inform in law (a legal basis of the gate).

A consent-based referral may be sent only while a consent of the person names both organisations, covers the
purpose `remiss` and every category the referral shares, and the sender stands behind it (registered or
confirmed it: OSL 10 kap. 1 §, the holder decides). The receiver then sees the person through the gate with the
purpose `remiss`, and the sender's part of the referral (reason, help asked, attachments, the sender's comments)
while that consent still holds. A duty-based referral (studieavbrott, orosanmälan) needs no consent: the receiver
sees the identity, as the sender typed it, and what the referral carries while it holds the matter — kept as
the gate's rows through `access.register_legal_basis`, so every list and page of the portal agrees.
"""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, literal, select

from portal.clock import today
from portal.db import db
from portal.people.access import LegalBasis, register_legal_basis
from portal.people.models import Consent, Person, PersonLink
from portal.people.vocabulary import CATEGORIES
from referrals import workflow
from referrals.models import Referral

PURPOSE = "remiss"


def _consents_naming(person_id: int, org_ids: set[int]) -> list[Consent]:
    consents = db.session.scalars(select(Consent).where(Consent.person_id == person_id)
                                  .order_by(Consent.created_dt.desc(), Consent.id.desc())).all()
    return [c for c in consents if org_ids <= c.organisation_ids]


def _problem(consent: Consent, person: Person, from_org, categories, on: date) -> str | None:
    """Why this consent does not carry the referral, or None when it does."""
    state = consent.state(person.birth_date, on)
    if state == "withdrawn":
        return _("Samtycke nr %(n)s har återkallats.", n=consent.id)
    if state == "superseded":
        return _("Samtycke nr %(n)s har ersatts av ett nyare.", n=consent.id)
    if state == "expired":
        return _("Samtycke nr %(n)s gick ut %(d)s.", n=consent.id, d=consent.valid_until.isoformat())
    if state == "lapsed":
        return _("Samtycke nr %(n)s lämnades av vårdnadshavare och gäller inte sedan personen fyllt 18 år.",
                 n=consent.id)
    if state == "not_yet":
        return _("Samtycke nr %(n)s gäller först från %(d)s.", n=consent.id, d=consent.valid_from.isoformat())
    if PURPOSE not in consent.purposes:
        return _("Samtycke nr %(n)s omfattar inte syftet remiss och överlämning.", n=consent.id)
    missing = [str(CATEGORIES.get(c, c)) for c in categories if c not in consent.categories]
    if missing:
        return _("Samtycke nr %(n)s omfattar inte: %(categories)s.", n=consent.id,
                 categories=", ".join(missing).lower())
    if from_org.id not in consent.confirmed_ids:
        return _("%(org)s har inte bekräftat samtycke nr %(n)s, så dess uppgifter får inte lämnas ut med stöd av "
                 "det.", org=from_org.name, n=consent.id)
    return None


def consent_for(person: Person, from_org, to_org, categories, on: date | None = None) -> tuple[Consent | None, str]:
    """(the newest consent that carries a referral from → to sharing `categories`, "") or (None, why not)."""
    on = on or today()
    naming = _consents_naming(person.id, {from_org.id, to_org.id})
    if not naming:
        return None, _("Det finns inget samtycke där den unge låter både %(a)s och %(b)s dela uppgifter. "
                       "Registrera ett samtycke med syftet remiss och överlämning först.",
                       a=from_org.name, b=to_org.name)
    first_problem = ""
    for consent in naming:
        problem = _problem(consent, person, from_org, categories, on)
        if problem is None:
            return consent, ""
        first_problem = first_problem or problem
    return None, first_problem


def covered_receivers(person: Person, from_org, on: date | None = None) -> list[tuple[int, str, Consent]]:
    """Where a referral about the person may go on consent today: (organisation id, name, the consent) for every
    organisation a valid consent with the purpose remiss names beside the sender, which the sender stands behind.
    What the new-referral form shows before a receiver is chosen (the categories are checked when it is sent)."""
    on = on or today()
    found: dict[int, tuple[int, str, Consent]] = {}
    for consent in _consents_naming(person.id, {from_org.id}):  # newest first: the newest consent per receiver
        if consent.state(person.birth_date, on) != "valid" or PURPOSE not in consent.purposes \
                or from_org.id not in consent.confirmed_ids:
            continue
        for party in consent.parties:
            if party.organisation_id != from_org.id:
                found.setdefault(party.organisation_id, (party.organisation_id, party.organisation.name, consent))
    return sorted(found.values(), key=lambda row: row[1])


def consent_holds(referral: Referral, on: date | None = None) -> bool:
    """The consent the referral rests on still carries it today (not withdrawn, expired, lapsed or narrowed)."""
    if referral.consent is None or referral.person is None:
        return False
    on = on or today()
    if referral.consent.superseded_dt is not None and referral.consent.withdrawn_dt is None:
        # A new version of the consent (a category or an organisation added) carries on what the old one carried,
        # from the moment it is registered; the daily job then records the move (watch._carry_on).
        return consent_for(referral.person, referral.from_org, referral.to_org, referral.categories, on)[0] is not None
    return _problem(referral.consent, referral.person, referral.from_org, referral.categories, on) is None


def basis_holds(referral: Referral, on: date | None = None) -> bool:
    """What the sender sent may reach the receiver now: always for a consultation (it carries no person), while
    the matter is open for a duty, while the consent holds for the rest."""
    basis = workflow.TYPES[referral.type].basis
    if basis == "none":
        return True
    if basis == "duty":
        return referral.state in workflow.OPEN
    return consent_holds(referral, on)


def sender_part_open(user, referral: Referral, on: date | None = None) -> bool:
    """The user may read the sender's part (reason, help asked, the sender's attachments and comments)."""
    if user.organisation_id == referral.from_org_id:
        return True
    return basis_holds(referral, on)


def step_note_open(referral: Referral, event, open_part: bool) -> bool:
    """A step's note (a withdrawal's reason) is its writer's: the sender's notes pass with the sender's part only
    (the page, step_views.render_referral, and the API read it)."""
    return open_part or event.by_org_id != referral.from_org_id


def sender_holds(person: Person, organisation_id: int) -> bool:
    """The sending organisation has registered the person itself: a referral passes on what it holds."""
    return db.session.scalar(select(PersonLink.id).where(
        PersonLink.person_id == person.id, PersonLink.organisation_id == organisation_id)) is not None


def not_home_kommun(person: Person, from_org_id: int, to_org):
    """Why a dropout report may not go to this kommun, or None: it goes to the pupil's home kommun (skollagen
    29 kap. 9 §: the hemkommun's activity responsibility), as the sending school registered it."""
    from portal.orgs import kommunkod_of
    from portal.people.identity import kommuner

    home = db.session.scalar(select(PersonLink.home_kommun).where(
        PersonLink.person_id == person.id, PersonLink.organisation_id == from_org_id))
    code = kommunkod_of(to_org)
    if not home or not code or home == code:
        return None
    found = kommuner().get(home)
    return _("Anmälan om studieavbrott går till den unges hemkommun, %(kommun)s. %(org)s är en annan kommun.",
             kommun=found.name if found else home, org=to_org.name)


def _duty_rows(type_key: str):
    def rows(person_ids):
        stmt = (select(Referral.to_org_id.label("organisation_id"), Referral.person_id,
                       Referral.from_org_id.label("via"), Referral.submitted_on.label("valid_from"),
                       literal(date(9999, 12, 31), Date).label("valid_until"))
                .where(Referral.type == type_key, Referral.state.in_(workflow.OPEN),
                       Referral.person_id.is_not(None), Referral.submitted_on.is_not(None)))
        if person_ids is not None:
            stmt = stmt.where(Referral.person_id.in_(person_ids))
        return stmt
    return rows


LEGAL_LABELS = {
    "studieavbrott": _l("Anmälan om studieavbrott (skollagen 15 kap. 15 § och 29 kap. 9 §)"),
    "orosanmalan": _l("Orosanmälan (socialtjänstlagen 14 kap. 1 §)"),
}


#: The key each duty type's rows carry in person_access.basis (a String(12): "referral.studieavbrott" did not fit,
#: and PostgreSQL refused every derivation of a person with an open duty referral).
LEGAL_KEYS = {"studieavbrott": "ref.dropout", "orosanmalan": "ref.concern"}


def register_legal_bases() -> None:
    """From init_app: the receiver of an open duty-based referral sees the person through the gate's rows."""
    for key, type_ in workflow.TYPES.items():
        if type_.basis == "duty":
            register_legal_basis(LegalBasis(key=LEGAL_KEYS[key], label=LEGAL_LABELS[key], rows=_duty_rows(key),
                                            watched={Referral: "person_id"}))
