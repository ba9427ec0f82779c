"""What the routines and action plans (issue 15) add to the referrals area: routes, tables, menu, card, words."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l


def init_routines(app) -> None:
    """Called by referrals.init_app before the blueprint is registered (the routes join it)."""
    from portal import audit, audit_words
    from portal.demo import register_seeder
    from portal.templating import add_person_action
    from referrals import (  # noqa: F401 - routes and tables register
        offer_views,
        offerings,
        plan_views,
        plans,
        routine_demo,
        routine_models,
        routine_views,
        routines,
        worklist_routines,
    )

    audit.register_action_labels({**routines.ACTION_LABELS, **offerings.ACTION_LABELS, **plans.ACTION_LABELS})
    audit_words.register_object_namer("RoutineRun", routines.name_runs)
    worklist_routines.register()
    register_seeder(routine_demo.seed)
    add_person_action("referrals.start_for_person", _l("Starta rutin"), "routine.run", arg="ref")
    add_person_action("referrals.plan", _l("Handlingsplan"), "plan.write", arg="ref")
