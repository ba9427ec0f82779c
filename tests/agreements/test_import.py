"""Importing an agreement from Word: a real agreement fits the caps, bigger documents are refused beside the upload
field, and an import is one audit event with its counts."""
from __future__ import annotations

import io
import json
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
    response = _upload(client, lekeberg, data)
    assert response.status_code == 200 and "Dokumentet är inläst" in response.get_data(as_text=True)
    [event] = events("agreement.revision.import", user_id=user.id)
    details = json.loads(event.details)
    sections = len(adopted.sections)
    assert details["sections"] == sections and details["filled"] == 3 and details["added"] == sections - 3
    assert details["bytes"] == len(data) and details["filename"] == "overenskommelse.docx"
    limits = Limits()
    assert sections < limits.max_sections and details["paragraphs"] < limits.max_paragraphs
    assert len(data) < limits.max_bytes
    assert count_events("agreement.section.add") == 0  # not one event per section
    db.session.expire_all()
    assert [s.title for s in draft.sections] == [s.title for s in adopted.sections]
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
