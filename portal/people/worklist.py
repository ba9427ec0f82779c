"""The area's start-page cards: consents that expire soon, consents withdrawn that concerned the organisation."""
from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.db import db, utcnow
from portal.people.consent import expiring_ids
from portal.people.identity import today
from portal.people.models import Consent, ConsentParty

#: How long a withdrawn consent stays on the start page of the organisations it named.
WITHDRAWN_DAYS = 30


def count_expiring(user) -> int:
    """Consents the user's organisation took that stop covering within 30 days: one COUNT, the same rule as the
    list page (`consent.expiring_clause`). Only an organisation that holds a person records a consent for them
    and a holder always sees whom it holds, so this counts nobody the gate would hide from it (and needs no
    scan of its whole caseload to say so)."""
    return db.session.scalar(
        select(func.count()).select_from(expiring_ids(user.organisation_id, today()).subquery())) or 0


def _withdrawn_for(user):
    """Withdrawn lately (an index range on withdrawn_dt) and naming the organisation (one lookup per consent)."""
    since = utcnow() - timedelta(days=WITHDRAWN_DAYS)
    named = select(ConsentParty.id).where(ConsentParty.consent_id == Consent.id,
                                          ConsentParty.organisation_id == user.organisation_id).exists()
    return Consent.withdrawn_dt >= since, named


def count_withdrawn(user) -> int:
    """Consents naming the user's organisation withdrawn in the last 30 days: a count of consents it was told of
    anyway (by notice), no person in it; the list behind it shows each person as the gate allows."""
    return db.session.scalar(select(func.count(Consent.id)).where(*_withdrawn_for(user))) or 0


def withdrawn(user, *, limit: int = 200) -> list[Consent]:
    """The consents `count_withdrawn` counts, latest withdrawal first."""
    return list(db.session.scalars(
        select(Consent).where(*_withdrawn_for(user)).options(selectinload(Consent.parties))
        .order_by(Consent.withdrawn_dt.desc(), Consent.id.desc()).limit(limit)))


def expiring_text(count: int) -> str:
    return ngettext("%(num)s samtycke som er organisation registrerat slutar gälla inom 30 dagar. Förnya det om "
                    "samarbetet fortsätter.",
                    "%(num)s samtycken som er organisation registrerat slutar gälla inom 30 dagar. Förnya dem om "
                    "samarbetet fortsätter.", count)


def withdrawn_text(count: int) -> str:
    return ngettext("%(num)s samtycke som omfattade er organisation har återkallats de senaste 30 dagarna. "
                    "Uppgifter delas inte längre med stöd av det.",
                    "%(num)s samtycken som omfattade er organisation har återkallats de senaste 30 dagarna. "
                    "Uppgifter delas inte längre med stöd av dem.", count)


def register_cards() -> None:
    from portal.templating import StartCard, add_start_card

    add_start_card(StartCard(key="consents.expiring", title=_l("Samtycken som går ut"), permission="consent.register",
                             count=count_expiring, text=expiring_text, endpoint="people.expiring", order=20))
    add_start_card(StartCard(key="consents.withdrawn", title=_l("Återkallade samtycken"),
                             permission="consent.register", count=count_withdrawn, text=withdrawn_text,
                             endpoint="people.withdrawn", order=30))
