"""Registering consents, the minors policy, uploads, disclosures on another legal basis and the register extract."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from dateutil.relativedelta import relativedelta
from docx import Document
from sqlalchemy import func, select

from portal.audit import AuditEvent
from portal.db import db
from portal.people import consent as consents
from portal.people import identity
from portal.people import operations as people
from portal.people.models import Consent, Disclosure
from tests.people import factories as f

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _body(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def ami(app, orgs, make_user, client, login):
    user = make_user(org="ami")
    login(user)
    return user


def _form(orgs, **overrides):
    today = identity.today()
    data = {"organisations": [str(orgs["af"].id)], "purposes": ["samordning"], "categories": ["utbildning"],
            "valid_from": today.isoformat(), "valid_until": (today + timedelta(days=300)).isoformat(),
            "method": "digital", "given_by_person": "y", "guardian_1": "", "guardian_2": "", "person_view": "",
            "maturity_assessment": "", "method_note": "", "purpose_other": ""}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _post(client, p, data, files=None):
    payload = dict(data)
    if files:
        payload["scan"] = files
    return client.post(f"/deltagare/{p.ref}/samtycken/nytt", data=payload, content_type="multipart/form-data")


def test_register_consent_for_an_adult(client, ami, orgs):
    p = f.person(ami)
    response = _post(client, p, _form(orgs))
    assert response.status_code == 302
    consent = db.session.scalar(select(Consent))
    assert consent.organisation_ids == {orgs["ami"].id, orgs["af"].id}
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "consent.create", AuditEvent.person_id == p.id)) == 1


@pytest.mark.parametrize("overrides, message, kept", [
    ({"organisations": None}, "Välj minst en organisation", "Mitt eget syfte"),
    ({"valid_until": "2020-01-01"}, "Slutdatumet kan inte vara före startdatumet", "2020-01-01"),
    ({"valid_until": "inte ett datum"}, "Inte ett giltigt datum", "inte ett datum"),
    ({"categories": None}, "Välj minst en kategori", "Mitt eget syfte"),
    ({"method": "muntlig"}, "Anteckna hur det muntliga samtycket lämnades", "Mitt eget syfte"),
    ({"method": "blankett"}, "Ladda upp den inskannade", "Mitt eget syfte"),
])
def test_bad_consent_input_is_explained_beside_the_field(client, ami, orgs, overrides, message, kept):
    p = f.person(ami)
    response = _post(client, p, _form(orgs, purpose_other="Mitt eget syfte", **overrides))
    body = _body(response)
    assert response.status_code == 400, body[:300]
    assert message in body
    assert kept in body
    assert db.session.scalar(select(func.count()).select_from(Consent)) == 0


def test_consent_past_twentieth_birthday_needs_to_be_stated(client, ami, orgs):
    p = f.person(ami, birth=f.born(19, 30))  # 18 now, 20 in 23 months
    until = (identity.today() + timedelta(days=800)).isoformat()
    response = _post(client, p, _form(orgs, valid_until=until))
    assert response.status_code == 400 and "20-årsdag" in _body(response)
    assert _post(client, p, _form(orgs, valid_until=until, is_past_twenty_stated="y")).status_code == 302


def test_error_summary_leads_to_the_first_option_of_a_group(client, ami, orgs):
    """A link to the <ul> of a check-box group moves no focus; its first check box takes it."""
    p = f.person(ami)
    body = _body(_post(client, p, _form(orgs, organisations=None, categories=None)))
    assert 'href="#organisations-0"' in body and 'id="organisations-0"' in body
    assert 'href="#categories-0"' in body and 'id="categories-0"' in body
    assert 'href="#organisations"' not in body


def test_form_for_someone_past_twenty_opens_with_a_period_that_can_be_saved(client, ami, orgs):
    p = f.person(ami, birth=f.born(22, -100))
    today = identity.today()
    year_on = today + relativedelta(months=12) - timedelta(days=1)
    assert consents.default_valid_until(p, today) == year_on
    page = _body(client.get(f"/deltagare/{p.ref}/samtycken/nytt"))
    assert re.search(rf'<input[^>]*id="valid_until"[^>]*value="{year_on.isoformat()}"', page)
    assert "checked" in re.search(r'<input[^>]*id="is_past_twenty_stated"[^>]*>', page).group(0)
    form = _form(orgs, valid_until=year_on.isoformat(), is_past_twenty_stated="y")
    assert _post(client, p, form).status_code == 302
    # Someone turning 20 within the year still gets a consent ending the day before.
    younger = f.person(ami, birth=f.born(20, 30))
    assert consents.default_valid_until(younger, today) == (identity.add_years(younger.birth_date, 20)
                                                            - timedelta(days=1))


@pytest.mark.parametrize("filename, content, message", [
    ("blankett.pdf", b"Detta ar bara text, inte en PDF", "PDF, JPEG eller PNG"),
    ("blankett.exe", b"MZ\x90\x00", "PDF, JPEG eller PNG"),
    ("blankett.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), "för stor"),
    ("blankett.pdf", b"%PDF-" + b"0" * (15 * 1024 * 1024), "för stor"),
])
def test_bad_upload_is_refused(client, ami, orgs, filename, content, message):
    p = f.person(ami)
    response = _post(client, p, _form(orgs, method="blankett", purpose_other="Mitt eget syfte"),
                     files=(io.BytesIO(content), filename))
    assert response.status_code == 400
    assert message in _body(response)
    assert "Mitt eget syfte" in _body(response), "what was typed is kept"


@pytest.mark.parametrize("content, kind", [(PDF, "application/pdf"), (PNG, "image/png"),
                                           (b"\xff\xd8\xff\xe0" + b"0" * 20, "image/jpeg")])
def test_good_upload_is_kept_and_only_the_recording_org_opens_it(client, app, ami, orgs, make_user, login, content,
                                                                   kind):
    p = f.person(ami)
    response = _post(client, p, _form(orgs, method="blankett"), files=(io.BytesIO(content), "skanning.bin"))
    assert response.status_code == 302
    consent = db.session.scalar(select(Consent))
    assert consent.scan.content_type == kind
    download = client.get(f"/deltagare/{p.ref}/samtycken/{consent.id}/skanning")
    assert download.status_code == 200 and download.data == content
    other = app.test_client()
    login(make_user(org="af"), client=other)
    assert other.get(f"/deltagare/{p.ref}/samtycken/{consent.id}/skanning").status_code == 403


def test_under_fifteen_needs_guardian_and_own_view(client, ami, orgs):
    p = f.person(ami, birth=f.born(14))
    response = _post(client, p, _form(orgs, given_by_person=None))
    assert response.status_code == 400 and "vårdnadshavares samtycke krävs" in _body(response)
    response = _post(client, p, _form(orgs, given_by_person=None, guardian_1="Anna Ek"))
    assert response.status_code == 400 and "egen inställning" in _body(response)
    assert 'value="Anna Ek"' in _body(response)
    ok = _post(client, p, _form(orgs, given_by_person=None, guardian_1="Anna Ek", person_view="Vill gärna"))
    assert ok.status_code == 302


def test_fifteen_to_seventeen_alone_needs_maturity_assessment(client, ami, orgs):
    p = f.person(ami, birth=f.born(16))
    response = _post(client, p, _form(orgs))
    assert response.status_code == 400 and "mognadsbedömning" in _body(response)
    assert _post(client, p, _form(orgs, maturity_assessment="Mogen, förstår vad samtycket innebär.")).status_code \
        == 302


def test_adult_must_consent_alone(client, ami, orgs):
    p = f.person(ami, birth=f.born(19))
    response = _post(client, p, _form(orgs, given_by_person=None, guardian_1="Anna Ek"))
    assert response.status_code == 400 and "myndig" in _body(response)


def test_policy_is_configurable(make_app, orgs, make_user):
    app = make_app(CONSENT_BOTH_GUARDIANS=True)
    with app.test_request_context():
        with pytest.raises(consents.ConsentError, match="båda"):
            consents.check_minors_policy(age=12, given_by_person=False, guardian_names=["A"], person_view="ok",
                                         maturity_assessment="")


def test_printable_form_from_the_form_data(client, ami, orgs):
    p = f.person(ami, birth=f.born(14))
    response = _post(client, p, _form(orgs, action="blankett", given_by_person=None, guardian_1="Anna",
                                      guardian_2="Jonas"))
    assert response.status_code == 200
    assert response.mimetype.endswith("wordprocessingml.document")
    text = "\n".join(par.text for par in Document(io.BytesIO(response.data)).paragraphs)
    assert "Arbetsförmedlingen Hallsberg" in text and "Lekebergs kommun, AMI" in text
    assert "Vårdnadshavare 1" in text and "Vårdnadshavare 2" in text and "Den unge" in text
    assert "Utbildning" in text and "Samordning av insatser" in text
    assert db.session.scalar(select(func.count()).select_from(Consent)) == 0


def test_supersede_keeps_history(client, ami, orgs):
    p = f.person(ami)
    old = f.consent(p, ami, [orgs["af"].id])
    response = _post(client, p, _form(orgs, categories=["kontakt"])).status_code
    assert response == 302
    client.post(f"/deltagare/{p.ref}/samtycken/nytt?ersatter={old.id}", data=_form(orgs, categories=["halsa"]),
                content_type="multipart/form-data")
    db.session.expire_all()
    assert db.session.get(Consent, old.id).superseded_dt is not None
    page = _body(client.get(f"/deltagare/{p.ref}/samtycken"))
    assert "Ersatt av nytt samtycke" in page and f"Samtycke nr {old.id}" in page


def test_disclosure_needs_justification(client, ami, orgs):
    p = f.person(ami)
    data = {"to_org": str(orgs["ifo"].id), "basis": "orosanmalan", "justification": "", "categories": ["social"],
            "disclosed_on": identity.today().isoformat(), "basis_detail": "SoL 14 kap. 1 §"}
    response = client.post(f"/deltagare/{p.ref}/utlamnande", data=data)
    assert response.status_code == 400
    body = _body(response)
    assert "Motivera varför" in body and "SoL 14 kap. 1 §" in body
    data["justification"] = "Oro för den unges hälsa."
    assert client.post(f"/deltagare/{p.ref}/utlamnande", data=data).status_code == 302
    assert client.post(f"/deltagare/{p.ref}/utlamnande", data=data).status_code == 302  # a double submit
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "disclosure.create")) == 1
    assert db.session.scalar(select(func.count()).select_from(Disclosure)) == 1


def test_disclosure_review_list(client, app, orgs, make_user, login):
    user = make_user(org="ami", roles=("samordnare",))
    login(user)
    p = f.person(user)
    consents.record_disclosure(p, by=user, to_org_id=orgs["ifo"].id, basis="uppgiftsskyldighet",
                               justification="Begäran enligt lag.", categories=["kontakt"],
                               disclosed_on=identity.today())
    db.session.commit()
    page = _body(client.get("/deltagare/utlamnanden"))
    assert "Begäran enligt lag." in page and p.name in page and "Individ- och försörjningsstöd" in page


def test_register_extract_is_for_org_admin_and_audited(client, app, orgs, make_user, login):
    worker = make_user(org="ami", name="Ahmed Handläggare")
    p = f.person(worker)
    admin = make_user(org="ami", roles=("org_admin",))
    login(admin)
    assert client.get("/deltagare/registerutdrag").status_code == 200
    page = client.post("/deltagare/registerutdrag", data={"number": p.number_display, "format": "page"})
    assert page.status_code == 200
    body = _body(page)
    assert "Ahmed Handläggare" in body and "Deltagare registrerad" in body  # the log, in words
    # the registered data itself: identity, contact details and notes of the own organisation
    assert f"{p.first_name} {p.last_name}" in body and "Hemliga gatan 7" in body and "070-123 45 67" in body
    assert f"Anteckning om {p.first_name} i utbildning" in body
    csv_response = client.post("/deltagare/registerutdrag", data={"number": p.number_display, "format": "csv"})
    csv_text = csv_response.get_data(as_text=True)
    assert csv_response.mimetype == "text/csv" and "person.note" in csv_text and "Hemliga gatan 7" in csv_text
    docx_response = client.post("/deltagare/registerutdrag", data={"number": p.number_display, "format": "docx"})
    from docx import Document

    given = Document(io.BytesIO(docx_response.data))
    text = "\n".join([x.text for x in given.paragraphs] + [c.text for t in given.tables for r in t.rows
                                                            for c in r.cells])
    assert "Registerutdrag enligt dataskyddsförordningen artikel 15" in text and "Hemliga gatan 7" in text
    assert "Deltagare registrerad" in text and "{" not in text
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "person.extract", AuditEvent.person_id == p.id)) == 3
    bad = client.post("/deltagare/registerutdrag", data={"number": "123"})
    assert bad.status_code == 400 and "Ogiltigt personnummer" in _body(bad)


def test_extract_covers_only_the_own_organisation(client, app, orgs, make_user, login):
    worker = make_user(org="ami", name="Ahmed Handläggare")
    p = f.person(worker)
    login(make_user(org="af", roles=("org_admin",)))
    body = _body(client.post("/deltagare/registerutdrag", data={"number": p.number_display}))
    assert "Ahmed Handläggare" not in body and "AMI" not in body
    assert p.first_name not in body


def test_history_shows_who_withdrew_and_guardians_are_offered(client, ami, orgs):
    p = f.person(ami, birth=f.born(14))
    people.add_guardian(p, by=ami, name="Anna Ek", phone="070-1")
    db.session.commit()
    form_page = _body(client.get(f"/deltagare/{p.ref}/samtycken/nytt"))
    assert 'value="Anna Ek"' in form_page
    c = f.consent(p, ami, [orgs["af"].id], given_by_person=False, guardians=["Anna Ek"], view="Positiv",
                  maturity="")
    client.post(f"/deltagare/{p.ref}/samtycken/{c.id}/aterkalla", data={"reason": "Vårdnadshavaren ångrade sig"})
    page = _body(client.get(f"/deltagare/{p.ref}/samtycken"))
    assert "Vårdnadshavaren ångrade sig" in page and ami.name in page and "Återkallat" in page


def test_every_consent_problem_is_shown_at_once(client, ami, orgs):
    p = f.person(ami, birth=f.born(14))
    response = _post(client, p, _form(orgs, organisations=None, categories=None, method="muntlig",
                                      given_by_person=None, valid_until="2020-01-01"))
    body = _body(response)
    assert response.status_code == 400
    for message in ("Välj minst en organisation", "Välj minst en kategori", "Slutdatumet kan inte vara före",
                    "Anteckna hur det muntliga", "vårdnadshavares samtycke krävs"):
        assert message in body, message


def test_scan_with_odd_file_name_downloads(client, ami, orgs):
    p = f.person(ami)
    response = _post(client, p, _form(orgs, method="blankett"), files=(io.BytesIO(PDF), "samtycke 北 åäö\".pdf"))
    assert response.status_code == 302
    consent = db.session.scalar(select(Consent))
    download = client.get(f"/deltagare/{p.ref}/samtycken/{consent.id}/skanning")
    # A plain name for old clients, the real one (less the quote) for browsers.
    assert download.status_code == 200 and download.headers["Content-Disposition"] == (
        "attachment; filename=\"samtycke aao.pdf\"; filename*=UTF-8''samtycke%20%E5%8C%97%20%C3%A5%C3%A4%C3%B6.pdf")


def _count_consents() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Consent))


def test_a_double_submitted_consent_is_recorded_once(client, ami, orgs):
    p = f.person(ami)
    assert _post(client, p, _form(orgs)).status_code == 302
    assert _post(client, p, _form(orgs)).status_code == 302  # the second click lands on the same consent
    assert _count_consents() == 1
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "consent.create")) == 1
    # Something really different is a consent of its own.
    assert _post(client, p, _form(orgs, categories=["kontakt"])).status_code == 302
    assert _count_consents() == 2


def test_a_double_submitted_new_version_is_recorded_once(client, ami, orgs):
    p = f.person(ami)
    _post(client, p, _form(orgs))
    old = db.session.scalar(select(Consent))
    url = f"/deltagare/{p.ref}/samtycken/nytt?ersatter={old.id}"
    data = _form(orgs, categories=["utbildning", "kontakt"])
    for _ in range(2):
        response = client.post(url, data=data, content_type="multipart/form-data")
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert _count_consents() == 2
    db.session.expire_all()
    assert db.session.get(Consent, old.id).superseded_dt is not None
