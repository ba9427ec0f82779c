"""Attachments: refused unless a PDF, JPEG, PNG or DOCX by content, at most 10 MB and 10 files, safely named; read
only by the sides the rule and the gate let through, never by the receiver after the consent is withdrawn."""
from __future__ import annotations

import base64
import io
import struct
import zipfile
import zlib

import pytest
from docx import Document
from sqlalchemy import func, select

from portal import uploads
from portal.audit import AuditEvent
from portal.db import db
from portal.errors import NotPermitted
from portal.forms import attachment as content_disposition
from portal.people import consent as consents
from referrals import attachments as files
from referrals import operations as ops
from referrals.models import ReferralAttachment
from tests.people import factories as f
from tests.referrals import helpers as h

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////"
    "////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=")


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
            + chunk(b"IEND", b""))


def _docx() -> bytes:
    document = Document()
    document.add_paragraph("Kartläggning inför överlämning.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _zip(names) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return out.getvalue()


@pytest.fixture
def setting(orgs, make_user):
    af, ami, ifo = make_user(org="af"), make_user(org="ami"), make_user(org="ifo")
    p = h.consented_person(af, orgs["ami"], first="Nora", last="Lindqvist")
    r = h.received(af, orgs["ami"], ami, p)
    return {"af": af, "ami": ami, "ifo": ifo, "person": p, "referral": r}


def _refused(referral, by, name, data) -> str:
    with pytest.raises(ops.ReferralError) as refused:
        files.add(referral, by=by, filename=name, data=data)
    db.session.rollback()
    assert refused.value.field == "attachment"
    return str(refused.value)


# --- Refusals first --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "data"), [
    ("intyg.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 100),  # a Windows executable
    ("intyg.pdf", _zip(["a.txt"])),  # a plain zip
    ("intyg.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
    ("intyg.docx", _zip(["[Content_Types].xml"])),  # a zip pretending to be Word, without its main part
    ("intyg.docx", b"PK\x03\x04" + b"\x00" * 40),  # broken zip
    ("bild.png", b"GIF89a\x01\x00\x01\x00"),
    ("text.pdf", b"Nora Lindqvist 20050101-1234"),
])
def test_a_file_that_is_not_an_accepted_type_by_content_is_refused_whatever_its_name(setting, name, data):
    message = _refused(setting["referral"], setting["af"], name, data)
    assert "PDF, JPEG, PNG eller Word" in message
    assert db.session.scalar(select(func.count()).select_from(ReferralAttachment)) == 0


def test_a_macro_enabled_word_file_is_refused(setting):
    """A .docm carries the same main part as a .docx, plus macros: the receiver would open it in Word."""
    data = _zip(["[Content_Types].xml", "word/document.xml", "word/vbaProject.bin"])
    assert "PDF, JPEG, PNG eller Word" in _refused(setting["referral"], setting["af"], "brev.docx", data)


def test_empty_and_oversized_files_are_refused_and_exactly_10_mb_is_accepted(setting):
    r, af = setting["referral"], setting["af"]
    assert "tom" in _refused(r, af, "tom.pdf", b"")
    assert "för stor" in _refused(r, af, "stor.pdf", PDF + b"0" * (uploads.MAX_BYTES + 1 - len(PDF)))
    row = files.add(r, by=af, filename="precis.pdf", data=PDF + b"0" * (uploads.MAX_BYTES - len(PDF)))
    assert row.size == 10 * 1024 * 1024


def test_the_eleventh_file_is_refused(setting):
    r, af = setting["referral"], setting["af"]
    for n in range(files.MAX_FILES):
        files.add(r, by=af, filename=f"del {n}.pdf", data=PDF)
    db.session.commit()
    assert "högst 10 bilagor" in _refused(r, af, "en till.pdf", PDF)


def test_a_consultation_takes_no_files(orgs, make_user):
    af = make_user(org="af")
    r = h.draft(af, orgs["ami"], None, type="konsultation", categories=(),
                reason="Hur brukar ni göra med unga som hoppat av?", help_requested="Råd.")
    assert not files.can_attach(af, r)
    with pytest.raises(NotPermitted):
        files.add(r, by=af, filename="a.pdf", data=PDF)
    db.session.rollback()
    with pytest.raises(ops.ReferralError, match="inga bilagor"):
        files.add(r, by=None, filename="a.pdf", data=PDF)


def test_a_third_organisation_and_a_role_without_handling_cannot_attach(setting, make_user):
    r = setting["referral"]
    for user in (setting["ifo"], make_user(org="ami", roles=("styrgrupp",))):
        assert not files.can_attach(user, r)
        with pytest.raises(NotPermitted):
            files.add(r, by=user, filename="a.pdf", data=PDF)
        db.session.rollback()


# --- Accepted by content -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "data", "content_type", "stored"), [
    ("Utredning.pdf", PDF, "application/pdf", "Utredning.pdf"),
    ("foto.jpeg", JPEG, "image/jpeg", "foto.jpg"),
    ("skärmbild.PNG", _png(), "image/png", "skärmbild.png"),
    ("Plan för Nora.docx", _docx(), uploads.DOCX, "Plan för Nora.docx"),
    # The name does not decide: a PDF called .png is stored as the PDF it is.
    ("bild.png", PDF, "application/pdf", "bild.pdf"),
])
def test_each_accepted_type_is_recognised_by_its_content(setting, name, data, content_type, stored):
    row = files.add(setting["referral"], by=setting["af"], filename=name, data=data)
    db.session.commit()
    assert (row.content_type, row.filename, row.size) == (content_type, stored, len(data))
    assert files.open_file(row, by=setting["ami"]).data == data


@pytest.mark.parametrize("name", [
    'sa "hej".pdf',
    "rad1\r\nContent-Type: text/html\r\n\r\n<script>.pdf",
    "faktura\u202egnp.pdf",
    "../../../etc/passwd.pdf",
    "..\\..\\windows\\system32.pdf",
    "\x00\x07.pdf",
    "å" * 300 + ".pdf",
])
def test_a_hostile_name_is_stored_safely_and_the_download_header_stays_one_safe_line(setting, name):
    row = files.add(setting["referral"], by=setting["af"], filename=name, data=PDF)
    db.session.commit()
    stored = row.filename
    assert stored.endswith(".pdf") and len(stored) <= 200
    assert not any(c in stored for c in '"\\/\r\n\x00\x07\u202e') and ".." not in stored.rstrip(".pdf")[:2]
    header = content_disposition(stored)
    assert header.startswith("attachment; filename=")
    assert all(c not in header for c in "\r\n\x00\u202e") and header.isprintable()
    # The quoted plain name ends at the first closing quote: nothing of the name gets out of it.
    plain = header.split('filename="', 1)[1]
    assert plain.index('"') == len(plain) - 1 or plain[plain.index('"'):].startswith('"; filename*=UTF-8\'\'')


# --- Who reads what ------------------------------------------------------------------------------------------


def _reads() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "referral.attachment.read"))


def test_the_receiver_reads_the_senders_file_while_the_consent_holds_and_not_after_withdrawal(setting):
    r, af, ami = setting["referral"], setting["af"], setting["ami"]
    sent = files.add(r, by=af, filename="intyg.pdf", data=PDF)
    own = files.add(r, by=ami, filename="mottagarens anteckning.pdf", data=PDF)
    db.session.commit()
    assert [row.id for row in files.listed(ami, r)] == [sent.id, own.id]
    assert files.can_open(ami, sent) and files.open_file(sent, by=ami).data == PDF
    db.session.commit()
    assert _reads() == 1

    consents.withdraw_consent(r.consent, by=af, reason="Den unge ringde och tog tillbaka sitt samtycke.")
    db.session.commit()
    assert not files.can_open(ami, sent)
    assert [row.id for row in files.listed(ami, r)] == [own.id]  # its own record stays its own
    with pytest.raises(NotPermitted):
        files.open_file(sent, by=ami)
    db.session.rollback()
    assert files.open_file(own, by=ami).data == PDF
    # The sender keeps its own file, and no longer receives the receiver's records either.
    assert [row.id for row in files.listed(af, r)] == [sent.id]
    assert files.open_file(sent, by=af).data == PDF
    assert not files.can_open(af, own)


def test_a_third_organisation_cannot_open_a_file_and_is_refused_with_403(setting):
    r = setting["referral"]
    row = files.add(r, by=setting["af"], filename="intyg.pdf", data=PDF)
    db.session.commit()
    third = setting["ifo"]
    assert not files.can_open(third, row)
    # NotPermitted is what portal.main answers with the audited 403 page.
    with pytest.raises(NotPermitted) as refused:
        files.open_file(row, by=third)
    assert refused.value.reason == "referral:attachment" and refused.value.person_id == setting["person"].id
    db.session.rollback()
    assert _reads() == 0


def test_a_user_without_referral_view_in_either_organisation_cannot_open(setting, make_user):
    row = files.add(setting["referral"], by=setting["af"], filename="intyg.pdf", data=PDF)
    db.session.commit()
    for roles in (("styrgrupp",), ("org_admin",)):
        assert not files.can_open(make_user(org="ami", roles=roles), row)


def test_each_opening_is_audited_with_the_person(setting):
    r = setting["referral"]
    row = files.add(r, by=setting["af"], filename="intyg.pdf", data=PDF)
    db.session.commit()
    for _ in range(2):
        files.open_file(row, by=setting["ami"])
        db.session.commit()
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "referral.attachment.read")).all()
    assert len(events) == 2 and {e.person_id for e in events} == {setting["person"].id}
    assert {e.user_id for e in events} == {setting["ami"].id}


def test_the_listing_does_not_load_the_files_themselves(setting):
    r = setting["referral"]
    files.add(r, by=setting["af"], filename="intyg.pdf", data=PDF)
    db.session.commit()
    db.session.expire_all()
    row = files.listed(setting["ami"], r)[0]
    assert "data" not in row.__dict__


def test_a_draft_file_is_not_seen_by_the_receiver_before_it_is_sent(orgs, make_user):
    af, ami = make_user(org="af"), make_user(org="ami")
    p = h.consented_person(af, orgs["ami"])
    r = h.draft(af, orgs["ami"], p)
    row = files.add(r, by=af, filename="intyg.pdf", data=PDF)
    db.session.commit()
    assert not files.can_open(ami, row)
    ops.submit(r, by=af)
    db.session.commit()
    assert files.can_open(ami, row)


def test_the_receiver_of_a_duty_referral_reads_its_files_while_it_holds_the_matter(orgs, make_user):
    skola, kommun = make_user(org="skola"), make_user(org="kommun")
    p = f.person(skola, first="Sam")
    r = h.received(skola, orgs["kommun"], kommun, p, type="studieavbrott", categories=())
    row = files.add(r, by=skola, filename="frånvaro.pdf", data=PDF)
    db.session.commit()
    assert files.can_open(kommun, row)
    ops.decline(r, by=kommun, reason="Eleven är folkbokförd i en annan kommun.")
    db.session.commit()
    assert not files.can_open(kommun, row) and files.listed(kommun, r) == []


def test_a_file_is_listed_only_where_it_would_open_its_name_may_name_the_person(setting, monkeypatch):
    r, af, ami = setting["referral"], setting["af"], setting["ami"]
    sent = files.add(r, by=af, filename="Nora_Lindqvist_intyg.pdf", data=PDF)
    own = files.add(r, by=ami, filename="anteckning.pdf", data=PDF)
    db.session.commit()
    # The basis holds, but the gate no longer shows the receiver the person (as when the holders' confirmation lapses).
    monkeypatch.setattr(files, "_person_allowed", lambda user, referral: False)
    assert not files.can_open(ami, sent)
    assert [row.id for row in files.listed(ami, r)] == [own.id]
    assert [row.id for row in files.listed(af, r)] == [sent.id]  # its own file stays its own record
