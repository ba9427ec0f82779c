"""The meetings' start card: my open action items due within two weeks or overdue ("Mina åtaganden")."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext


def due_text(n: int) -> str:
    return ngettext("%(num)s åtagande från möten ska vara klart inom två veckor eller är försenat.",
                    "%(num)s åtaganden från möten ska vara klara inom två veckor eller är försenade.", n)


def register_cards() -> None:
    from meetings.minutes import count_due
    from portal.templating import StartCard, add_start_card

    add_start_card(StartCard(key="meetings.actions", title=_l("Mina åtaganden"), permission="meeting.view",
                             count=count_due, text=due_text, endpoint="meetings.mine", order=50))
