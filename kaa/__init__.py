"""KAA (kommunala aktivitetsansvaret): the municipality's register of 16–19-year-olds outside upper-secondary school.

Enrolments, contacts, measures, the "att kontakta" worklist, CSV import, half-year reports with the (provisional) SCB
export, and the daily age-out job. The register rests on law (skollagen 29 kap. 9 §), through the gate's legal-basis
hook (kaa.basis); the rule of who works which register is in kaa.rules.
"""
from __future__ import annotations

import click
from flask_babel import lazy_gettext as _l

#: The audit page's words for every action the area records.
ACTION_LABELS = {
    "kaa.enrolment.register": _l("Inskriven i KAA-registret"),
    "kaa.enrolment.occupation": _l("Sysselsättning ändrad i KAA-registret"),
    "kaa.enrolment.deregister": _l("Avregistrerad ur KAA-registret"),
    "kaa.enrolment.age_out": _l("Avregistrerad ur KAA-registret vid 20 års ålder"),
    "kaa.measure.add": _l("Insats registrerad i KAA-registret"),
    "kaa.contact.add": _l("Kontakt registrerad i KAA-registret"),
    "kaa.guardian.mark": _l("Vårdnadshavare markerad i KAA-registret"),
    "kaa.import": _l("Lista inläst till KAA-registret"),
    "kaa.report.scb": _l("KAA-export till SCB hämtad"),
}


def name_enrolments(ids: list[str]) -> dict[str, str]:
    """The audit page's words for enrolments: "KAA-inskrivning 12" (never a name)."""
    return {i: str(_l("KAA-inskrivning %(id)s", id=i)) for i in ids}


def run_daily(on) -> str:
    """The daily job for a day (age-out, turning 20 soon, due reminders); a one-line summary."""
    from kaa import daily

    return daily.run(on)


def init_app(app) -> None:
    """Pages, menu, start card, legal basis, demo data, audit words, settings and the daily job."""
    import os

    from kaa import basis, demo, dropouts, models, report_views, rules, scale, views, worklist  # noqa: F401
    from kaa.operations import DEFAULTS
    from portal import audit, audit_words
    from portal.daily import register_daily_job
    from portal.demo import register_seeder
    from portal.scale import register_scale_seeder
    from portal.templating import add_nav
    from referrals import on_referral_accepted

    for name, value in DEFAULTS.items():  # settings: the app's config, else the environment, else the default
        app.config.setdefault(name, int(os.environ.get(name) or value))
    app.register_blueprint(views.bp)
    from kaa import api
    from portal import api as portal_api

    portal_api.register(app, api.bp)
    add_nav("kaa.worklist", _l("KAA"), "kaa.work",
            _l("Kommunens aktivitetsansvar: registret, att kontakta, insatser och inläsning."),
            shown_to=lambda user: rules.can_work_register(user))
    add_nav("kaa.report", _l("KAA-rapport"), "kaa.report", _l("Halvårsrapport för kommunens aktivitetsansvar."),
            shown_to=rules.can_report)
    worklist.register_cards()
    basis.register()
    register_seeder(demo.seed)
    register_scale_seeder(scale.seed_kaa)
    audit.register_action_labels(ACTION_LABELS)
    audit_words.register_object_namer("KaaEnrolment", name_enrolments)
    on_referral_accepted(dropouts.on_accepted)
    register_daily_job("kaa", _l("KAA"), run_daily)
    _daily(app)


def _daily(app) -> None:
    @app.cli.command("kaa-daily")
    @click.option("--on", "on", default=None, help="Dagen att köra för (ÅÅÅÅ-MM-DD); i dag om den utelämnas.")
    def kaa_daily(on):
        """KAA's daily job alone: age-out on the 20th birthday, who turns 20 soon, reminders of due contacts."""
        from datetime import date

        from portal.clock import today
        from portal.db import db

        summary = run_daily(date.fromisoformat(on) if on else today())
        db.session.commit()
        click.echo(summary)
