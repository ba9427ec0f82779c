"""The generated .docx: contents, draft header, page-number field, LibreOffice conversion, import round trip."""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import zipfile

import pytest
from docx import Document

from agreements import document, importer
from agreements.goals import figures
from tests.agreements.helpers import url


def _text(doc) -> str:
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    return "\n".join(parts)


def test_demo_document_contains_everything(lekeberg):
    adopted = lekeberg.revisions[0]
    doc = Document(io.BytesIO(document.to_bytes(adopted)))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    text = _text(doc)
    for section in adopted.sections:
        assert section.title in headings
    assert any(h.startswith("Bilaga 1 ") for h in headings) and "Ändringar sedan föregående version" in headings
    for party in lekeberg.parties:
        assert party.orgnr in text and party.name in text
    for goal in lekeberg.goals:
        fig = figures(goal)
        for value in (fig.indicator, fig.baseline, fig.target):
            assert value in text, value
    assert "20,8 %" in text and "10,0 %" in text and "4,0 %" in text and "13,5" in text  # "13,5" from the text
    # As adopted: baseline and target only, no measured value or status of a later day
    assert "Senaste värde" not in text and "Inte avbockat" not in text and "Status" not in text
    draft = _text(Document(io.BytesIO(document.to_bytes(lekeberg.revisions[1]))))
    assert "Senaste värde" in draft and all(figures(goal).latest in draft for goal in lekeberg.goals)
    for appendix in adopted.appendices:
        for routine in appendix.routines:
            assert routine.title in headings
            for step in routine.steps:
                assert f"Steg {step.number}: {step.text}" in text
    for signatory in adopted.signatories:
        assert signatory.name in text
    assert "19 december 2016" in text and "31 december 2017" in text  # Swedish dates


def test_draft_has_utkast_header_and_page_field_in_footer(lekeberg):
    data = document.to_bytes(lekeberg.revisions[1])
    doc = Document(io.BytesIO(data))
    assert doc.sections[0].header.paragraphs[0].text == "UTKAST"
    footer_xml = doc.sections[0].footer._element.xml
    assert "PAGE" in footer_xml and "fldChar" in footer_xml
    assert "revision 2" in doc.sections[0].footer.paragraphs[0].text
    adopted = Document(io.BytesIO(document.to_bytes(lekeberg.revisions[0])))
    assert "UTKAST" not in adopted.sections[0].header.paragraphs[0].text
    # the draft's change summary lists what differs from revision 1
    text = _text(doc)
    assert "Avsnittet Överenskommelsens varaktighet och revidering är ändrat" in text


def test_download_through_the_page(lekeberg, client, login_as):
    login_as(org="ami", roles=("handlaggare",))
    response = client.get(url(lekeberg, 1, "/dokument.docx"))
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert zipfile.is_zipfile(io.BytesIO(response.data))


def test_import_round_trips_the_sections(lekeberg):
    adopted = lekeberg.revisions[0]
    result = importer.read(document.to_bytes(adopted), "ok.docx")
    assert [(s.title, s.body) for s in result.sections] == [(s.title, s.body) for s in adopted.sections]
    assert [s.key for s in result.sections] == [s.key for s in adopted.sections]


def test_import_without_heading_styles_matches_known_titles():
    doc = Document()
    for text in ("Lokal överenskommelse", "Syfte", "Att minska arbetslösheten.", "3. Målgrupp:",
                 "Unga 16–24 år.", "Okänd rubrik som är text"):
        doc.add_paragraph(text)
    buffer = io.BytesIO()
    doc.save(buffer)
    result = importer.read(buffer.getvalue(), "x.docx")
    assert [(s.key, s.body) for s in result.sections] == [
        ("syfte", "Att minska arbetslösheten."), ("malgrupp", "Unga 16–24 år.\nOkänd rubrik som är text")]
    assert any("Lokal överenskommelse" in line for line in result.unplaced)


@pytest.mark.parametrize("data, name, message", [
    (b"%PDF-1.4 ...", "avtal.pdf", "PDF"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1....", "avtal.doc", ".doc"),
    (b"PK\x03\x04 broken zip", "avtal.docx", "skadad"),
    (b"just text", "avtal.txt", "inte ett Word-dokument"),
])
def test_import_refuses_other_files(data, name, message):
    with pytest.raises(importer.ImportError_, match=message):
        importer.read(data, name)


def test_import_page_fills_the_draft_and_refuses_bad_files(lekeberg, client, login_as):
    login_as(org="kommun", roles=("samordnare",))
    target = url(lekeberg, 2, "/importera")
    bad = client.post(target, data={"document": (io.BytesIO(b"%PDF-1.4"), "avtal.pdf")})
    assert bad.status_code == 400 and "spara den som .docx" in bad.get_data(as_text=True)
    doc = Document()
    doc.add_heading("Syfte", level=1)
    doc.add_paragraph("Importerat syfte.")
    doc.add_heading("Lokala aktiviteter", level=1)
    doc.add_paragraph("Något nytt.")
    buffer = io.BytesIO()
    doc.save(buffer)
    ok = client.post(target, data={"document": (io.BytesIO(buffer.getvalue()), "avtal.docx")})
    assert ok.status_code == 200
    draft = lekeberg.revisions[1]
    from portal.db import db

    db.session.expire_all()
    titles = {s.title: s.body for s in draft.sections}
    assert titles["Syfte"] == "Importerat syfte." and titles["Lokala aktiviteter"] == "Något nytt."
    assert client.post(url(lekeberg, 1, "/importera"),
                       data={"document": (io.BytesIO(buffer.getvalue()), "a.docx")}).status_code == 400


@pytest.mark.libreoffice
def test_document_converts_with_libreoffice(lekeberg, tmp_path):
    binary = shutil.which("libreoffice") or shutil.which("soffice")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("libreoffice saknas i CI; installera libreoffice-writer-nogui")
        pytest.skip("libreoffice is not installed")
    source = tmp_path / "overenskommelse.docx"
    source.write_bytes(document.to_bytes(lekeberg.revisions[1]))
    subprocess.run([binary, "--headless", f"-env:UserInstallation=file://{tmp_path / 'profile'}",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
                   check=True, capture_output=True, timeout=180)
    pdf = tmp_path / "overenskommelse.pdf"
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 5000


def test_document_stays_swedish_when_the_portal_is_in_english(lekeberg, app):
    """The agreement is a Swedish legal document; the reader's language only changes the screen."""
    from flask import session

    from agreements.goals import fmt_date

    adopted = lekeberg.revisions[0]
    with app.test_request_context():
        session["lang"] = "en"
        assert fmt_date(adopted.valid_to) == "31 December 2017"  # on screen: English month names
        text = _text(Document(io.BytesIO(document.to_bytes(adopted))))
    assert "19 december 2016" in text and "31 december 2017" in text
    assert "ska ha minskat till september 2017" in text and "December" not in text
