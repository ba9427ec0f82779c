"""Dropout reports: a school's referral of type studieavbrott, accepted by the home kommun, registers the person.

Subscribed from kaa's init_app to `referrals.on_referral_accepted` (referrals never imports kaa). The hook runs in
the accepting transaction; a person already in the register, under 16 or 20 or older is left as is (the referral
is still accepted: the report itself stays with the referral).
"""
from __future__ import annotations

from flask import has_request_context
from flask_login import current_user

from kaa import operations as ops
from kaa.models import KaaEnrolment
from portal.clock import today
from portal.db import db
from portal.orgs import Organisation, kommunkod_of
from portal.people import holders
from portal.people.models import Person

DROPOUT = "studieavbrott"


def _acting_user():
    """The user accepting the referral (the hook gets only the referral): the audit names who caused it."""
    if has_request_context() and current_user.is_authenticated:
        return current_user._get_current_object()
    return None


def on_accepted(referral) -> KaaEnrolment | None:
    """Register the reported person in the accepting kommun's KAA register, dated the day the report was sent."""
    if referral.type != DROPOUT or referral.person_id is None:
        return None
    receiver = db.session.get(Organisation, referral.to_org_id)
    kommunkod = kommunkod_of(receiver)
    if receiver is None or receiver.kind != "kommun" or kommunkod is None:
        return None
    person = db.session.get(Person, referral.person_id)
    learnt = min(referral.submitted_on or today(), today())
    if ops.open_enrolment(person.id, kommunkod) is not None or ops.check_age(person.birth_date, learnt):
        return None
    # The kommun holds the person as the school reported them (its link), never the keeper's identity.
    sender = holders.own_link(person, referral.from_org_id)
    ops.hold(person, receiver.id, first_name=sender.first_name if sender else person.first_name,
             last_name=sender.last_name if sender else person.last_name, kommunkod=kommunkod)
    return ops.enrol(person, org=receiver, kommunkod=kommunkod, source="avbrott_nationellt", registered_on=learnt,
                     origin="referral", referral_reference=referral.reference, by=_acting_user())
