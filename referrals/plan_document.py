"""The individual action plan as a .docx for the person to take home: Swedish, every field, names and dates."""
from __future__ import annotations

import io

from babel.dates import format_date
from docx import Document
from docx.shared import Pt

from portal.clock import swedish_day
from portal.text import xml_safe
from referrals.plans import DATES, FIELDS


def fmt_date(value) -> str:
    """Swedish whatever the reader's language: the plan is for the person to take home."""
    return format_date(value, "d MMMM y", locale="sv_SE") if value else "–"


def _value(version, name: str) -> str:
    value = getattr(version, name)
    if name in DATES:
        return fmt_date(value) if value else "–"
    return value or "–"


def to_bytes(version, *, person_name: str, organisation_name: str, saved_by: str) -> bytes:
    """The plan version: a heading with the person and the organisation, then each field as a heading and its
    text (paragraph by paragraph), and who saved it when."""
    document = Document()
    document.styles["Normal"].font.name = "Calibri"
    document.styles["Normal"].font.size = Pt(11)
    document.core_properties.title = xml_safe(f"Individuell handlingsplan – {person_name}")
    document.core_properties.language = "sv-SE"
    document.add_heading(xml_safe("Individuell handlingsplan"), 0)
    document.add_paragraph(xml_safe(f"För: {person_name}"))
    document.add_paragraph(xml_safe(f"Upprättad av: {organisation_name}"))
    document.add_paragraph(xml_safe(f"Version {version.number}, sparad {fmt_date(swedish_day(version.saved_dt))} av "
                                    f"{saved_by}"))
    for name, label in FIELDS.items():
        document.add_heading(xml_safe(str(label)), 2)
        for paragraph in str(_value(version, name)).split("\n"):
            document.add_paragraph(xml_safe(paragraph))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
