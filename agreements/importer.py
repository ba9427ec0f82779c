"""Reads an uploaded agreement .docx into sections (headings, paragraphs, lists, tables) to pre-fill a draft."""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field

from docx import Document
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph
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
GENERATED_HEADINGS = {"ändringar sedan föregående version", "mål och uppföljning", "innehåll"}
#: The signature page: its table and place line are the revision's signatories, edited on the edit page.
SIGNATURES = "underskrifter"
#: The author the portal writes into its own documents (agreements.document.AUTHOR).
PORTAL_AUTHOR = "DUA-portalen"
GOAL_TABLE_HEAD = ("mål", "utgångsläge", "målvärde")
#: Section keys that say a document is an agreement (the parties and signatures alone do not).
AGREEMENT_KEYS_IGNORED = {"underskrifter", "parter"}


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
    #: What was read but deliberately not taken in (the goals table, the signatures, appendices), with why.
    notes: list[str] = field(default_factory=list)
    #: Tables read into sections' text.
    tables: int = 0
    #: Paragraphs in the document, empty ones too (what the cap counts).
    paragraphs: int = 0


def _normal(text: str) -> str:
    """"3. Mål:" → "mål", for matching known titles."""
    text = re.sub(r"^\s*(\d+(\.\d+)*\.?|[ivx]+\.)\s+", "", (text or "").strip().lower())
    return re.sub(r"[\s:.]+$", "", text).strip()


def _style_name(paragraph) -> str:
    return ((paragraph.style.name if paragraph.style is not None else "") or "")


def _heading_level(paragraph) -> int | None:
    """1 for "Heading 1"/"Rubrik 1" (or an unnumbered heading style), 2 for level 2 ..., None for body text."""
    name = _style_name(paragraph)
    if not name.startswith(("Heading", "Rubrik")):
        return None
    digits = "".join(c for c in name if c.isdigit())
    return int(digits) if digits else 1


def _in_order(document):
    """The body's paragraphs and tables in the order they stand."""
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            yield Paragraph(child, document._body)
        elif child.tag == qn("w:tbl"):
            yield Table(child, document._body)


class _Numbers:
    """Word's list numbering as the reader sees it: "- " for a bullet, "3. " for a numbered item, two spaces in per
    level. Numbers are counted per list and level from the list's start, as Word counts them."""

    def __init__(self, document):
        self.formats: dict[tuple[str, int], tuple[str, int]] = {}
        self.counters: dict[tuple[str, int], int] = {}
        try:
            numbering = document.part.numbering_part.element
        except (KeyError, NotImplementedError):
            numbering = None
        abstract = {}
        if numbering is not None:
            for definition in numbering.findall(qn("w:abstractNum")):
                levels = {}
                for lvl in definition.findall(qn("w:lvl")):
                    fmt, start = lvl.find(qn("w:numFmt")), lvl.find(qn("w:start"))
                    levels[int(lvl.get(qn("w:ilvl")))] = (
                        fmt.get(qn("w:val")) if fmt is not None else "decimal",
                        int(start.get(qn("w:val"))) if start is not None else 1)
                abstract[definition.get(qn("w:abstractNumId"))] = levels
            for num in numbering.findall(qn("w:num")):
                ref = num.find(qn("w:abstractNumId"))
                for level, value in abstract.get(ref.get(qn("w:val")) if ref is not None else None, {}).items():
                    self.formats[(num.get(qn("w:numId")), level)] = value

    def prefix(self, paragraph) -> str | None:
        """The list prefix of a paragraph in a list, or None."""
        style = _style_name(paragraph)
        num_pr = paragraph._p.pPr.numPr if paragraph._p.pPr is not None else None
        if num_pr is not None and num_pr.numId is not None:
            num_id = str(num_pr.numId.val)
            level = num_pr.ilvl.val if num_pr.ilvl is not None else 0
            fmt, start = self.formats.get((num_id, level), ("bullet", 1))
        elif style.startswith(("List Bullet", "List Number")):
            digits = "".join(c for c in style if c.isdigit())
            num_id, level = style.split(" ")[1], (int(digits) - 1 if digits else 0)
            fmt, start = ("bullet" if "Bullet" in style else "decimal"), 1
        else:
            return None
        indent = "  " * level
        if fmt in ("bullet", "none"):
            return f"{indent}- "
        number = self.counters.get((num_id, level), start - 1) + 1
        self.counters[(num_id, level)] = number
        for deeper in [key for key in self.counters if key[0] == num_id and key[1] > level]:
            del self.counters[deeper]  # a sub-list under the next item starts again
        return f"{indent}{number}. "


def _cells(row) -> list[str]:
    return [" ".join(cell.text.split()).replace("|", "/") for cell in row.cells]


def _check_file(data: bytes, filename: str, limits: Limits) -> None:
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


def read(data: bytes, filename: str = "", limits: Limits = Limits()) -> ImportResult:  # noqa: B008 - frozen
    """Parse the document into sections (text in the body markup of agreements.markup); refuse .doc, PDF,
    anything that is not a readable .docx, a document beyond `limits`, and one that is no agreement."""
    _check_file(data, filename, limits)
    try:
        document = Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, Exception):  # noqa: BLE001 - any parse failure
        raise ImportError_(_l("Filen kunde inte läsas; den verkar vara skadad. Spara om den som .docx och "
                              "försök igen.")) from None
    paragraphs = document.paragraphs
    if len(paragraphs) > limits.max_paragraphs:
        raise ImportError_(_l("Dokumentet har %(n)s stycken; högst %(max)s kan läsas in. Läs in själva "
                              "överenskommelsen utan långa bilagor.", n=len(paragraphs), max=limits.max_paragraphs))
    reader = _Reader(document, limits)
    reader.result.paragraphs = len(paragraphs)
    for part in _in_order(document):
        if isinstance(part, Table):
            reader.table(part)
        else:
            reader.paragraph(part)
    reader.close()
    result = reader.result
    if not result.sections:
        raise ImportError_(_l("Inga avsnitt hittades. Dokumentet behöver rubriker (formatmallen Rubrik 1) eller "
                              "kända avsnittsrubriker som Syfte, Mål och Målgrupp."))
    if not any(s.key and s.key not in AGREEMENT_KEYS_IGNORED for s in result.sections):
        raise ImportError_(_l("Dokumentet ser inte ut att vara en överenskommelse: inget av avsnitten Syfte, Mål, "
                              "Målgrupp eller de andra i en överenskommelse finns i det (rubriker: %(titles)s). "
                              "Kontrollera att du valt rätt fil.",
                              titles=", ".join(s.title for s in result.sections[:5])))
    return result


class _Reader:
    """Walks the document once: which section each part goes to, and what could not be placed."""

    def __init__(self, document, limits: Limits):
        self.result, self.limits = ImportResult(), limits
        self.numbers = _Numbers(document)
        self.own = (document.core_properties.author or "") == PORTAL_AUTHOR
        self.has_styles = any(_heading_level(p) == 1 for p in document.paragraphs)
        self.current: ImportedSection | None = None
        self.lines: list[str] = []
        #: "before" the first heading, "section", "skip" (a generated part), "signatures", or "appendices".
        self.where = "before"

    def close(self) -> None:
        if self.current is not None:
            self.current.body = "\n".join(self.lines)
        self.current, self.lines = None, []

    def _start(self, text: str) -> None:
        self.close()
        normal = _normal(text)
        if normal.startswith("bilaga") or self.where == "appendices":
            # Appendices come last: everything from the first one on is theirs, so a Bilaga's own "1. Syfte"
            # never lands in the agreement's Syfte.
            self.where = "appendices"
            self.result.notes.append(str(_l("”%(title)s” lästes inte in: bilagor förs in för sig på "
                                            "redigeringssidan.", title=text)))
            return
        if normal == SIGNATURES:
            self.where = "signatures"
            self.result.notes.append(str(_l("Underskrifterna lästes inte in: undertecknare, ort och datum anges "
                                            "på redigeringssidan.")))
            return
        if normal in GENERATED_HEADINGS:
            self.where = "skip"
            self.result.notes.append(str(_l("”%(title)s” lästes inte in: portalen skriver det avsnittet själv.",
                                            title=text)))
            return
        if len(text) > TITLE_MAX:
            raise ImportError_(_l("Rubriken ”%(start)s …” är längre än %(max)s tecken. Ge stycket formatmallen "
                                  "Normal i Word, eller korta rubriken, och försök igen.", start=text[:60],
                                  max=TITLE_MAX))
        self.where = "section"
        self.current = ImportedSection(title=text, body="", key=KNOWN_TITLES.get(normal))
        self.result.sections.append(self.current)
        if len(self.result.sections) > self.limits.max_sections:
            raise ImportError_(_l("Dokumentet har fler än %(max)s rubriker på nivå 1; högst %(max)s avsnitt kan "
                                  "läsas in. Kontrollera att bara avsnittsrubrikerna har formatmallen Rubrik 1.",
                                  max=self.limits.max_sections))

    def paragraph(self, paragraph) -> None:
        text = " ".join(paragraph.text.split())
        style = _style_name(paragraph)
        if not text or style.lower().startswith("toc"):
            return
        level = _heading_level(paragraph)
        normal = _normal(text)
        if self.has_styles:
            heading = level == 1
        else:
            heading = (normal in KNOWN_TITLES or normal.startswith("bilaga ")) and len(text) < 200
        if heading:
            self._start(text)
            return
        if self.where == "before":
            if not self.own and style not in ("Title", "Subtitle"):
                self.result.unplaced.append(str(_l("Text före första rubriken: ”%(text)s”", text=text[:120])))
            return
        if self.where != "section":
            return
        if level is not None:
            self.lines.append(f"## {text}")
            return
        prefix = self.numbers.prefix(paragraph)
        self.lines.append(f"{prefix}{text}" if prefix else text)

    def table(self, table) -> None:
        rows = [_cells(row) for row in table.rows]
        if not rows:
            return
        head = tuple(cell.lower() for cell in rows[0][:3])
        if head == GOAL_TABLE_HEAD:
            self.result.notes.append(str(_l("Måltabellen lästes inte in: målen ändras på sidan Mål och "
                                            "uppföljning.")))
        elif self.where == "section":
            self.lines += ["| " + " | ".join(row) + " |" for row in rows]
            self.result.tables += 1
        elif self.where == "before" and not self.own:
            self.result.unplaced.append(str(_l("En tabell före första rubriken (%(n)s rader) lästes inte in.",
                                               n=len(rows))))


def _size(size: int) -> str:
    """"12,5 MB" or "20 kB", with a decimal comma."""
    if size < 1024 * 1024:
        return f"{max(size // 1024, 1)} kB"
    return f"{size / (1024 * 1024):.1f}".replace(".", ",").removesuffix(",0") + " MB"
