"""PROVISIONAL: the SCB half-year export's column names and codes, in this one module only.

Not yet checked against SCB's current file description for the KAA collection ("Kommunernas aktivitetsansvar",
uppgiftslämnande per halvår). When SCB's description is at hand, align COLUMNS and the code tables here; nothing
else in the portal knows the file's names or codes.
"""
from __future__ import annotations

#: The file's columns, in order. PROVISIONAL.
COLUMNS = ["Personnummer", "Kommunkod", "Period", "Registreringsorsak", "Registreringsdatum", "KontaktEtablerad",
           "Insats", "AvbojtForstaErbjudande", "Avregistreringsorsak", "Avregistreringsdatum"]

#: The portal's registration reasons (kaa.models.SOURCES) as SCB codes. PROVISIONAL.
SOURCE_CODES = {"avbrott_nationellt": "1", "introduktionsprogram": "2", "studiebevis": "3",
                "aldrig_paborjat": "4", "inflyttad": "5", "annat": "9"}

#: Deregistration reasons (kaa.models.DEREGISTRATION_REASONS) as SCB codes. PROVISIONAL.
DEREGISTRATION_CODES = {"nationellt_program": "1", "fullfoljt": "2", "fyllt_20": "3", "flyttat": "4", "annat": "9"}

YES, NO = "J", "N"


def row(*, number: str, kommunkod: str, period: str, enrolment, facts: dict) -> list[str]:
    """One person's row for one period, in COLUMNS order (a deregistration only when it fell in the period)."""
    closed = facts["deregistered"]
    return [number, kommunkod, period, SOURCE_CODES.get(enrolment.source, "9"), enrolment.registered_on.isoformat(),
            YES if facts["reached"] else NO, YES if facts["in_measure"] else NO,
            YES if facts["declined_first_offer"] else NO,
            DEREGISTRATION_CODES.get(enrolment.deregistration_reason, "") if closed else "",
            enrolment.deregistered_on.isoformat() if closed else ""]
