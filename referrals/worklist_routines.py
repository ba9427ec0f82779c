"""The routines' menu entry and start card: follow-ups due within 14 days or overdue ("mina uppföljningar")."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from portal.templating import StartCard, add_nav, add_start_card
from referrals import board


def due_text(n: int) -> str:
    return ngettext("%(num)s uppföljning av en rutin väntar inom två veckor eller är försenad.",
                    "%(num)s uppföljningar av rutiner väntar inom två veckor eller är försenade.", n)


def register() -> None:
    add_nav("referrals.routine_board", _l("Rutiner"), "routine.run",
            _l("Steg för steg för utbildningskontrakt, traineejobb och SYV: var deltagarna står och vad som väntar."))
    add_start_card(StartCard(key="routines.follow_ups", title=_l("Mina uppföljningar"), permission="routine.run",
                             count=board.count_due, text=due_text, endpoint="referrals.my_follow_ups", order=40))
