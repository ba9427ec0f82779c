"""Importing an agreement from Word: a real agreement fits the caps, bigger documents are refused beside the upload
field, and an import is one audit event with its counts."""
from __future__ import annotations

import io
import json
import re
from copy import deepcopy

import pytest
from docx import Document
from docx.oxml.ns import qn

from agreements import document
from agreements.importer import Limits
from portal.db import db
from tests.agreements.helpers import url
from tests.helpers import count_events, events


def _docx(headings: int = 2, paragraphs_each: int = 1, title: str = "Avsnitt") -> bytes:
    """A .docx of `headings` Heading 1 sections of `paragraphs_each` paragraphs, the paragraphs copied in the XML
    (python-docx takes seconds to add thousands one by one)."""
    doc = Document()
    heading, paragraph = doc.add_heading(f"{title} 1", level=1)._p, doc.add_paragraph("Ett stycke.")._p
    body = heading.getparent()
    heading.addnext(paragraph)
    anchor = paragraph
    for n in range(headings):
        for element in ([heading] if n else []) + [paragraph] * (paragraphs_each - (0 if n else 1)):
            copy = deepcopy(element)
            anchor.addnext(copy)
            anchor = copy
    assert len(body.findall(qn("w:p"))) == headings * (1 + paragraphs_each)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _upload(client, agreement, data: bytes, name: str = "overenskommelse.docx"):
    return client.post(url(agreement, 2, "/importera"), data={"document": (io.BytesIO(data), name)})


def _confirm(client, agreement, preview):
    """Confirm the import the preview shows (its form carries the token of the kept upload)."""
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', preview.get_data(as_text=True))
    assert token, "the preview offers no confirmation"
    return client.post(url(agreement, 2, "/importera/bekrafta"), data={"token": token.group(1)})


def _beside_the_upload(response) -> str:
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and 'id="document-fel"' in html, html[:300]
    return html.split('id="document-fel"', 1)[1].split("</p>", 1)[0]


def test_the_real_agreement_imports_as_one_audit_event_with_its_counts(lekeberg, client, login_as):
    user = login_as(org="kommun", roles=("samordnare",))
    adopted, draft = lekeberg.revisions
    data = document.to_bytes(adopted)
    for section in list(draft.sections)[3:]:
        draft.sections.remove(section)  # so the import adds the sections the draft lacks
    db.session.commit()
    preview = _upload(client, lekeberg, data)
    assert preview.status_code == 200 and "Var varje del av dokumentet hamnar" in preview.get_data(as_text=True)
    assert count_events("agreement.revision.import") == 0  # the preview writes nothing
    response = _confirm(client, lekeberg, preview)
    assert "Dokumentet är inläst" in client.get(response.headers["Location"]).get_data(as_text=True)
    [event] = events("agreement.revision.import", user_id=user.id)
    details = json.loads(event.details)
    sections = len(adopted.sections) - 1  # the signatures are the signatories, not a section's text
    assert details["sections"] == sections and details["filled"] == 3 and details["added"] == sections - 3
    assert details["bytes"] == len(data) and details["filename"] == "overenskommelse.docx"
    limits = Limits()
    assert sections < limits.max_sections and details["paragraphs"] < limits.max_paragraphs
    assert len(data) < limits.max_bytes
    assert count_events("agreement.section.add") == 0  # not one event per section
    db.session.expire_all()
    assert [s.title for s in draft.sections] == [s.title for s in adopted.sections if s.key != "underskrifter"]
    print(f"real agreement: {len(data)} bytes, {details['paragraphs']} paragraphs, {sections} sections")


@pytest.mark.parametrize("setting, limit, data, message", [
    ("AGREEMENT_IMPORT_MAX_SECTIONS", 3, lambda: _docx(headings=4), "fler än 3 rubriker på nivå 1"),
    ("AGREEMENT_IMPORT_MAX_PARAGRAPHS", 10, lambda: _docx(headings=2, paragraphs_each=5), "har 12 stycken; högst 10"),
    ("AGREEMENT_IMPORT_MAX_BYTES", 20 * 1024, lambda: _docx(headings=400, paragraphs_each=3),
     "högst 20 kB kan läsas in"),
])
def test_a_document_beyond_a_cap_is_refused_beside_the_upload_field(lekeberg, client, login_as, app, monkeypatch,
                                                                    setting, limit, data, message):
    login_as(org="kommun", roles=("samordnare",))
    monkeypatch.setitem(app.config, setting, limit)
    before = [(s.title, s.body) for s in lekeberg.revisions[1].sections]
    refused = _upload(client, lekeberg, data())
    assert message in _beside_the_upload(refused)
    db.session.expire_all()
    assert [(s.title, s.body) for s in lekeberg.revisions[1].sections] == before
    assert count_events("agreement.revision.import") == 0


def test_the_default_caps_refuse_a_document_of_too_many_sections_or_paragraphs(lekeberg, client, login_as):
    login_as(org="kommun", roles=("samordnare",))
    assert "högst 200 avsnitt" in _beside_the_upload(_upload(client, lekeberg, _docx(headings=201)))
    assert "högst 5000 kan läsas in" in _beside_the_upload(
        _upload(client, lekeberg, _docx(headings=1, paragraphs_each=5000)))


def test_a_heading_longer_than_a_title_holds_is_refused(lekeberg, client, login_as):
    login_as(org="kommun", roles=("samordnare",))
    refused = _upload(client, lekeberg, _docx(headings=1, title="Lång" * 100))
    assert "längre än 300 tecken" in _beside_the_upload(refused)


def _plain_docx(*paragraphs, heading_1=()) -> bytes:
    doc = Document()
    for text in paragraphs:
        if text in heading_1:
            doc.add_heading(text, level=1)
        else:
            doc.add_paragraph(text)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def test_the_portals_own_export_into_the_unchanged_draft_says_nothing_changes(lekeberg, client, login_as):
    login_as(org="kommun", roles=("samordnare",))
    draft = lekeberg.revisions[1]
    version = draft.version
    preview = _upload(client, lekeberg, document.to_bytes(draft))
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Inget ändras: dokumentet stämmer med utkastet" in html
    assert 'name="token"' not in html and "Nytt avsnitt" not in html and "Kunde inte placeras" not in html
    assert "Måltabellen lästes inte in" in html and "Underskrifterna lästes inte in" in html
    db.session.expire_all()
    assert draft.version == version and count_events("agreement.revision.import") == 0


def test_a_consent_form_is_refused_with_a_message(lekeberg, client, login_as):
    login_as(org="kommun", roles=("samordnare",))
    consent = _plain_docx("Samtycke till informationsutbyte mellan myndigheter", "Personen samtycket gäller",
                          "Anna Andersson", "Underskrifter", "Ort och datum",
                          heading_1=("Samtycke till informationsutbyte mellan myndigheter", "Underskrifter"))
    message = _beside_the_upload(_upload(client, lekeberg, consent, "samtycke.docx"))
    assert "ser inte ut att vara en överenskommelse" in message and "Samtycke till informationsutbyte" in message


def test_an_appendixs_own_syfte_never_overwrites_the_main_syfte():
    from agreements import importer

    result = importer.read(_plain_docx("Syfte", "Överenskommelsens syfte.", "Mål", "Minskad arbetslöshet.",
                                       "Bilaga 2 Samverkansmodell", "1. Syfte", "Bilagans syfte.", "2. Mål",
                                       "Bilagans mål."), "a.docx")
    assert [(s.key, s.body) for s in result.sections] == [("syfte", "Överenskommelsens syfte."),
                                                          ("mal", "Minskad arbetslöshet.")]
    assert any("Bilaga 2 Samverkansmodell" in note for note in result.notes)


def test_tables_are_read_into_the_section_and_the_signature_table_is_named(lekeberg):
    from agreements import importer

    doc = Document()
    doc.add_heading("Ansvarsfördelning", level=1)
    table = doc.add_table(rows=2, cols=2)
    for cell, text in zip([*table.rows[0].cells, *table.rows[1].cells], ["Uppgift", "Ansvarig", "Registrera",
                                                                          "Skolan"], strict=True):
        cell.text = text
    doc.add_heading("Underskrifter", level=1)
    doc.add_table(rows=1, cols=2).rows[0].cells[0].text = "Per Gustafsson"
    buffer = io.BytesIO()
    doc.save(buffer)
    result = importer.read(buffer.getvalue(), "a.docx")
    assert [(s.key, s.body) for s in result.sections] == [
        ("ansvarsfordelning", "| Uppgift | Ansvarig |\n| Registrera | Skolan |")]
    assert result.tables == 1 and any("Underskrifterna lästes inte in" in note for note in result.notes)


def test_a_preview_is_not_confirmed_after_the_draft_changed_or_by_someone_else(lekeberg, client, login_as):
    from agreements import draft_operations as drafts

    login_as(org="kommun", roles=("samordnare",))
    data = _plain_docx("Syfte", "Ett nytt syfte.", heading_1=("Syfte",))
    preview = _upload(client, lekeberg, data)
    draft = lekeberg.revisions[1]
    drafts.add_section(draft, title="Ändrat under tiden", by=None)
    db.session.commit()
    refused = _confirm(client, lekeberg, preview)
    assert "Utkastet har ändrats sedan förhandsgranskningen" in client.get(refused.headers["Location"]).get_data(
        as_text=True)
    preview = _upload(client, lekeberg, data)
    client.post("/logga-ut")
    login_as(org="kommun", roles=("samordnare",))
    refused = _confirm(client, lekeberg, preview)
    assert "finns inte längre" in client.get(refused.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert draft.sections[0].body != "Ett nytt syfte." and count_events("agreement.revision.import") == 0
