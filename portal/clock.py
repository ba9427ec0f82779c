"""The portal's one clock: today's date and a moment's date in Sweden (Europe/Stockholm), never the server's UTC."""
from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def now() -> datetime:
    """This moment, in Swedish time."""
    return datetime.now(STOCKHOLM)


def today() -> date:
    """Today's date in Sweden: ages, validity, expiry, adoption dates and document dates are all counted in Swedish
    days (at 00:17 Swedish time it is already tomorrow in Sweden, still yesterday in UTC)."""
    return now().date()


def swedish_day(moment: datetime) -> date:
    """The Swedish date of a stored UTC moment (a naive one is taken as UTC, as the database keeps it)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(STOCKHOLM).date()
