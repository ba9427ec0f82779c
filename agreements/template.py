"""The starting template of a new agreement: the sections of the seed agreement (data, not logic)."""
from __future__ import annotations

#: (key, title, hint) in the seed agreement's order; Förordning 2015:502 §§ 3–4 asks for these contents.
SECTIONS: list[tuple[str, str, str]] = [
    ("syfte", "Syfte", "Varför parterna samverkar."),
    ("mal", "Mål", "Mål med utgångsläge, målvärde eller riktning och datum; delmål som bockas av."),
    ("malgrupp", "Målgrupp",
     "Kartläggning av målgruppen: storlek, sammansättning, behov och pågående insatser (inklusive KAA)."),
    ("befintlig-verksamhet", "Redovisning av befintlig verksamhet", "Vad parterna redan gör."),
    ("samverkan", "Verksamhet som ska bedrivas i samverkan", "Nya insatser och vilket resultat de väntas ge."),
    ("ansvarsfordelning", "Ansvarsfördelning", "Vad varje part ansvarar för."),
    ("organisation", "Organisation", "Styrgrupp och arbetsgrupp, vilka som ingår och mötesdatum."),
    ("dokumentation", "Dokumentation och uppföljning", "Hur insatserna dokumenteras och följs upp."),
    ("varaktighet", "Överenskommelsens varaktighet och revidering",
     "Period överenskommelsen gäller och när nästa revidering ska göras."),
    ("underskrifter", "Underskrifter", "Ort och datum; underskrifterna anges nedan."),
]

#: Known Swedish section titles (lower case, with common variants) → key; the importer matches on these.
KNOWN_TITLES: dict[str, str] = {
    "syfte": "syfte",
    "mål": "mal",
    "mål och delmål": "mal",
    "målgrupp": "malgrupp",
    "målgrupper": "malgrupp",
    "kartläggning av målgruppen": "malgrupp",
    "redovisning av befintlig verksamhet": "befintlig-verksamhet",
    "befintlig verksamhet": "befintlig-verksamhet",
    "verksamhet som ska bedrivas i samverkan": "samverkan",
    "verksamhet i samverkan": "samverkan",
    "ansvarsfördelning": "ansvarsfordelning",
    "organisation": "organisation",
    "organisation och mötesdatum": "organisation",
    "dokumentation och uppföljning": "dokumentation",
    "uppföljning": "dokumentation",
    "överenskommelsens varaktighet och revidering": "varaktighet",
    "varaktighet och revidering": "varaktighet",
    "underskrifter": "underskrifter",
    "parter": "parter",
}
