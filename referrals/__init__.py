"""Referrals (remiss/överlämning) between agencies: send, receive, accept or decline, follow up and close.

Other areas use only the named functions below, never these tables: `on_referral_accepted(hook)` (KAA registers
a dropout report, routines start a run), `referral_for_review(user, reference)` (a meeting's case review).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from referrals.hooks import on_referral_accepted  # noqa: F401 - the hook higher areas subscribe to


@dataclass(frozen=True)
class ReviewCase:
    """What a meeting may show of a referral: never its text, only what the gate lets the viewer see."""

    referral_id: int
    reference: str
    type_label: str
    state_label: str
    #: The person it is about (None for a consultation); the meeting shows them through the gate.
    person_id: int | None
    from_org_name: str
    to_org_name: str


def referral_for_review(user, reference: str) -> ReviewCase | None:
    """The referral a reference names ("R-000123") if the user's organisation is a side of it, else None."""
    from portal.db import db
    from referrals import rules, workflow
    from referrals.models import Referral, id_of_reference

    found = id_of_reference(reference)
    referral = db.session.get(Referral, found) if found else None
    if referral is None or not rules.can_see(user, referral):
        return None
    return ReviewCase(referral.id, referral.reference, str(workflow.TYPES[referral.type].label),
                      str(workflow.STATE_LABELS[referral.state]), referral.person_id, referral.from_org.name,
                      referral.to_org.name)


#: The audit page's words for every action the area records.
ACTION_LABELS = {
    "referral.create": _l("Remiss påbörjad"),
    "referral.update": _l("Utkast till remiss ändrat"),
    "referral.submit": _l("Remiss skickad"),
    "referral.discard": _l("Utkast till remiss borttaget"),
    "referral.receive": _l("Remiss mottagen"),
    "referral.withdraw": _l("Remiss tagen tillbaka"),
    "referral.accept": _l("Remiss accepterad"),
    "referral.decline": _l("Remiss avböjd"),
    "referral.close": _l("Remiss avslutad"),
    "referral.assign": _l("Handläggare för remiss tilldelad"),
    "referral.comment": _l("Kommentar i remiss"),
    "referral.response_time": _l("Svarstid för remisser ändrad"),
    "referral.consent_lost": _l("Samtycket som remissen bygger på gäller inte längre"),
    "referral.continue": _l("Remiss fortsätter med nytt samtycke"),
    "referral.name": _l("Anonym konsultation blev remiss med namn"),
    "referral.attachment.add": _l("Bilaga till remiss tillagd"),
    "referral.attachment.read": _l("Bilaga till remiss öppnad"),
    "referral.read": _l("Remiss läst"),
}


def name_referrals(ids: list[str]) -> dict[str, str]:
    """The audit page's words for referrals: their neutral reference."""
    from referrals.models import reference_of

    return {i: str(_l("Remiss %(ref)s", ref=reference_of(int(i)))) for i in ids if i.isdigit() and int(i) < 2**31}


def init_app(app) -> None:
    """Everything the portal needs to know of the area: pages, menu, start card, hooks, jobs, demo, audit words."""
    from portal import api as portal_api
    from portal import audit, audit_words
    from portal.daily import register_daily_job
    from portal.demo import register_seeder
    from portal.people.consent import on_consent_withdrawn
    from portal.scale import register_scale_option, register_scale_seeder
    from portal.templating import add_nav, add_person_action
    from referrals import (  # noqa: F401 - routes and tables register
        api,
        basis,
        demo,
        models,
        scale,
        step_views,
        views,
        watch,
        worklist,
    )
    from referrals.routine_setup import init_routines

    init_routines(app)  # before the blueprint is registered: its routes join it
    app.register_blueprint(views.bp)
    portal_api.register(app, api.bp)
    add_nav("referrals.inbox_page", _l("Remisser"), "referral.view",
            _l("Skicka remisser till andra organisationer och ta emot dem som kommer till er."))
    worklist.register_cards()
    add_person_action("referrals.new", _l("Skicka remiss"), "referral.send", arg="deltagare")
    basis.register_legal_bases()
    on_consent_withdrawn(watch.consent_withdrawn)
    register_daily_job("referrals", "Remisser", watch.daily)
    audit.register_action_labels(ACTION_LABELS)
    audit_words.register_object_namer("Referral", name_referrals)
    register_seeder(demo.seed)
    register_scale_option(scale.OPTION)
    register_scale_seeder(scale.seed_referrals)
