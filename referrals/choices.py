"""What the referral forms and pages load: receivers, the receiver's handlers, the person a number names, the page."""
from __future__ import annotations

from flask import g
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.auth.models import User, UserRole
from portal.db import db
from portal.orgs import Organisation
from portal.people import holders
from portal.people.identity import PersonError, parse_id_number
from portal.people.models import Person, PersonLink
from portal.permissions import roles_with
from referrals.models import Referral, ReferralComment, ReferralEvent, ResponseTime

#: Said alike whether a number is unknown or held only by others: that is not the sender's to learn.
NOT_HELD = _l("Ni har ingen deltagare registrerad med det numret. Registrera deltagaren först, eller kontrollera "
              "numret.")


def receivers(user) -> list[Organisation]:
    """Active organisations a referral can go to: every one but the user's own."""
    return list(db.session.scalars(select(Organisation).where(
        Organisation.is_active.is_(True), Organisation.id != user.organisation_id).order_by(Organisation.name)))


def handlers(organisation_id: int) -> list[User]:
    """Active users of the organisation who handle referrals (those an assignment may name)."""
    roles = roles_with("referral.handle")
    return list(db.session.scalars(
        select(User).where(User.organisation_id == organisation_id, User.is_active_account.is_(True),
                           User.id.in_(select(UserRole.user_id).where(UserRole.role.in_(roles))))
        .order_by(User.name, User.id)))


def held_by_number(user, number: str) -> Person:
    """The person with this personnummer or samordningsnummer among those the user's organisation holds; a
    PersonError beside the field "person_number" otherwise (the same words whether anyone else holds them)."""
    text = (number or "").strip()
    if not text:
        raise PersonError(_l("Ange den unges personnummer eller samordningsnummer."), field="person_number")
    try:
        parsed = parse_id_number(text)
    except PersonError as exc:
        raise PersonError(exc.errors[0][1], field="person_number") from None
    person = holders.by_number(parsed.kind, parsed.normal)
    if person is None or not _holds(user, person):
        raise PersonError(NOT_HELD, field="person_number")
    return person


def held_by_ref(user, ref: str) -> Person | None:
    """The person of a person page's ref (?deltagare=...) when the user's organisation holds them, else None
    (asked once per request: the form and the page both ask)."""
    key = (user.organisation_id, (ref or "").strip())
    found = g.setdefault("_referral_held_by_ref", {})
    if key not in found:
        person = holders.by_ref(key[1])
        found[key] = person if person is not None and _holds(user, person) else None
    return found[key]


def _holds(user, person: Person) -> bool:
    return db.session.scalar(select(PersonLink.id).where(
        PersonLink.person_id == person.id, PersonLink.organisation_id == user.organisation_id)) is not None


def referral_for_page(referral_id: int) -> Referral | None:
    """The referral with its timeline and thread (and who wrote them) loaded in a few statements."""
    return db.session.scalar(select(Referral).where(Referral.id == referral_id).options(
        selectinload(Referral.events).selectinload(ReferralEvent.by),
        selectinload(Referral.events).selectinload(ReferralEvent.by_org),
        selectinload(Referral.comments).selectinload(ReferralComment.author),
        selectinload(Referral.comments).selectinload(ReferralComment.organisation),
        selectinload(Referral.assignee)))


def response_time_row(organisation_id: int) -> ResponseTime | None:
    return db.session.get(ResponseTime, organisation_id)


def consent_overview(user, person_id: int, referral: Referral | None) -> dict:
    """What the form says of consent for the person: where a referral may go on consent today (receiver names,
    consent numbers, end dates, categories in words) and, for a consent-based draft with its receiver, the consent
    it would rest on or why none carries it."""
    from portal.people.vocabulary import CATEGORIES
    from referrals import basis, workflow

    person = db.session.get(Person, person_id)
    covered = [{"org": name, "consent": consent, "categories": ", ".join(
                    str(CATEGORIES.get(c, c)).lower() for c in consent.categories)}
               for _org_id, name, consent in basis.covered_receivers(person, user.organisation)]
    relies_on, refusal = None, ""
    if referral is not None and workflow.TYPES[referral.type].basis == "consent":
        relies_on, refusal = basis.consent_for(person, referral.from_org, referral.to_org, referral.categories)
    return {"covered": covered, "relies_on": relies_on, "refusal": refusal}
