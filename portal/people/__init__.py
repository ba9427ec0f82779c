"""Deltagare and samtycke: the person, the records each organisation holds, consents and THE gate.

Other areas use `portal.people.gate` (gate, PersonView, visible_person_ids, consents_visible_to) and the hooks
`portal.people.consent.on_consent_withdrawn` and `portal.people.access.register_legal_basis`; `init_app` below is
everything the app needs to know of this area.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

#: Words for every audit action this area writes, for the audit page.
ACTION_LABELS: dict[str, object] = {
    "person.read": _l("Deltagare visad"),
    "person.refused": _l("Deltagare nekad: samtycke saknas eller gäller inte"),
    "person.create": _l("Deltagare registrerad"),
    "person.link": _l("Deltagare kopplad till organisationen"),
    "person.protect": _l("Skyddade personuppgifter markerade"),
    "person.unprotect": _l("Markering om skyddade personuppgifter borttagen"),
    "person.correction.request": _l("Rättelse av identitetsuppgifter begärd"),
    "person.correction.handle": _l("Begäran om rättelse hanterad"),
    "person.update": _l("Deltagarens uppgifter ändrade"),
    "person.contact": _l("Kontaktuppgifter sparade"),
    "person.guardian": _l("Vårdnadshavare tillagd"),
    "person.note": _l("Anteckning sparad"),
    "person.extract": _l("Registerutdrag framtaget"),
    "consent.create": _l("Samtycke registrerat"),
    "consent.withdraw": _l("Samtycke återkallat"),
    "consent.confirm": _l("Samtycke bekräftat av namngiven organisation"),
    "consent.decline": _l("Samtycke avböjt av namngiven organisation"),
    "consent.form": _l("Samtyckesblankett utskriven"),
    "consent.scan.read": _l("Inskannad samtyckesblankett öppnad"),
    "disclosure.create": _l("Utlämnande utan samtycke registrerat"),
}


def init_app(app) -> None:
    from portal import api
    from portal.audit import register_action_labels
    from portal.daily import register_daily_job
    from portal.db import db
    from portal.demo import register_seeder
    from portal.people import api as people_api
    from portal.people import (
        consent_views,  # noqa: F401  (its routes are on the people blueprint)
        demo,
        scale,
        worklist,
    )
    from portal.people.views import bp
    from portal.scale import register_scale_seeder
    from portal.templating import add_nav

    app.register_blueprint(bp)
    api.register(app, people_api.bp)  # the people endpoints of /api/v1, as each area adds its own
    add_nav("people.index", _l("Deltagare"), "person.view",
            _l("Sök och registrera deltagare, samtycken och utlämnanden."))
    add_nav("people.expiring", _l("Samtycken som går ut"), "consent.register",
            _l("Samtycken som slutar gälla inom 30 dagar och behöver förnyas."))
    add_nav("people.disclosures", _l("Utlämnanden"), "disclosure.review",
            _l("Organisationens utlämnanden utan samtycke, för granskning."))
    add_nav("people.extract", _l("Registerutdrag"), "person.extract",
            _l("Register- och loggutdrag för en person som begär det (GDPR art. 15)."))
    worklist.register_cards()
    register_seeder(demo.seed_people)
    register_scale_seeder(scale.seed_people)
    register_action_labels(ACTION_LABELS)

    register_daily_job("consent-reminders", "Påminnelser om samtycken som går ut", _consent_reminders)

    @app.cli.command("consent-reminders")
    def consent_reminders():
        """Skapa påminnelser om samtycken som går ut inom 30 dagar (ingår i `flask daily`)."""
        print(_consent_reminders(None))
        db.session.commit()


def _consent_reminders(on) -> str:
    from portal.people import consent

    return f"{consent.notify_expiring(on)} påminnelser skapade."
