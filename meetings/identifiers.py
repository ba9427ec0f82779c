"""The identifier check for an anonymised case: referrals' check (no personnummer, birth date, e-mail, phone or
street address), and the named person's own names in a heading every member sees."""
from __future__ import annotations

import re

from referrals.identifiers import KIND_LABELS
from referrals.identifiers import identifiers_in as found_in


def identifiers_in(text: str) -> list[str]:
    """What kinds of identifiers the text holds, in Swedish words (empty when none was found): referrals' check,
    the one the portal has, so an anonymised case and an anonymised consultation refuse the same things."""
    return list(dict.fromkeys(str(KIND_LABELS[item.kind]) for item in found_in(text)))


def names_in(text: str, names: list[str]) -> list[str]:
    """Which of these names (of the person the case is about, when known) the text holds."""
    words = set(re.findall(r"\w+", (text or "").casefold()))
    return [n for n in names if n and len(n) > 1 and n.casefold() in words]
