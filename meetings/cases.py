"""Case reviews (ärendedragning): when a case may carry a name, and what each viewer sees of it through the gate.

A case is discussed in front of every member organisation of the series, so it may be proposed with a name only
when a valid consent with the purpose `mote` names every member organisation and every member organisation that
holds the person has confirmed it (the holder decides on disclosure). Every viewer then sees it through the gate,
and only while such a consent still covers the viewer's own organisation: a member that joined later, or a consent
withdrawn before the meeting, shows the pseudonym and the reason.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.clock import today
from portal.db import db
from portal.people.gate import gate
from portal.people.models import Consent, Person, PersonLink

PURPOSE = "mote"


def _consents(person_ids: list[int]) -> dict[int, list[Consent]]:
    found: dict[int, list[Consent]] = {pid: [] for pid in person_ids}
    if person_ids:
        for consent in db.session.scalars(select(Consent).options(selectinload(Consent.parties))
                                          .where(Consent.person_id.in_(person_ids))):
            found[consent.person_id].append(consent)
    return found


def _holders(person_ids: list[int]) -> dict[int, set[int]]:
    found: dict[int, set[int]] = {pid: set() for pid in person_ids}
    if person_ids:
        for pid, org_id in db.session.execute(select(PersonLink.person_id, PersonLink.organisation_id)
                                              .where(PersonLink.person_id.in_(person_ids))):
            found[pid].add(org_id)
    return found


def uncovered(person_ids: list[int], org_ids: set[int], on: date | None = None) -> dict[int, set[int]]:
    """Per person, the organisations among `org_ids` that no valid `mote` consent covers (empty: all covered).

    An organisation counts as covered by a consent that names it, when every organisation among `org_ids` that
    holds the person stands behind that consent. Three statements, whatever the number of people.
    """
    on = on or today()
    ids = list(dict.fromkeys(person_ids))
    if not ids:
        return {}
    births = dict(db.session.execute(select(Person.id, Person.birth_date).where(Person.id.in_(ids))).all())
    consents, holders = _consents(ids), _holders(ids)
    result = {}
    for pid in ids:
        covered: set[int] = set()
        for consent in consents[pid]:
            if PURPOSE not in (consent.purposes or []) or consent.state(births.get(pid), on) != "valid":
                continue
            named = consent.organisation_ids & org_ids
            holding = holders[pid] & named
            if holding <= consent.confirmed_ids:
                covered |= named
        result[pid] = set(org_ids) - covered
    return result


@dataclass
class CaseView:
    """What one viewer sees of a case item's person: the label (name or pseudonym) and, when refused, why."""

    allowed: bool
    label: str
    reason: str = ""


def referral_views(user, items) -> dict[int, object]:
    """What each referral item's viewer may see of the referral (referrals' named function), by item id; None when
    the viewer's organisation may not see it. One lookup per referral item."""
    import referrals

    found: dict[str, object] = {}
    result = {}
    for item in items:
        if item.referral_ref:
            if item.referral_ref not in found:
                found[item.referral_ref] = referrals.referral_for_review(user, item.referral_ref)
            result[item.id] = found[item.referral_ref]
    return result


def case_views(user, items) -> dict[int, CaseView]:
    """The case items' people as this user may see them now, by item id: one gate call for the page."""
    named = [item for item in items if item.person_id]
    if not named:
        return {}
    person_ids = list(dict.fromkeys(item.person_id for item in named))
    views = dict(zip(person_ids, gate(user, person_ids, PURPOSE, records=False), strict=True))
    missing = uncovered(person_ids, {user.organisation_id})
    result = {}
    for item in named:
        view = views[item.person_id]
        if view.allowed and not missing[item.person_id]:
            result[item.id] = CaseView(True, view.label)
        else:
            reason = view.reason if not view.allowed else _(
                "Inget giltigt samtycke för ärendedragning på möte omfattar din organisation.")
            result[item.id] = CaseView(False, view.pseudonym_label, reason)
    return result
