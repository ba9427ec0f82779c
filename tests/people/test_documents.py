"""The consent form (samtyckesblankett) is Swedish whatever language staff read the portal in, and is written
even when the records or the form hold control characters."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from docx import Document

from portal.db import db
from portal.people import identity
from tests.people import factories as f


def _text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    parts += [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


@pytest.fixture
def ami(make_user, login):
    user = make_user(org="ami")
    login(user)
    return user


def _draft_form(client, p, orgs, **typed):
    today = identity.today()
    data = {"organisations": [str(orgs["af"].id)], "purposes": ["samordning"], "categories": ["utbildning"],
            "valid_from": today.isoformat(), "valid_until": (today + timedelta(days=300)).isoformat(),
            "method": "digital", "given_by_person": "y", "action": "blankett", **typed}
    return client.post(f"/deltagare/{p.ref}/samtycken/nytt", data=data, content_type="multipart/form-data")


def test_the_consent_form_is_swedish_when_the_portal_is_read_in_english(client, ami, orgs):
    p = f.person(ami)
    c = f.consent(p, ami, [orgs["af"].id])
    assert client.post("/sprak", data={"lang": "en", "next": "/"}).status_code == 302
    page = client.get(f"/deltagare/{p.ref}/samtycken").get_data(as_text=True)
    assert '<html lang="en"' in page  # the screen is English ...
    for response in (client.get(f"/deltagare/{p.ref}/samtycken/{c.id}/blankett.docx"), _draft_form(client, p, orgs)):
        assert response.status_code == 200
        text = _text(response.data)  # ... the form to sign is not
        assert "Samtycke till informationsutbyte mellan myndigheter" in text and "Underskrifter" in text
        assert "Samordning av insatser" in text and "Den unge" in text
        assert "Consent" not in text and "Signatures" not in text and "The young person" not in text


def test_control_characters_typed_or_stored_do_not_stop_the_form(client, ami, orgs):
    p = f.person(ami)
    c = f.consent(p, ami, [orgs["af"].id])
    p.first_name = "El\x0bsa\x01"  # stored before such characters were refused
    orgs["af"].name = "Arbetsförmedlingen\x1f Hallsberg"
    db.session.commit()
    registered = client.get(f"/deltagare/{p.ref}/samtycken/{c.id}/blankett.docx")
    assert registered.status_code == 200
    text = _text(registered.data)
    assert "El\nsa Lindqvist" in text and "Arbetsförmedlingen Hallsberg" in text
    draft = _draft_form(client, p, orgs, purpose_other="Praktik\x01 på\x0bkommunen")
    assert draft.status_code == 200
    assert "Praktik på kommunen" in _text(draft.data)  # a one-line field: the pasted break is a space
