"""The identifier check for an anonymised case: no personnummer, dates of birth, e-mail, phone or street address.

Referrals has the same check for anonymised consultations; the integrator keeps one of the two.
"""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

#: (pattern, what it found, in words). Digits may be separated by spaces, hyphens or plus signs as people write.
PATTERNS: list[tuple[re.Pattern, object]] = [
    (re.compile(r"(?<!\d)(?:\d{2})?\d{6}\s*[-+]?\s*\d{4}(?!\d)"), _l("ett person- eller samordningsnummer")),
    (re.compile(r"(?<!\d)(?:19|20)\d{2}-\d{2}-\d{2}(?!\d)"), _l("ett datum (t.ex. ett födelsedatum)")),
    (re.compile(r"(?<!\d)\d{6}(?!\d)"), _l("ett födelsedatum (ÅÅMMDD)")),
    (re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+"), _l("en e-postadress")),
    (re.compile(r"(?<![\d-])(?:\+46|0)\s*\d{1,3}(?:[\s-]*\d){5,8}(?!\d)"), _l("ett telefonnummer")),
    (re.compile(r"\b\w+(?:gatan|vägen|gränd|stigen|torget|allén|backen|plan)\s+\d+", re.IGNORECASE),
     _l("en gatuadress")),
]


def identifiers_in(text: str) -> list[str]:
    """What kinds of identifiers the text holds, in Swedish words (empty when none was found)."""
    found = []
    for pattern, what in PATTERNS:
        if pattern.search(text or "") and str(what) not in found:
            found.append(str(what))
    return found


def names_in(text: str, names: list[str]) -> list[str]:
    """Which of these names (of the person the case is about, when known) the text holds."""
    words = set(re.findall(r"\w+", (text or "").casefold()))
    return [n for n in names if n and len(n) > 1 and n.casefold() in words]
