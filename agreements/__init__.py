"""Agreements (lokal överenskommelse): parties, revisions, goals, routines and the generated document.

Other packages use only the named functions below, never these tables:
`agreements_for_organisation(org)`, `routines_for(agreement)`, `goal_figures(agreement)`,
`note_decision_for_revision(agreement_id, ...)`.
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
    """Agreements where the organisation (or the kommun it is a unit of) is a party, by title.

    The same question as `rules.can_see` asks of one agreement, asked of all at once for the list page. With
    their parties and revisions only: a revision's text, appendices and goals load when something asks for them
    (the list shows none of it, and every revision of every agreement would otherwise come along).
    """
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from agreements.models import Agreement, AgreementParty
    from portal.db import db
    from portal.permissions import own_and_parent_ids

    return list(db.session.scalars(
        select(Agreement).join(AgreementParty)
        .where(AgreementParty.organisation_id.in_(own_and_parent_ids(organisation))).distinct()
        .options(selectinload(Agreement.revisions).lazyload("*"),
                 selectinload(Agreement.parties).lazyload(AgreementParty.persons))
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


def note_decision_for_revision(agreement_id: int, *, key: str, text: str, source_label: str, source_url: str,
                               by) -> None:
    """A meeting's decision marked "till revideringen": the agreement's open revision lists it with its link.

    The caller (meetings) has checked that the actor coordinates the meeting and that its series serves this
    agreement; the same key handed over again updates the text instead of adding a second entry.
    """
    from agreements import meeting_decisions

    meeting_decisions.note(agreement_id, key=key, text=text, source_label=source_label, source_url=source_url,
                           by=by)


#: The audit page's words for every action the area records (agreements.*operations call audit.record with these).
ACTION_LABELS = {
    "agreement.create": _l("Överenskommelse skapad"),
    "agreement.party_person.add": _l("Kontaktperson eller undertecknare tillagd i överenskommelse"),
    "agreement.revision.create": _l("Ny revision av överenskommelse påbörjad"),
    "agreement.revision.save": _l("Utkast till överenskommelse sparat"),
    "agreement.revision.import": _l("Utkast till överenskommelse inläst från Word"),
    "agreement.section.add": _l("Avsnitt tillagt i utkast till överenskommelse"),
    "agreement.section.remove": _l("Avsnitt borttaget ur utkast till överenskommelse"),
    "agreement.appendix.add": _l("Bilaga tillagd i utkast till överenskommelse"),
    "agreement.routine.add": _l("Rutin tillagd i utkast till överenskommelse"),
    "agreement.revision.propose": _l("Revision av överenskommelse föreslagen för antagande"),
    "agreement.revision.withdraw": _l("Förslag till överenskommelse tillbaka som utkast"),
    "agreement.revision.approve": _l("Part godkände revision av överenskommelse"),
    "agreement.revision.record_decision": _l("Parts beslut om revision av överenskommelse registrerat"),
    "agreement.revision.adopt": _l("Revision av överenskommelse antagen"),
    "agreement.revision.scan": _l("Underskriven kopia av överenskommelse uppladdad"),
    "agreement.revision.comment": _l("Kommentar till förslag till överenskommelse"),
    "agreement.goal.create": _l("Mål tillagt i överenskommelse"),
    "agreement.goal.update": _l("Mål i överenskommelse ändrat"),
    "agreement.goal.measure": _l("Mätvärde för mål registrerat"),
    "agreement.goal.check": _l("Delmål avbockat"),
}


def name_revisions(ids: list[str]) -> dict[str, str]:
    """The audit page's words for revisions: "Revision 2 av Överenskommelse inom Dua – …"."""
    from sqlalchemy import select

    from agreements.models import Agreement, Revision
    from portal.db import db

    rows = db.session.execute(select(Revision.id, Revision.number, Agreement.title).join(Agreement)
                              .where(Revision.id.in_([int(i) for i in ids if i.isdigit()])))
    return {str(i): str(_l("Revision %(n)s av %(title)s", n=number, title=title)) for i, number, title in rows}


def name_agreements(ids: list[str]) -> dict[str, str]:
    from sqlalchemy import select

    from agreements.models import Agreement
    from portal.db import db

    rows = db.session.execute(select(Agreement.id, Agreement.title)
                              .where(Agreement.id.in_([int(i) for i in ids if i.isdigit()])))
    return {str(i): str(_l("Överenskommelsen %(title)s", title=title)) for i, title in rows}


def name_goals(ids: list[str]) -> dict[str, str]:
    from sqlalchemy import select

    from agreements.models import Goal
    from portal.db import db

    rows = db.session.execute(select(Goal.id, Goal.indicator).where(Goal.id.in_([int(i) for i in ids if i.isdigit()])))
    return {str(i): str(_l("Målet %(indicator)s", indicator=indicator)) for i, indicator in rows}


def init_app(app) -> None:
    """Everything the portal needs to know of the area: pages, menu and start-page entry, demo data, audit words."""
    from agreements import (  # noqa: F401 - routes and tables register
        demo,
        draft_views,
        goal_views,
        markup,
        meeting_decisions,
        models,
        revision_files,
        scale,
        views,
        worklist,
    )
    from portal import audit, audit_words
    from portal.demo import register_seeder
    from portal.scale import register_scale_seeder
    from portal.templating import add_nav

    app.register_blueprint(views.bp)
    app.add_template_filter(markup.blocks, "agreement_blocks")
    app.add_template_filter(markup.step_parts, "step_parts")
    add_nav("agreements.index", _l("Överenskommelser"), "agreement.read",
            _l("Den lokala överenskommelsen: revisioner, mål och rutiner."))
    worklist.register_cards()
    register_seeder(demo.seed)
    register_scale_seeder(scale.seed_agreements)
    audit.register_action_labels(ACTION_LABELS)
    audit_words.register_object_namer("Revision", name_revisions)
    audit_words.register_object_namer("Agreement", name_agreements)
    audit_words.register_object_namer("Goal", name_goals)
