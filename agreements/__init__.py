"""Agreements (lokal överenskommelse): parties, revisions, goals, routines and the generated document.

Other packages use only the named functions below, never these tables:
`agreements_for_organisation(org)`, `routines_for(agreement)`, `goal_figures(agreement)`.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class RoutineStepInfo:
    number: int
    text: str
    responsible: str


@dataclass(frozen=True)
class RoutineInfo:
    """A routine (e.g. utbildningskontrakt) of the latest adopted revision, as ordered steps."""

    key: str
    title: str
    appendix_number: str
    revision_number: int
    steps: tuple[RoutineStepInfo, ...]


def agreements_for_organisation(organisation) -> list:
    """Agreements where the organisation (or the kommun it is a unit of) is a party."""
    from sqlalchemy import select

    from agreements.models import Agreement, AgreementParty
    from portal.db import db

    ids = {organisation.id} | ({organisation.parent_id} if organisation.parent_id else set())
    return list(db.session.scalars(select(Agreement).join(AgreementParty)
                                   .where(AgreementParty.organisation_id.in_(ids)).distinct()
                                   .order_by(Agreement.title)))


def routines_for(agreement) -> list[RoutineInfo]:
    """The routines of the latest adopted revision (empty when nothing is adopted yet)."""
    revision = agreement.latest_adopted()
    if revision is None:
        return []
    return [RoutineInfo(key=r.key, title=r.title, appendix_number=a.number, revision_number=revision.number,
                        steps=tuple(RoutineStepInfo(s.number, s.text, s.responsible) for s in r.steps))
            for a in revision.appendices for r in a.routines]


def goal_figures(agreement, today=None) -> list:
    """Per goal: indicator, baseline, target, latest value, on-track status and the series (goals.GoalFigures)."""
    from agreements.goals import figures

    return [figures(goal, today) for goal in agreement.goals]


def init_app(app) -> None:
    from agreements import demo, models  # noqa: F401 - models register their tables
    from agreements.views import bp
    from portal.demo import register_seeder
    from portal.templating import add_nav

    app.register_blueprint(bp)
    add_nav("agreements.index", _l("Överenskommelser"), "agreement.read",
            _l("Den lokala överenskommelsen: revisioner, mål och rutiner."))
    register_seeder(demo.seed)
