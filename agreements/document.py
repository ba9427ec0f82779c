"""Writes the .docx of a revision with python-docx (title page, sections, goals, appendices, signatures)."""
from __future__ import annotations

import io
import json

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt
from flask_babel import force_locale

from agreements import diff
from agreements.goals import figures, fmt_date, frozen_goal
from agreements.models import Revision
from portal.clock import swedish_day
from portal.text import xml_safe as _t

STATE_WORDS = {"draft": "Utkast", "proposed": "Förslag till beslut", "adopted": "Antagen"}
CHANGES_HEADING = "Ändringar sedan föregående version"
SIGNATURES_CAPTION = "Underskrifter"


def previous_revision(revision: Revision) -> Revision | None:
    """The revision this one was based on (or the latest adopted one before it)."""
    # Through the agreement's revisions rather than a query: migration 0004 hands this module plain objects read
    # on its own connection, with no session to ask.
    if revision.based_on_id:
        return next((r for r in revision.agreement.revisions if r.id == revision.based_on_id), None)
    earlier = [r for r in revision.agreement.revisions if r.is_adopted and r.number < revision.number]
    return earlier[-1] if earlier else None


def _field(run, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) written in OXML: python-docx has no API for fields."""
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    placeholder = OxmlElement("w:t")
    placeholder.text = "1"
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, instr, separate, placeholder, end):
        run._r.append(element)


#: Built-in styles used, by name. Their ids are looked up once per document: python-docx resolves a style name
#: on every paragraph by scanning all styles, which was most of the time spent writing a document.
STYLE_NAMES = ("Title", "Subtitle", "Heading 1", "Heading 2", "List Bullet")


def _add(document, text: str = "", style: str | None = None):
    """Add a paragraph with a built-in style, setting the style id directly (see STYLE_NAMES).

    Every text of the document passes through `_t` (portal.text.xml_safe): one control character stored before
    they were refused would otherwise stop the whole document from being written.
    """
    paragraph = document.add_paragraph(_t(text))
    if style:
        paragraph._p.style = document._style_ids[style]
    return paragraph


def _body(document, text: str) -> None:
    """Plain text → paragraphs; lines starting with "- " become bullet points."""
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("- "):
            _add(document, line[2:].strip(), "List Bullet")
        else:
            _add(document, line)


def goal_rows(revision: Revision) -> list[tuple[str, str, str, str, str]]:
    """(goal, baseline, target, latest value, status) for the page and for drafts: the wording and targets frozen
    into an adopted revision, the latest measured value and status as they are now."""
    rows = []
    for link in revision.goal_links:
        live = figures(link.goal)
        worded = figures_of_snapshot(link.frozen) if link.frozen else live
        baseline = worded.baseline + (f" ({worded.baseline_date})" if worded.baseline_date != "–" else "")
        latest = live.latest + (f" ({live.latest_date})" if live.latest_date else "")
        rows.append((worded.indicator, baseline, worded.target, latest, live.status_label))
    return rows


def adopted_goal_rows(revision: Revision) -> list[tuple[str, str, str]]:
    """(goal, baseline, target) as adopted: the document of an adopted revision is what the parties decided, so no
    measured value or status of a later day belongs in it."""
    rows = []
    for link in revision.goal_links:
        worded = figures_of_snapshot(link.frozen) if link.frozen else figures(link.goal)
        baseline = worded.baseline + (f" ({worded.baseline_date})" if worded.baseline_date != "–" else "")
        rows.append((worded.indicator, baseline, worded.target))
    return rows


def figures_of_snapshot(frozen: str):
    goal = frozen_goal(json.loads(frozen))
    return figures(goal)


def build(revision: Revision) -> Document:
    """The document of one revision, in the revision's own order of sections and appendices."""
    agreement = revision.agreement
    document = Document()
    document._style_ids = {name: document.styles[name].style_id for name in STYLE_NAMES}
    document.core_properties.title = _t(agreement.title)
    document.core_properties.language = "sv-SE"
    styles = document.styles
    styles["Normal"].font.name = "Calibri"
    styles["Normal"].font.size = Pt(11)
    section = document.sections[0]

    if not revision.is_adopted:  # the header says what it is: a draft is never mistaken for the agreement
        header = section.header.paragraphs[0]
        header.text = "UTKAST" if revision.is_draft else "FÖRSLAG – ej antaget"
        header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        header.runs[0].bold = True
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run(_t(f"{agreement.title} – revision {revision.number} – sida "))
    _field(footer.add_run(), "PAGE")
    footer.add_run(" av ")
    _field(footer.add_run(), "NUMPAGES")

    # Title page
    _add(document, agreement.title, "Title")
    _add(document, f"Revision {revision.number} – {STATE_WORDS[revision.state]}", "Subtitle")
    if agreement.diarienummer:
        _add(document, f"Diarienummer: {agreement.diarienummer}")
    _add(document, "Parter:")
    for party in agreement.parties:
        _add(document, f"{party.name}, organisationsnummer {party.orgnr}", "List Bullet")
    if revision.valid_from or revision.valid_to:
        _add(document, f"Gäller fr.o.m. {fmt_date(revision.valid_from)} t.o.m. {fmt_date(revision.valid_to)}")
    if revision.is_adopted:
        _add(document, f"Antagen {fmt_date(revision.adopted_on)}")
    else:
        stamp = revision.updated_dt or revision.created_dt
        _add(document, f"Datum: {fmt_date(swedish_day(stamp))}")
    if revision.next_revision_due:
        _add(document, f"Nästa revidering senast {fmt_date(revision.next_revision_due)}")
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    goals = adopted_goal_rows(revision) if revision.is_adopted else goal_rows(revision)
    goals_written = False
    for item in revision.sections:
        _add(document, item.title, "Heading 1")
        _body(document, item.body)
        if item.key == "mal" and goals:
            _goals_table(document, goals)
            goals_written = True
        if item.key == "underskrifter":
            _signatures(document, revision)
    if goals and not goals_written:
        _add(document, "Mål och uppföljning", "Heading 1")
        _goals_table(document, goals)
    if not any(s.key == "underskrifter" for s in revision.sections):
        _add(document, SIGNATURES_CAPTION, "Heading 1")
        _signatures(document, revision)

    _add(document, CHANGES_HEADING, "Heading 1")
    if revision.change_summary:
        _body(document, revision.change_summary)
    for line in diff.summary(previous_revision(revision), revision) if not revision.change_summary else []:
        _add(document, line, "List Bullet")

    for appendix in revision.appendices:
        document.add_page_break()
        _add(document, f"Bilaga {appendix.number} {appendix.title}", "Heading 1")
        _body(document, appendix.body)
        for routine in appendix.routines:
            _add(document, routine.title, "Heading 2")
            for step in routine.steps:
                paragraph = document.add_paragraph()
                paragraph.add_run(f"Steg {step.number}: ").bold = True
                paragraph.add_run(_t(step.text))
                if step.responsible:
                    paragraph.add_run(_t(f" Ansvarig: {step.responsible}.")).italic = True
    return document


GOAL_COLUMNS = ("Mål", "Utgångsläge", "Målvärde", "Senaste värde", "Status")


def _goals_table(document, rows) -> None:
    """The goals as adopted (three columns), or with the latest values and status for a draft (five)."""
    headings = GOAL_COLUMNS[:len(rows[0])]
    table = document.add_table(rows=1, cols=len(headings))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headings, strict=True):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = _t(text)


def _signatures(document, revision: Revision) -> None:
    """One signature block per signatory, in a table so the text sections stay clean for re-import."""
    if not revision.signatories:
        return
    table = document.add_table(rows=0, cols=2)
    for signatory in revision.signatories:
        cells = table.add_row().cells
        when = fmt_date(signatory.signed_on) if signatory.signed_on else "____________________"
        cells[0].text = _t(f"{revision.place or 'Ort'}, {when}")
        cells[1].text = "\n\n______________________________\n" + _t(", ".join(
            p for p in (signatory.name, signatory.title, signatory.organisation) if p))


def to_bytes(revision: Revision) -> bytes:
    buffer = io.BytesIO()
    # The agreement is a Swedish legal document (language sv-SE) whatever language the reader's portal is in.
    with force_locale("sv"):
        build(revision).save(buffer)
    return buffer.getvalue()


def filename(revision: Revision) -> str:
    state = {"draft": "utkast", "proposed": "forslag", "adopted": "antagen"}[revision.state]
    return f"overenskommelse-{revision.agreement_id}-revision-{revision.number}-{state}.docx"
