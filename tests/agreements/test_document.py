"""The generated .docx: contents, draft header, page-number field, LibreOffice conversion, import round trip."""
from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

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
    # a draft states baseline and target as well: follow-up belongs on the goal pages
    assert "Senaste värde" not in draft and "Status" not in draft and "Utgångsläge" in draft
    for appendix in adopted.appendices:
        for routine in appendix.routines:
            assert routine.title in headings
            for step in routine.steps:
                assert f"Steg {step.number}: {step.text}" in text
                assert all(f"\n{sub.text}\n" in text for sub in step.substeps)
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
    written = [s for s in adopted.sections if s.key != "underskrifter"]  # signatures are the signatories' table
    assert [(s.title, s.body) for s in result.sections] == [(s.title, s.body) for s in written]
    assert [s.key for s in result.sections] == [s.key for s in written]
    assert result.unplaced == [] and any("Underskrifterna lästes inte in" in note for note in result.notes)


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
    preview = client.post(target, data={"document": (io.BytesIO(buffer.getvalue()), "avtal.docx")})
    assert preview.status_code == 200 and "Nytt avsnitt" in preview.get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', preview.get_data(as_text=True)).group(1)
    assert client.post(target + "/bekrafta", data={"token": token}).status_code == 302
    # the same preview cannot be confirmed twice
    again = client.post(target + "/bekrafta", data={"token": token})
    assert "finns inte längre" in client.get(again.headers["Location"]).get_data(as_text=True)
    draft = lekeberg.revisions[1]
    from portal.db import db

    db.session.expire_all()
    titles = {s.title: s.body for s in draft.sections}
    assert titles["Syfte"] == "Importerat syfte." and titles["Lokala aktiviteter"] == "Något nytt."
    assert client.post(url(lekeberg, 1, "/importera"),
                       data={"document": (io.BytesIO(buffer.getvalue()), "a.docx")}).status_code == 400


def _tool(name: str, package: str) -> str:
    binary = shutil.which(name)
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} saknas i CI; installera {package}")
        pytest.skip(f"{name} is not installed ({package})")
    return binary


def _pages_as_images(data: bytes, tmp_path) -> tuple[str, list]:
    """LibreOffice → PDF → one PNG per page (poppler's pdftoppm); returns the PDF's text and the images."""
    soffice = shutil.which("soffice") or _tool("libreoffice", "libreoffice-writer-nogui")
    pdftoppm, pdftotext = _tool("pdftoppm", "poppler-utils"), _tool("pdftotext", "poppler-utils")
    source = tmp_path / "overenskommelse.docx"
    source.write_bytes(data)
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path / 'profile'}",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
                   check=True, capture_output=True, timeout=180)
    pdf = tmp_path / "overenskommelse.pdf"
    subprocess.run([pdftoppm, "-png", "-r", "70", str(pdf), str(tmp_path / "sida")], check=True, timeout=120)
    text = subprocess.run([pdftotext, str(pdf), "-"], check=True, capture_output=True, text=True,
                          timeout=60).stdout
    return text, sorted(tmp_path.glob("sida-*.png"))


def _keep(pages) -> None:
    """AGREEMENT_SCREENSHOTS=docs/screenshots: keep the page images there, for people to look at."""
    keep = os.environ.get("AGREEMENT_SCREENSHOTS")
    if keep:
        target = Path(keep)
        target.mkdir(parents=True, exist_ok=True)
        for old in target.glob("agreement-page-*.png"):
            old.unlink()
        for number, page in enumerate(pages, start=1):
            shutil.copy(page, target / f"agreement-page-{number:02d}.png")


@pytest.mark.libreoffice
def test_the_agreement_reads_as_a_signed_municipal_document_page_by_page(lekeberg, tmp_path):
    """Converted as LibreOffice shows it (it updates no fields): the contents are complete, the sections
    numbered, the goals table whole, one signature block per party, Bilaga 2 and Bilaga 1 as structured text.
    AGREEMENT_SCREENSHOTS=docs/screenshots keeps the page images (docs/screenshots/agreement-*.png)."""
    adopted = lekeberg.revisions[0]
    text, pages = _pages_as_images(document.to_bytes(adopted), tmp_path)
    _keep(pages)
    pages_text = text.split("\f")
    assert 8 <= len(pages) <= 30 and len(pages) == len([p for p in pages_text if p.strip()])
    contents = pages_text[1]
    for number, section in enumerate([s for s in adopted.sections if s.key != "underskrifter"], start=1):
        assert f"{number}. {section.title}" in contents  # the contents are complete without an update
    assert "Bilaga 2 Samverkansmodell" in contents and "4. Ansvarsfördelning" in contents
    body = " ".join("\f".join(pages_text[2:]).split())  # words as read, whatever the line breaks
    assert "1. Syfte" in body and "9. Överenskommelsens varaktighet och revidering" in body  # numbered headings
    # the goals table: three columns (the PDF's text reads them column by column), whole words, no live values
    assert "Senaste värde" not in text and "Status" not in text
    assert "uppföljningar. Mål Arbetslöshet bland ungdomar i Lekebergs kommun Arbetslöshet bland utrikes" in body
    assert "Utgångsläge 10,0 % (september 2016) 20,8 % (september 2016)" in body
    # signatures after every section, place and date once, one block per party
    signatures = body.index("Underskrifter Fjugesta, 19 december 2016 Lekebergs kommun Arbetsförmedlingen Hallsberg")
    assert signatures > body.index("Ändringar sedan föregående version") > body.index("Överenskommelsens varaktighet")
    assert body.count("Fjugesta, 19 december 2016") == 1
    assert body.count("Organisationsnummer 212000-2981") == 1 and body.count("Organisationsnummer 202100-2114") == 1
    assert signatures < body.index("Bilaga 1 Rutiner vid utbildningskontrakt")
    # Bilaga 1's sub-steps, Bilaga 2's responsibility table and its seven documentation points
    assert "Steg 3: Ansvarig: Kommunen, Arbetsförmedlingen och SYV. 1. De intresserade individerna" in body
    assert "4. Ansvarsfördelning Uppgift Komma i kontakt med ungdomar Skaffa information" in body
    assert "Ansvarig Skolan Skolan Skolan AMI Skolan" in body
    assert "1. Individuell planering och målet med insatserna 2. Vilka insatser som ungdomen" in body


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
