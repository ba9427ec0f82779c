"""Who a person is: personnummer and samordningsnummer, Sweden's kommuner, and ages counted in Swedish days."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from flask_babel import lazy_gettext as _l
from stdnum import luhn
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.se import personnummer as se_pnr

from portal.clock import STOCKHOLM, today  # noqa: F401 - re-exported: callers import today from here
from portal.errors import RuleError

DATA = Path(__file__).resolve().parent.parent / "data"


class PersonError(RuleError):
    """A rule for people was broken; `field` names the form field the message belongs beside."""


def age_on(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def add_years(day: date, years: int) -> date:
    """The same calendar day `years` later; 29 February becomes 1 March in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


# --- Personnummer / samordningsnummer --------------------------------------------------------------


@dataclass(frozen=True)
class IdNumber:
    kind: str
    #: 12 digits, YYYYMMDDNNNN.
    normal: str
    birth_date: date


def parse_id_number(value: str, *, on: date | None = None) -> IdNumber:
    """Validate a personnummer or samordningsnummer (10 or 12 digits, with or without - or +).

    python-stdnum checks the format, date and Luhn digit of a personnummer, but rejects a samordningsnummer
    (birth day + 60), so for those we check the real date through stdnum and the Luhn digit of the number as
    written. A 10-digit number with `+` belongs to someone aged 100 or more.
    """
    on = on or today()
    message = _l("Ogiltigt personnummer eller samordningsnummer. Ange 10 eller 12 siffror, t.ex. 20080314-2389.")
    try:
        compact = se_pnr.compact((value or "").strip())
    except Exception:  # noqa: BLE001 - stdnum raises on odd input; all mean "not a number"
        raise PersonError(message, field="number") from None
    if len(compact) not in (11, 13) or compact[-5] not in "-+" or not (compact[:-5] + compact[-4:]).isdigit():
        raise PersonError(message, field="number")
    day_pos = -7  # the day's two digits sit just before the separator and the four last digits
    day = int(compact[day_pos:day_pos + 2])
    kind = "personnummer"
    dated = compact
    if day > 60:
        kind = "samordningsnummer"
        dated = compact[:day_pos] + f"{day - 60:02d}" + compact[day_pos + 2:]
    try:
        birth = se_pnr.get_birth_date(dated)
        digits = compact[:-5] + compact[-4:]
        luhn.validate(digits[-10:])
    except StdnumError:
        raise PersonError(
            _l("Personnumret stämmer inte: kontrollera datumet och den sista siffran (kontrollsiffran)."),
            field="number",
        ) from None
    if len(compact) == 11 and birth > on:
        # stdnum guesses the century from the year alone; someone born later this year is a century older.
        birth = add_years(birth, -100)
    if birth > on:
        raise PersonError(_l("Födelsedatumet i numret ligger i framtiden."), field="number")
    # Month and day as written (a samordningsnummer keeps its day + 60), with the full year.
    normal = f"{birth.year:04d}{compact[-9:-5]}{compact[-4:]}"
    return IdNumber(kind=kind, normal=normal, birth_date=birth)


def format_id_number(kind: str, normal: str) -> str:
    """Show a stored number the way people write it: YYYYMMDD-NNNN (reserve numbers as entered)."""
    if kind in ("personnummer", "samordningsnummer") and len(normal) == 12:
        return f"{normal[:8]}-{normal[8:]}"
    return normal


def normal_reserve_number(value: str) -> str:
    """A reserve number as stored: single spaces, capitals."""
    return " ".join((value or "").split()).upper()


# --- Kommuner ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kommun:
    code: str
    name: str
    county_code: str
    county: str


@lru_cache(maxsize=1)
def kommuner() -> dict[str, Kommun]:
    """Sweden's 290 municipalities by kommunkod (SCB's list), shipped in portal/data/kommuner.csv."""
    with open(DATA / "kommuner.csv", encoding="utf-8", newline="") as handle:
        return {row["kommunkod"]: Kommun(row["kommunkod"], row["kommun"], row["lanskod"], row["lan"])
                for row in csv.DictReader(handle)}


def kommun_choices() -> list[tuple[str, str]]:
    return [("", str(_l("– Välj kommun –")))] + sorted(
        ((k.code, k.name) for k in kommuner().values()), key=lambda item: item[1]
    )
