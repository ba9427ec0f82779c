"""Meetings: series (styrgrupp, Vägen, Mötesplats), shared agendas, case reviews within consent, minutes, action items.

Other areas use only the named functions below, never these tables: `action_items_due(user)`.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l


def action_items_due(user) -> int:
    """How many of the user's (or their organisation's) open action items are due within two weeks."""
    from meetings.minutes import count_due

    return count_due(user)


#: The audit page's words for every action the area records.
ACTION_LABELS = {
    "meeting.series.create": _l("Mötesserie skapad"),
    "meeting.series.update": _l("Mötesserie ändrad"),
    "meeting.series.extend": _l("Mötesserie förlängd"),
    "meeting.move": _l("Möte flyttat"),
    "meeting.cancel": _l("Möte inställt"),
    "meeting.item.propose": _l("Punkt föreslagen till dagordning"),
    "meeting.item.accept": _l("Punkt godkänd på dagordning"),
    "meeting.item.remove": _l("Punkt borttagen från dagordning"),
    "meeting.item.move": _l("Punkt flyttad på dagordning"),
    "meeting.item.revision": _l("Beslut överlämnat till revideringen av överenskommelsen"),
    "meeting.publish": _l("Dagordning publicerad"),
    "meeting.minutes.save": _l("Minnesanteckningar sparade"),
    "meeting.minutes.correct": _l("Fastställda minnesanteckningar rättade"),
    "meeting.minutes.finalise": _l("Minnesanteckningar fastställda"),
    "meeting.minutes.send": _l("Minnesanteckningar skickade till deltagarna"),
    "meeting.action.create": _l("Åtagande från möte tillagt"),
    "meeting.action.done": _l("Åtagande från möte klart"),
    "meeting.action.reopen": _l("Åtagande från möte öppnat igen"),
    "meeting.attachment.add": _l("Fil bifogad till punkt på dagordning"),
    "meeting.attachment.read": _l("Fil på dagordning hämtad"),
    "meeting.export.docx": _l("Dagordning eller minnesanteckningar hämtade som Word"),
    "meeting.feed.create": _l("Personlig kalenderlänk skapad"),
    "meeting.feed.revoke": _l("Personlig kalenderlänk återkallad"),
}


def name_series(ids: list[str]) -> dict[str, str]:
    from sqlalchemy import select

    from meetings.models import MeetingSeries
    from portal.db import db

    rows = db.session.execute(select(MeetingSeries.id, MeetingSeries.name)
                              .where(MeetingSeries.id.in_([int(i) for i in ids if i.isdigit()])))
    return {str(i): str(_l("Mötesserien %(name)s", name=name)) for i, name in rows}


def name_meetings(ids: list[str]) -> dict[str, str]:
    from sqlalchemy import select

    from meetings.models import Meeting, MeetingSeries
    from portal.db import db

    rows = db.session.execute(select(Meeting.id, Meeting.on_date, MeetingSeries.name).join(MeetingSeries)
                              .where(Meeting.id.in_([int(i) for i in ids if i.isdigit()])))
    return {str(i): str(_l("Mötet %(name)s %(d)s", name=name, d=on.isoformat())) for i, on, name in rows}


def init_app(app) -> None:
    """Everything the portal needs to know of the area: pages, menu, start card, demo data, audit words."""
    from meetings import (  # noqa: F401 - routes and tables register
        attachments,
        demo,
        export_views,
        meeting_views,
        minutes_views,
        models,
        scale,
        views,
        worklist,
    )
    from portal import audit, audit_words
    from portal.demo import register_seeder
    from portal.scale import register_scale_seeder
    from portal.templating import add_nav

    app.register_blueprint(views.bp)
    from meetings import api
    from portal import api as portal_api

    portal_api.register(app, api.bp)
    add_nav("meetings.index", _l("Möten"), "meeting.view",
            _l("Mötesserier, dagordningar, minnesanteckningar och åtaganden."))
    worklist.register_cards()
    register_seeder(demo.seed)
    register_scale_seeder(scale.seed_meetings)
    audit.register_action_labels(ACTION_LABELS)
    audit_words.register_object_namer("MeetingSeries", name_series)
    audit_words.register_object_namer("Meeting", name_meetings)
