"""The area's start-page cards: referrals waiting to be received or answered, and those past their last day."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, select

from portal.clock import today
from portal.db import db
from referrals import workflow
from referrals.inbox import overdue_clause
from referrals.models import Referral


def count_incoming(user) -> int:
    """Referrals sent to the user's organisation that wait for an answer (sent or received): one COUNT."""
    return db.session.scalar(select(func.count(Referral.id)).where(
        Referral.to_org_id == user.organisation_id, Referral.state.in_(workflow.AWAITING))) or 0


def count_overdue(user) -> int:
    """Referrals to the organisation still unanswered after their last day: one COUNT (the inbox's own clause)."""
    return db.session.scalar(select(func.count(Referral.id)).where(
        Referral.to_org_id == user.organisation_id, overdue_clause(today()))) or 0


def incoming_text(count: int) -> str:
    return ngettext("%(num)s remiss väntar på att tas emot eller besvaras.",
                    "%(num)s remisser väntar på att tas emot eller besvaras.", count)


def overdue_text(count: int) -> str:
    return ngettext("%(num)s remiss har passerat sista svarsdagen.",
                    "%(num)s remisser har passerat sista svarsdagen.", count)


def register_cards() -> None:
    from portal.templating import StartCard, add_start_card

    add_start_card(StartCard(key="referrals.incoming", title=_l("Remisser att ta emot"),
                             permission="referral.handle", count=count_incoming, text=incoming_text,
                             endpoint="referrals.inbox_page", url_args=(("lada", "inkommande"),), order=10))
    add_start_card(StartCard(key="referrals.overdue", title=_l("Försenade remisser"),
                             permission="referral.handle", count=count_overdue, text=overdue_text,
                             endpoint="referrals.inbox_page", url_args=(("lada", "inkommande"), ("svar", "forsenad")),
                             order=11))
