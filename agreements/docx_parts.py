"""The parts of a Word document python-docx has no API for, written as OXML: fields, the table of contents,
list numbering, table layout and the document's language."""
from __future__ import annotations

from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt


def _fld_char(kind: str):
    char = OxmlElement("w:fldChar")
    char.set(qn("w:fldCharType"), kind)
    return char


def _instr(instruction: str):
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    return instr


def field(run, instruction: str, shown: str = "1") -> None:
    """A Word field (PAGE, NUMPAGES) in one run, showing `shown` until Word updates it."""
    text = OxmlElement("w:t")
    text.text = shown
    for element in (_fld_char("begin"), _instr(instruction), _fld_char("separate"), text, _fld_char("end")):
        run._r.append(element)


def update_fields_on_open(document) -> None:
    """Word updates the fields (the table of contents' page numbers) when the document is opened."""
    settings = document.settings.element
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    settings.append(update)


def _toc_style(document, level: int):
    name = f"toc {level}"  # Word's own name for its built-in style, so Word treats it as its own
    try:
        return document.styles[name]
    except KeyError:
        style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = document.styles["Normal"]
        style.paragraph_format.left_indent = Cm(0.6 * (level - 1))
        style.paragraph_format.space_after = Pt(2)
        return style


def table_of_contents(document, entries: list[tuple[int, str]]) -> None:
    """A TOC field whose result already holds `entries` ((level, text)), so the contents read complete in a
    program that does not update fields (LibreOffice when it converts); Word refreshes it with page numbers."""
    paragraphs = []
    for level, text in entries or [(1, "")]:
        paragraph = document.add_paragraph(style=_toc_style(document, level))
        paragraph.add_run(text)
        paragraphs.append(paragraph)
    first, last = paragraphs[0]._p, paragraphs[-1]._p
    start = OxmlElement("w:r")
    for element in (_fld_char("begin"), _instr('TOC \\o "1-2" \\h \\z \\u'), _fld_char("separate")):
        start.append(element)
    first.insert(1 if first.pPr is not None else 0, start)
    end = OxmlElement("w:r")
    end.append(_fld_char("end"))
    last.append(end)


def _new_abstract_num(document, levels: list[tuple[str, str, int]], start: int = 1) -> int:
    """A new list definition ((format, text, indent in twentieths of a point) per level) and a numbering
    instance of it; returns the instance's numId. One definition per list, so each list starts afresh."""
    numbering = document.part.numbering_part.element
    abstract_ids = [int(a.get(qn("w:abstractNumId"))) for a in numbering.findall(qn("w:abstractNum"))]
    num_ids = [int(n.get(qn("w:numId"))) for n in numbering.findall(qn("w:num"))]
    abstract_id, num_id = max(abstract_ids, default=0) + 1, max(num_ids, default=0) + 1
    lvls = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="{start if i == 0 else 1}"/><w:numFmt w:val="{fmt}"/>'
        f'<w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/>'
        f'<w:pPr><w:ind w:left="{indent}" w:hanging="360"/></w:pPr></w:lvl>'
        for i, (fmt, text, indent) in enumerate(levels))
    abstract = parse_xml(f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{abstract_id}">'
                         f'<w:multiLevelType w:val="hybridMultilevel"/>{lvls}</w:abstractNum>')
    # abstractNum elements must come before the num elements
    first_num = numbering.find(qn("w:num"))
    if first_num is not None:
        first_num.addprevious(abstract)
    else:
        numbering.append(abstract)
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="{num_id}">'
                               f'<w:abstractNumId w:val="{abstract_id}"/></w:num>'))
    return num_id


def new_list(document, numbered: bool, start: int = 1, child_numbered: bool = True) -> int:
    """A list of its own (numbered from `start`, or bullets) with a second level for sub-items."""
    first = ("decimal", "%1.", 567) if numbered else ("bullet", "•", 567)
    second = ("decimal", "%2.", 1134) if child_numbered else ("bullet", "–", 1134)
    return _new_abstract_num(document, [first, second], start)


def heading_numbers(document) -> int:
    """Numbering for the agreement's main headings: "1.", "2.", …"""
    return _new_abstract_num(document, [("decimal", "%1.", 432)])


def number(paragraph, num_id: int, level: int = 0) -> None:
    """Put a paragraph in a list (or numbered headings) at `level`."""
    num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
    num_pr.get_or_add_ilvl().val = level
    num_pr.get_or_add_numId().val = num_id


def fixed_widths(table, widths_cm: list[float]) -> None:
    """Column widths Word and LibreOffice both keep: a fixed layout, the grid and every cell set."""
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tbl_pr.append(layout)
    for grid_col, width in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths_cm, strict=False):
        grid_col.set(qn("w:w"), str(int(Cm(width).twips)))
    for row in table.rows:
        for cell, width in zip(row.cells, widths_cm, strict=False):
            cell.width = Cm(width)


def repeat_header_row(table) -> None:
    """The first row is repeated at the top of every page the table runs over; no row is split across pages."""
    for index, row in enumerate(table.rows):
        tr_pr = row._tr.get_or_add_trPr()
        cant_split = OxmlElement("w:cantSplit")
        tr_pr.append(cant_split)
        if index == 0:
            header = OxmlElement("w:tblHeader")
            tr_pr.append(header)


def no_borders(table) -> None:
    borders = parse_xml(f'<w:tblBorders {nsdecls("w")}>' + "".join(
        f'<w:{side} w:val="nil"/>' for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
        + "</w:tblBorders>")
    table._tbl.tblPr.append(borders)


def swedish(document) -> None:
    """Swedish as the language of the whole text (spelling and hyphenation in Word), and in the metadata."""
    document.core_properties.language = "sv-SE"
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    r_pr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    lang = r_pr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        r_pr.append(lang)
    lang.set(qn("w:val"), "sv-SE")
    lang.set(qn("w:eastAsia"), "sv-SE")
