"""Reads an uploaded agreement .docx into sections (headings + paragraphs) to pre-fill a draft."""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field

from docx import Document
from flask_babel import lazy_gettext as _l

from agreements.template import KNOWN_TITLES
from portal.errors import RuleError

MAX_UNPACKED_BYTES = 50 * 1024 * 1024
#: What a section title may hold (agreements.models.Section.title).
TITLE_MAX = 300


@dataclass(frozen=True)
class Limits:
    """How much one import reads: far beyond a real agreement, so only a wrong or hostile file meets them. The
    Lekeberg agreement (seed 003) written by the portal is 10 sections, 105 paragraphs and 48 kB; its plain text
    is 118 paragraphs. Set in the portal's config (AGREEMENT_IMPORT_MAX_*, portal.config)."""

    max_bytes: int = 10 * 1024 * 1024
    max_sections: int = 200
    max_paragraphs: int = 5000

    @classmethod
    def from_config(cls, config) -> Limits:
        return cls(max_bytes=int(config.get("AGREEMENT_IMPORT_MAX_BYTES", cls.max_bytes)),
                   max_sections=int(config.get("AGREEMENT_IMPORT_MAX_SECTIONS", cls.max_sections)),
                   max_paragraphs=int(config.get("AGREEMENT_IMPORT_MAX_PARAGRAPHS", cls.max_paragraphs)))

#: Headings the document writer adds itself; on re-import they are not agreement sections.
GENERATED_HEADINGS = {"ändringar sedan föregående version", "mål och uppföljning"}


class ImportError_(RuleError):  # the underscore keeps it apart from the builtin ImportError
    """The upload is not a readable .docx; the message says what to do."""

    def __init__(self, message, field: str | None = "document"):
        super().__init__(message, field)


@dataclass
class ImportedSection:
    title: str
    body: str
    key: str | None = None


@dataclass
class ImportResult:
    sections: list[ImportedSection] = field(default_factory=list)
    #: Text the importer could not place in a section, with why (shown to the user).
    unplaced: list[str] = field(default_factory=list)
    #: Paragraphs in the document, empty ones too (what the cap counts).
    paragraphs: int = 0


def _normal(text: str) -> str:
    """"3. Mål:" → "mål", for matching known titles."""
    text = re.sub(r"^\s*(\d+(\.\d+)*\.?|[ivx]+\.)\s+", "", (text or "").strip().lower())
    return re.sub(r"[\s:.]+$", "", text).strip()


def _heading_level(paragraph) -> int | None:
    """1 for "Heading 1"/"Rubrik 1" (or an unnumbered heading style), 2 for level 2 ..., None for body text."""
    name = (paragraph.style.name if paragraph.style is not None else "") or ""
    if not name.startswith(("Heading", "Rubrik")):
        return None
    digits = "".join(c for c in name if c.isdigit())
    return int(digits) if digits else 1


def read(data: bytes, filename: str = "", limits: Limits = Limits()) -> ImportResult:  # noqa: B008 - frozen
    """Parse the document; refuse .doc, PDF, anything that is not a readable .docx, and a document beyond
    `limits` (before parsing for its size, before reading it into sections for its paragraphs)."""
    name = (filename or "").lower()
    if data.startswith(b"%PDF") or name.endswith(".pdf"):
        raise ImportError_(_l("Filen är en PDF. Öppna överenskommelsen i Word eller LibreOffice och spara den "
                              "som .docx först."))
    if data.startswith(b"\xd0\xcf\x11\xe0") or name.endswith(".doc"):
        raise ImportError_(_l("Filen är i det gamla Word-formatet (.doc). Spara den som .docx först."))
    if not data:
        raise ImportError_(_l("Välj en .docx-fil att läsa in."))
    if not data.startswith(b"PK") or (name and not name.endswith(".docx")):
        raise ImportError_(_l("Filen är inte ett Word-dokument (.docx). Spara den som .docx och försök igen."))
    if len(data) > limits.max_bytes:
        raise ImportError_(_l("Filen är %(size)s; högst %(max)s kan läsas in. Spara överenskommelsen utan bilder "
                              "eller inbäddade filer och försök igen.", size=_size(len(data)),
                              max=_size(limits.max_bytes)))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        unpacked = 0  # reported as corrupt below
    if unpacked > MAX_UNPACKED_BYTES:  # a small upload that unpacks to gigabytes is refused before parsing
        raise ImportError_(_l("Dokumentet är för stort för att läsas in (högst 50 MB uppackat)."))
    try:
        document = Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, Exception):  # noqa: BLE001 - any parse failure
        raise ImportError_(_l("Filen kunde inte läsas; den verkar vara skadad. Spara om den som .docx och "
                              "försök igen.")) from None
    paragraphs = document.paragraphs
    if len(paragraphs) > limits.max_paragraphs:
        raise ImportError_(_l("Dokumentet har %(n)s stycken; högst %(max)s kan läsas in. Läs in själva "
                              "överenskommelsen utan långa bilagor.", n=len(paragraphs), max=limits.max_paragraphs))
    has_styles = any(_heading_level(p) == 1 for p in paragraphs)
    result = ImportResult(paragraphs=len(paragraphs))
    current: ImportedSection | None = None
    skipping = False
    lines: list[tuple[str, bool]] = []

    def close():
        if current is not None:
            current.body = _join(lines)

    for paragraph in paragraphs:
        text = paragraph.text.strip()
        if not text:
            continue
        style = paragraph.style.name if paragraph.style is not None else ""
        normal = _normal(text)
        # Only top-level headings start a section; sub-headings stay inside it as text.
        heading = _heading_level(paragraph) == 1 if has_styles else (normal in KNOWN_TITLES and len(text) < 80)
        if heading:
            close()
            lines = []
            if normal in GENERATED_HEADINGS or normal.startswith("bilaga"):
                current, skipping = None, True
                result.unplaced.append(str(_l("”%(title)s” lästes inte in (bilagor och ändringssammanfattning "
                                              "förs in för sig).", title=text)))
                continue
            skipping = False
            if len(text) > TITLE_MAX:
                raise ImportError_(_l("Rubriken ”%(start)s …” är längre än %(max)s tecken. Ge stycket formatmallen "
                                      "Normal i Word, eller korta rubriken, och försök igen.", start=text[:60],
                                      max=TITLE_MAX))
            current = ImportedSection(title=text, body="", key=KNOWN_TITLES.get(normal))
            result.sections.append(current)
            if len(result.sections) > limits.max_sections:
                raise ImportError_(_l("Dokumentet har fler än %(max)s rubriker på nivå 1; högst %(max)s avsnitt kan "
                                      "läsas in. Kontrollera att bara avsnittsrubrikerna har formatmallen Rubrik 1.",
                                      max=limits.max_sections))
            continue
        if skipping:
            continue
        if current is None:
            if style not in ("Title", "Subtitle"):
                result.unplaced.append(str(_l("Text före första rubriken: ”%(text)s”", text=text[:120])))
            continue
        lines.append((text, style.startswith("List Bullet")))
    close()
    if not result.sections:
        raise ImportError_(_l("Inga avsnitt hittades. Dokumentet behöver rubriker (formatmallen Rubrik 1) eller "
                              "kända avsnittsrubriker som Syfte, Mål och Målgrupp."))
    return result


def _size(size: int) -> str:
    """"12,5 MB" or "20 kB", with a decimal comma."""
    if size < 1024 * 1024:
        return f"{max(size // 1024, 1)} kB"
    return f"{size / (1024 * 1024):.1f}".replace(".", ",").removesuffix(",0") + " MB"


def _join(lines: list[tuple[str, bool]]) -> str:
    parts: list[str] = []
    for text, bullet in lines:
        if bullet:
            parts.append(f"- {text}")
        else:
            parts.append(text)
    return "\n".join(parts)
