"""Record rules of the people area, as questions a view or an operation asks: may this user change this person?"""
from __future__ import annotations

from sqlalchemy import select

from portal.db import db
from portal.people.gate import gate
from portal.people.models import Consent, Person, PersonLink
from portal.permissions import check


def is_linked(organisation_id: int, person_id: int) -> bool:
    """The organisation works with the person: it registered them (or registered the same number later)."""
    return db.session.scalar(select(PersonLink.id).where(
        PersonLink.person_id == person_id, PersonLink.organisation_id == organisation_id)) is not None


def can_change(user, person: Person) -> bool:
    """Changes to a person (identity, own records, consents, disclosures) are made by an organisation that works
    with them; any other organisation sees at most what the gate lets through."""
    return is_linked(user.organisation_id, person.id)


def is_keeper(user, person: Person) -> bool:
    """The user's organisation registered the person first: it keeps the shared identity."""
    return person.keeper_org_id == user.organisation_id


def can_request_correction(user, person: Person) -> bool:
    """A holder that is not the keeper, and sees the shared identity (the keeper opened its records to it), asks
    the keeper to correct it. Asked of anyone else, the answer is the same refusal: whether someone else
    registered the person first is not told to an organisation that does not already see it."""
    if is_keeper(user, person) or not can_change(user, person):
        return False
    return gate(user, person, record=False).identity_source == "shared"


def can_decide_consent(user, consent: Consent) -> bool:
    """The user's organisation is named in the consent and has not yet said whether it stands behind it."""
    party = consent.party(user.organisation_id)
    return party is not None and party.status == "pending" and consent.withdrawn_dt is None \
        and consent.superseded_dt is None


def is_involved(user, consent: Consent) -> bool:
    """The user's organisation took the consent or is named in it: it may print, replace or withdraw it."""
    return user.organisation_id == consent.recorded_by_org_id or user.organisation_id in consent.organisation_ids


def can_open_scan(user, consent: Consent) -> bool:
    """The signed form carries signatures and guardians' names: only the organisation that took it opens it."""
    return consent.recorded_by_org_id == user.organisation_id


# The checks below refuse (403, audited) with the reason the audit trail has always shown for each rule.


def check_can_change(user, person: Person) -> None:
    check(can_change(user, person), "person.not_linked", person_id=person.id)


def check_involved(user, consent: Consent, *, allowed: bool = True) -> None:
    """Refuse unless the user's organisation is involved in the consent (and `allowed`, the gate's answer)."""
    check(allowed and is_involved(user, consent), "consent.not_involved", obj=consent, person_id=consent.person_id)


def check_can_open_scan(user, consent: Consent) -> None:
    check(can_open_scan(user, consent), "consent.scan", obj=consent, person_id=consent.person_id)


def check_is_keeper(user, person: Person) -> None:
    check(is_keeper(user, person), "person.not_keeper", person_id=person.id)


def check_can_request_correction(user, person: Person) -> None:
    check(can_request_correction(user, person), "person.correction", person_id=person.id)


def check_named(user, consent: Consent) -> None:
    check(consent.party(user.organisation_id) is not None, "consent.not_named", obj=consent,
          person_id=consent.person_id)


def check_can_decide_consent(user, consent: Consent) -> None:
    check(can_decide_consent(user, consent), "consent.decide", obj=consent, person_id=consent.person_id)
