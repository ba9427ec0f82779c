"""When what a referral rests on changes: continuing on a new consent, and naming an anonymised consultation."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal import audit, permissions
from portal.db import utcnow
from portal.people.models import Person
from portal.people.vocabulary import CATEGORIES
from referrals import basis, notices, rules, workflow
from referrals.models import Referral
from referrals.operations import ReferralError, add_event, flush_or_stale, stale


def continue_with_consent(referral: Referral, *, by, expected_version=None) -> Referral:
    """Rest an open referral on the newest consent that carries it now (after the old one was withdrawn or ran
    out): the receiver sees the sender's part again."""
    permissions.check_by(by, rules.can_continue, referral, "referral:continue")
    if expected_version not in (None, "") and str(expected_version) != str(referral.version):
        raise stale(referral)
    consent, why = basis.consent_for(referral.person, referral.from_org, referral.to_org, referral.categories)
    if consent is None:
        raise ReferralError(why)
    referral.consent, referral.consent_lost_dt = consent, None
    add_event(referral, "continue", referral.state, by=by, note=str(_l("Samtycke nr %(n)s", n=consent.id)))
    flush_or_stale(referral)
    audit.record("referral.continue", by=by, obj=referral, person_id=referral.person_id,
                 details={"consent": consent.id})
    notices.tell_step(referral, "continue", by=by)
    return referral


def name_consultation(referral: Referral, *, by, type: str, person: Person | None, categories,  # noqa: A002
                      expected_version=None) -> Referral:
    """Turn an anonymised consultation into a named referral of a consent type, once a consent covers it: the
    thread stays, the receiver now sees who it is about."""
    permissions.check_by(by, rules.can_name, referral, "referral:name")
    if expected_version not in (None, "") and str(expected_version) != str(referral.version):
        raise stale(referral)
    errors = []
    type_ = workflow.TYPES.get(type or "")
    if type_ is None or type_.basis != "consent":
        errors.append(("type", _l("Välj vilken sorts remiss konsultationen blir.")))
    chosen = sorted({c for c in (categories or []) if c in CATEGORIES})
    if not chosen:
        errors.append(("categories", _l("Välj vilka slags uppgifter remissen delar.")))
    if person is None:
        errors.append(("person", _l("Välj den unge som remissen gäller.")))
    elif not basis.sender_holds(person, referral.from_org_id):
        errors.append(("person", _l("Den unge måste vara registrerad hos er innan ni skickar en remiss om "
                                    "honom eller henne. Registrera deltagaren först.")))
    elif chosen:
        consent, why = basis.consent_for(person, referral.from_org, referral.to_org, chosen)
        if consent is None:
            errors.append(("person", why))
    if errors:
        raise ReferralError(errors[0][1], field=errors[0][0], errors=errors)
    referral.type, referral.person_id, referral.categories, referral.consent = type, person.id, chosen, consent
    referral.named_dt = utcnow()
    add_event(referral, "name", referral.state, by=by, note=str(type_.label))
    flush_or_stale(referral)
    audit.record("referral.name", by=by, obj=referral, person_id=person.id, details={"consent": consent.id})
    notices.tell_step(referral, "name", by=by)
    return referral
