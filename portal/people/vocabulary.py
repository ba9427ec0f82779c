"""The fixed words of the people area: identity kinds, information categories, purposes, methods, legal bases."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

#: Kinds of identity number a person can have.
ID_KINDS: dict[str, object] = {
    "personnummer": _l("Personnummer"),
    "samordningsnummer": _l("Samordningsnummer"),
    "reservnummer": _l("Reservnummer"),
}

#: Information categories a consent can cover ("uppgiftskategorier").
CATEGORIES: dict[str, object] = {
    "kontakt": _l("Kontaktuppgifter"),
    "utbildning": _l("Utbildning"),
    "sysselsattning": _l("Sysselsättning och arbete"),
    "social": _l("Social situation"),
    "halsa": _l("Hälsa"),
}

#: Purposes a consent can cover; free text may be added beside them.
PURPOSES: dict[str, object] = {
    "samordning": _l("Samordning av insatser"),
    "remiss": _l("Remiss och överlämning"),
    "mote": _l("Ärendedragning på möte (t.ex. Vägen)"),
}
DEFAULT_PURPOSE = "samordning"

#: How a consent was given.
METHODS: dict[str, object] = {
    "blankett": _l("Underskriven blankett (inskannad)"),
    "digital": _l("Digitalt samtycke"),
    "muntlig": _l("Muntligt, antecknat av handläggaren"),
}

#: Legal bases for a disclosure without consent.
BASES: dict[str, object] = {
    "uppgiftsskyldighet": _l("Uppgiftsskyldighet enligt lag"),
    "orosanmalan": _l("Orosanmälan till socialtjänsten (SoL 14 kap. 1 §)"),
    "osl_10_kap": _l("Sekretessbrytande bestämmelse i OSL 10 kap."),
    "annan": _l("Annat lagstöd (ange vilket)"),
}

#: What Consent.state() returns, in words.
STATE_LABELS: dict[str, object] = {
    "valid": _l("Gäller"),
    "withdrawn": _l("Återkallat"),
    "superseded": _l("Ersatt av nytt samtycke"),
    "not_yet": _l("Gäller ännu inte"),
    "expired": _l("Har gått ut"),
    "lapsed": _l("Upphört vid 18 år"),
}

#: Whether a named organisation stands behind a consent (ConsentParty.status), in words.
PARTY_LABELS: dict[str, object] = {
    "confirmed": _l("står bakom"),
    "pending": _l("väntar på bekräftelse"),
    "declined": _l("har avböjt"),
}

MAX_SCAN_BYTES = 10 * 1024 * 1024
#: File signatures we accept for a scanned consent form; the name alone proves nothing.
SCAN_SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)
