"""Keeping open referrals honest over time: a consent withdrawn or run out, and response times passed."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import and_, or_, select

from portal import audit
from portal.db import db, utcnow
from portal.people.identity import add_years
from portal.people.models import Consent, Person
from referrals import basis, notices, workflow
from referrals.models import Referral, ReferralEvent

OVERDUE_WINDOW_DAYS = 14


def _open_on(consent_ids) -> list[Referral]:
    return list(db.session.scalars(select(Referral).where(
        Referral.consent_id.in_(consent_ids), Referral.state.in_(workflow.OPEN),
        Referral.consent_lost_dt.is_(None)).order_by(Referral.id)))


def _mark_lost(referral: Referral, by) -> None:
    referral.consent_lost_dt = utcnow()
    referral.events.append(ReferralEvent(action="consent_lost", from_state=referral.state, to_state=referral.state,
                                         by_id=by.id if by else None, by_org_id=by.organisation_id if by else None))
    db.session.flush()
    audit.record("referral.consent_lost", by=by, obj=referral, person_id=referral.person_id,
                 details={"consent": referral.consent_id})


def consent_withdrawn(consent: Consent) -> None:
    """`on_consent_withdrawn`: both sides of every open referral resting on it are told at once (one notice per
    organisation, under the consent notice's key); the gate already stopped the receiver's sight of the person
    and `basis.sender_part_open` of the sender's part."""
    found = _open_on([consent.id])
    for referral in found:
        _mark_lost(referral, consent.withdrawn_by)
    if found:
        notices.tell_consent_lost(consent, found, "withdrawn")


def daily(on: date) -> str:
    """Open referrals whose consent ran out are marked and their organisations told; overdue ones are told once.
    Idempotent: a second run the same day marks and tells nothing more."""
    lost = 0
    # Only those whose consent may have stopped holding by the calendar: ended, replaced, or given by guardians
    # alone for someone now 18; consent_holds then decides each (consents are never narrowed in place).
    candidates = db.session.scalars(
        select(Referral).join(Consent, Consent.id == Referral.consent_id).join(Person, Person.id == Consent.person_id)
        .where(Referral.state.in_(workflow.OPEN), Referral.consent_lost_dt.is_(None), Consent.withdrawn_dt.is_(None),
               or_(Consent.valid_until < on, Consent.superseded_dt.is_not(None),
                   and_(Consent.is_given_by_person.is_(False), Person.birth_date <= add_years(on, -18))))
        .order_by(Referral.id)).all()
    by_consent: dict[int, list[Referral]] = {}
    for referral in candidates:
        if not basis.consent_holds(referral, on):
            by_consent.setdefault(referral.consent_id, []).append(referral)
    for referrals in by_consent.values():
        for referral in referrals:
            _mark_lost(referral, None)
        notices.tell_consent_lost(referrals[0].consent, referrals, "expired")
        lost += len(referrals)
    told = 0
    # Told once, the first run after the due day; a window of two weeks covers days the job did not run, without
    # asking again every day about every referral ever overdue.
    for referral in db.session.scalars(select(Referral).where(
            Referral.state.in_(workflow.AWAITING), Referral.due_on < on,
            Referral.due_on >= on - timedelta(days=OVERDUE_WINDOW_DAYS)).order_by(Referral.id)):
        if referral.type == "orosanmalan" and referral.state == "received":
            continue  # received is its answer
        told += notices.tell_overdue(referral)
    return f"{lost} remisser utan giltigt samtycke markerade, {told} försenade remisser aviserade."
