"""The action plan's .docx: every field in Swedish with names and dates, and it opens in LibreOffice."""
from __future__ import annotations

import io
import os
import shutil
import subprocess
from datetime import date

import pytest
from docx import Document

from referrals import plan_document, plans

VALUES = dict(goal="Studera på komvux.\nFå gymnasieexamen.", place="Komvux Örebro", starts_on=date(2027, 1, 10),
              ends_on=date(2027, 6, 15), person_measures="Söka kurser", kommun_measures="Praktikplats",
              other_actor="Arbetsförmedlingen", other_measures="Utbildningskontrakt",
              follow_up_on=date(2027, 2, 1), evaluation_on=date(2027, 6, 1), follow_up_by="Ahmed Nilsson",
              end_reason="Praktiken avslutades när studierna började.")


def _docx(referred, ami) -> bytes:
    version = plans.save(referred.person, by=ami, **VALUES)
    return plan_document.to_bytes(version, person_name="Elsa Lindqvist", organisation_name="Lekebergs kommun, AMI",
                                  saved_by=ami.name)


def test_the_plan_docx_holds_every_field_in_swedish(referred, ami):
    text = "\n".join(p.text for p in Document(io.BytesIO(_docx(referred, ami))).paragraphs)
    for label in plans.FIELDS.values():
        assert str(label) in text
    for value in ("Elsa Lindqvist", "Lekebergs kommun, AMI", "Ahmed Nilsson", "10 januari 2027", "15 juni 2027",
                  "1 februari 2027", "Få gymnasieexamen.", "Praktiken avslutades när studierna började."):
        assert value in text, value


@pytest.mark.libreoffice
def test_the_plan_docx_opens_in_libreoffice(referred, ami, tmp_path):
    """Writer opens it and saves it as text again (no poppler needed): what it read is the whole plan."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice behövs i CI")
        pytest.skip("LibreOffice is not installed")
    source = tmp_path / "handlingsplan.docx"
    source.write_bytes(_docx(referred, ami))
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path / 'profile'}",
                    "--convert-to", "txt:Text (encoded):UTF8", "--outdir", str(tmp_path), str(source)],
                   check=True, capture_output=True, timeout=180)
    text = (tmp_path / "handlingsplan.txt").read_text(encoding="utf-8-sig")
    assert "Individuell handlingsplan" in text and "Elsa Lindqvist" in text and "Komvux Örebro" in text
    assert "Varför en insats avslutades" in text
