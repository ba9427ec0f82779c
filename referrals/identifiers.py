"""What would identify a person in free text: personnummer, samordningsnummer, e-mail, phone, birth date, address.

THE check: an anonymised consultation and an anonymised case on a meeting's agenda (meetings imports it) may carry
none of them; the message says
what was found, so the writer knows what to remove. It errs on the side of refusing: a ten-digit number that
reads as a date is refused although its check digit may be wrong, since a mistyped personnummer still identifies.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

# YYMMDD or YYYYMMDD (day + 60 for a samordningsnummer), an optional - + or space, four digits; never inside a
# longer run of digits.
_ID_NUMBER = re.compile(
    r"(?<![\d])(?:(?:19|20)\d{2}|\d{2})(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]|6[1-9]|[78]\d|9[01])"
    r"\s?[-+]?\s?\d{4}(?![\d])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# +46 or 0046 or a leading 0, then at least seven more digits in groups separated by spaces, dashes or a slash
# (070-123 45 67, 019-12 34 56, +46 70 123 45 67, 08/123 456 78).
_PHONE = re.compile(r"(?<![\w+])(?:\+46|0046|0)[\s-]?\(?0?\)?(?:\d[\s/-]?){7,11}\d?(?![\d])")


# A date of birth written YYMMDD on its own (a personnummer without its last four digits still points someone out).
_BIRTH_DATE = re.compile(r"(?<![\d-])\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?![\d-])")
# A street address: a Swedish street name and its number ("Storgatan 3", "Kyrkvägen 12 B").
_ADDRESS = re.compile(r"\b\w+(?:gatan|vägen|gränd|stigen|torget|allén|backen|plan|gata|väg)\s+\d+\s?[A-Za-z]?\b",
                      re.IGNORECASE)


@dataclass(frozen=True)
class Found:
    kind: str
    text: str


KIND_LABELS = {
    "id_number": _l("personnummer eller samordningsnummer"),
    "email": _l("e-postadress"),
    "phone": _l("telefonnummer"),
    "birth_date": _l("födelsedatum"),
    "address": _l("gatuadress"),
}


def identifiers_in(text: str) -> list[Found]:
    """Every identifier found in the text, in the order they appear (an id number is not also a phone number)."""
    text = text or ""
    found: list[tuple[int, Found]] = []
    taken: list[range] = []
    for kind, pattern in (("id_number", _ID_NUMBER), ("email", _EMAIL), ("phone", _PHONE),
                          ("birth_date", _BIRTH_DATE), ("address", _ADDRESS)):
        for match in pattern.finditer(text):
            span = range(match.start(), match.end())
            if any(span.start < other.stop and other.start < span.stop for other in taken):
                continue
            taken.append(span)
            found.append((match.start(), Found(kind, match.group().strip())))
    return [item for _, item in sorted(found, key=lambda pair: pair[0])]


def identifier_message(text: str):
    """The Swedish message naming what to remove, or None when the text identifies nobody by number or address."""
    found = identifiers_in(text)
    if not found:
        return None
    parts = [f"{KIND_LABELS[item.kind]} ”{item.text}”" for item in found[:5]]
    return _l("En anonym konsultation får inte innehålla uppgifter som pekar ut en person. Ta bort: %(parts)s.",
              parts="; ".join(parts))
