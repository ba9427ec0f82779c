"""Writes the .docx of a revision with python-docx: title page, contents, numbered sections, goals, signature
blocks per party, appendices."""
from __future__ import annotations

import io
import json

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt
from flask_babel import force_locale

from agreements import diff, docx_parts, markup
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


#: Built-in styles used, by name. Their ids are looked up once per document: python-docx resolves a style name
#: on every paragraph by scanning all styles, which was most of the time spent writing a document.
STYLE_NAMES = ("Title", "Subtitle", "Heading 1", "Heading 2", "Heading 3", "List Paragraph")
AUTHOR = "DUA-portalen"


def _add(document, text: str = "", style: str | None = None):
    """Add a paragraph with a built-in style, setting the style id directly (see STYLE_NAMES).

    Every text of the document passes through `_t` (portal.text.xml_safe): one control character stored before
    they were refused would otherwise stop the whole document from being written.
    """
    paragraph = document.add_paragraph(_t(text))
    if style:
        paragraph._p.style = document._style_ids[style]
    return paragraph


def _list(document, numbered: bool, start: int, items, child_numbered: bool = True) -> None:
    """A list of its own (numbered from `start`, or bullets); each item's sub-items one level in."""
    num_id = docx_parts.new_list(document, numbered, start, child_numbered)
    for item in items:
        docx_parts.number(_add(document, item.text, "List Paragraph"), num_id, 0)
        for child in item.children:
            docx_parts.number(_add(document, child, "List Paragraph"), num_id, 1)


def _body(document, text: str, heading_style: str = "Heading 2") -> None:
    """The body's markup (agreements.markup) as Word's own: headings, lists with sub-items, tables."""
    for block in markup.blocks(text):
        if block.kind == "heading":
            _add(document, block.text, heading_style)
        elif block.kind == "paragraph":
            _add(document, block.text)
        elif block.kind == "list":
            child_numbered = any(item.children_numbered for item in block.items)
            _list(document, block.numbered, block.start, block.items, child_numbered)
        else:
            _text_table(document, block.rows)


def _text_table(document, rows: list[list[str]]) -> None:
    """A table written in a body ("| a | b |"): the first row is the header, repeated on every page."""
    columns = max(len(row) for row in rows)
    table = document.add_table(rows=0, cols=columns)
    table.style = "Table Grid"
    for index, row in enumerate(rows):
        cells = table.add_row().cells
        for cell, text in zip(cells, row + [""] * (columns - len(row)), strict=True):
            cell.text = _t(text)
            if index == 0:
                for run in cell.paragraphs[0].runs:
                    run.bold = True
    width = TEXT_WIDTH_CM / columns
    docx_parts.fixed_widths(table, [width] * columns)
    docx_parts.repeat_header_row(table)
    _add(document)  # room after the table


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


def agreement_goal_rows(revision: Revision) -> list[tuple[str, str, str]]:
    """(goal, baseline, target) as the agreement states them (as frozen at adoption): the document is what the
    parties decide, so no measured value or status of a later day belongs in it, not in a draft either."""
    rows = []
    for link in revision.goal_links:
        worded = figures_of_snapshot(link.frozen) if link.frozen else figures(link.goal)
        baseline = worded.baseline + (f" ({worded.baseline_date})" if worded.baseline_date != "–" else "")
        rows.append((worded.indicator, baseline, worded.target))
    return rows


def figures_of_snapshot(frozen: str):
    goal = frozen_goal(json.loads(frozen))
    return figures(goal)


#: The width of the text between the margins (A4, 2.5 cm margins), which the tables share out.
TEXT_WIDTH_CM = 16.0
CONTENTS_HEADING = "Innehåll"


def _outline(revision: Revision) -> tuple[list, list[tuple[int, str]]]:
    """The numbered sections in the order they are written (every one before the signatures) and the table of
    contents' entries (level, text) for the sections, their sub-headings and the appendices."""
    sections = [s for s in revision.sections if s.key != "underskrifter"]
    entries: list[tuple[int, str]] = []
    for number, item in enumerate(sections, start=1):
        entries.append((1, f"{number}. {item.title}"))
        entries += [(2, b.text) for b in markup.blocks(item.body) if b.kind == "heading"]
    entries.append((1, f"{len(sections) + 1}. {CHANGES_HEADING}"))
    entries.append((1, SIGNATURES_CAPTION))
    for appendix in revision.appendices:
        entries.append((1, f"Bilaga {appendix.number} {appendix.title}"))
        entries += [(2, b.text) for b in markup.blocks(appendix.body) if b.kind == "heading"]
        entries += [(2, routine.title) for routine in appendix.routines]
    return sections, entries


def build(revision: Revision) -> Document:
    """The document of one revision, in the revision's own order of sections and appendices."""
    agreement = revision.agreement
    document = Document()
    document._style_ids = {name: document.styles[name].style_id for name in STYLE_NAMES}
    properties = document.core_properties
    properties.title, properties.author, properties.last_modified_by = _t(agreement.title), AUTHOR, AUTHOR
    properties.subject = _t(f"Revision {revision.number} – {STATE_WORDS[revision.state]}")
    docx_parts.swedish(document)
    docx_parts.update_fields_on_open(document)
    styles = document.styles
    styles["Normal"].font.name = "Calibri"
    styles["Normal"].font.size = Pt(11)
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.5)

    if not revision.is_adopted:  # the header says what it is: a draft is never mistaken for the agreement
        header = section.header.paragraphs[0]
        header.text = "UTKAST" if revision.is_draft else "FÖRSLAG – ej antaget"
        header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        header.runs[0].bold = True
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run(_t(f"{agreement.title} – revision {revision.number} – sida "))
    docx_parts.field(footer.add_run(), "PAGE")
    footer.add_run(" av ")
    docx_parts.field(footer.add_run(), "NUMPAGES")

    _title_page(document, revision)
    sections, entries = _outline(revision)
    document.add_page_break()
    contents = _add(document, CONTENTS_HEADING)
    contents.runs[0].bold, contents.runs[0].font.size = True, Pt(14)
    docx_parts.table_of_contents(document, [(level, _t(text)) for level, text in entries])
    document.add_page_break()

    heading_numbers = docx_parts.heading_numbers(document)
    goals = agreement_goal_rows(revision)
    goals_written = False
    for item in sections:
        docx_parts.number(_add(document, item.title, "Heading 1"), heading_numbers)
        _body(document, item.body)
        if item.key == "mal" and goals:
            _goals_table(document, goals)
            goals_written = True
    if goals and not goals_written:
        _add(document, "Mål och uppföljning", "Heading 2")
        _goals_table(document, goals)
    docx_parts.number(_add(document, CHANGES_HEADING, "Heading 1"), heading_numbers)
    if revision.change_summary:
        _body(document, revision.change_summary)
    else:
        changes = [markup.Item(line) for line in diff.summary(previous_revision(revision), revision)]
        if changes:
            _list(document, False, 1, changes)
    _signatures(document, revision)

    for appendix in revision.appendices:
        document.add_page_break()
        _add(document, f"Bilaga {appendix.number} {appendix.title}", "Heading 1")
        _body(document, appendix.body)
        for routine in appendix.routines:
            _add(document, routine.title, "Heading 2")
            _routine_steps(document, routine)
    return document


def _title_page(document, revision: Revision) -> None:
    agreement = revision.agreement
    _add(document, agreement.title, "Title")
    _add(document, f"Revision {revision.number} – {STATE_WORDS[revision.state]}", "Subtitle")
    if agreement.diarienummer:
        _add(document, f"Diarienummer: {agreement.diarienummer}")
    _add(document, "Parter:")
    _list(document, False, 1, [markup.Item(f"{p.name}, organisationsnummer {p.orgnr}") for p in agreement.parties])
    if revision.valid_from or revision.valid_to:
        _add(document, f"Gäller fr.o.m. {fmt_date(revision.valid_from)} t.o.m. {fmt_date(revision.valid_to)}")
    if revision.is_adopted:
        _add(document, f"Antagen {fmt_date(revision.adopted_on)}")
    else:
        stamp = revision.updated_dt or revision.created_dt
        _add(document, f"Datum: {fmt_date(swedish_day(stamp))}")
    if revision.next_revision_due:
        _add(document, f"Nästa revidering senast {fmt_date(revision.next_revision_due)}")


def _routine_steps(document, routine) -> None:
    """The steps as paragraphs ("Steg 2: …", the number is the step's own) with their sub-steps as a nested
    numbered list under the step."""
    if getattr(routine, "eligibility", ""):
        _add(document, f"Målgrupp: {routine.eligibility}")
    for step in routine.steps:
        if hasattr(step, "substeps"):
            own, subs = step.text, [sub.text for sub in step.substeps]
        else:  # migration 0004 reads revisions from before sub-steps were rows: their lines "1. …" in the text
            own, subs = markup.step_parts(step.text)
        paragraph = document.add_paragraph()
        paragraph.add_run(f"Steg {step.number}: ").bold = True
        paragraph.add_run(_t(own))
        if step.responsible:
            paragraph.add_run(_t(f" Ansvarig: {step.responsible}.")).italic = True
        if subs:
            num_id = docx_parts.new_list(document, True, 1)
            for sub in subs:
                docx_parts.number(_add(document, sub, "List Paragraph"), num_id, 1)


GOAL_COLUMNS = ("Mål", "Utgångsläge", "Målvärde")
#: Widths in cm: the goal's wording wide, the figures narrow enough to keep a date and a unit on one line each.
GOAL_WIDTHS = (8.5, 3.75, 3.75)


def _goals_table(document, rows) -> None:
    """The goals as the agreement states them: wording, baseline and target. What has been measured since is
    follow-up and belongs on the goal pages."""
    table = document.add_table(rows=1, cols=len(GOAL_COLUMNS))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, GOAL_COLUMNS, strict=True):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = _t(text)
    docx_parts.fixed_widths(table, list(GOAL_WIDTHS))
    docx_parts.repeat_header_row(table)
    _add(document)


def _party_signatories(revision: Revision) -> list[tuple[object, list]]:
    """Each party with the signatories who sign for it (matched by the organisation written on the signature
    line); a signatory of no party gets a block of its own."""
    parties = list(revision.agreement.parties)
    blocks: list[tuple[object, list]] = [(party, []) for party in parties]
    for signatory in revision.signatories:
        written = (signatory.organisation or "").strip().lower()
        match = next((b for b in blocks if b[0] is not None and written and (
            b[0].name.lower().startswith(written) or written.startswith(b[0].name.lower()))), None)
        if match is None:
            blocks.append((None, [signatory]))
        else:
            match[1].append(signatory)
    return blocks


def _signatures(document, revision: Revision) -> None:
    """Place and date once, then one signature block per party side by side, each with a line per signatory."""
    _add(document, SIGNATURES_CAPTION, "Heading 1")
    when = fmt_date(revision.adopted_on) if revision.adopted_on else "____________________"
    _add(document, f"{revision.place or 'Ort'}, {when}")
    blocks = _party_signatories(revision)
    table = document.add_table(rows=1, cols=2)
    docx_parts.no_borders(table)
    for index, (party, signatories) in enumerate(blocks):
        if index and index % 2 == 0:
            table.add_row()
        cell = table.rows[-1].cells[index % 2]
        name = party.name if party is not None else signatories[0].organisation
        cell.paragraphs[0].add_run(_t(name)).bold = True
        if party is not None:
            cell.add_paragraph(_t(f"Organisationsnummer {party.orgnr}"))
        for signatory in signatories or [None]:
            cell.add_paragraph()
            cell.add_paragraph("______________________________")
            if signatory is not None:
                cell.add_paragraph(_t(", ".join(p for p in (signatory.name, signatory.title) if p)))
            else:
                cell.add_paragraph("Namnförtydligande")
    docx_parts.fixed_widths(table, [TEXT_WIDTH_CM / 2] * 2)


def to_bytes(revision: Revision) -> bytes:
    buffer = io.BytesIO()
    # The agreement is a Swedish legal document (language sv-SE) whatever language the reader's portal is in.
    with force_locale("sv"):
        build(revision).save(buffer)
    return buffer.getvalue()


def filename(revision: Revision) -> str:
    state = {"draft": "utkast", "proposed": "forslag", "adopted": "antagen"}[revision.state]
    return f"overenskommelse-{revision.agreement_id}-revision-{revision.number}-{state}.docx"
