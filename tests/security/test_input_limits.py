"""What the fuzz found, one test each: every value is stored safely or refused beside its field, never a 500."""
from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, select
from werkzeug.http import parse_options_header

from agreements.models import Agreement, Goal, Routine
from portal import demo
from portal.auth.models import User
from portal.db import db
from portal.errors import RuleError
from portal.orgs import Organisation
from portal.people.models import Person, PersonNote
from tests.security.helpers import raw_multipart

BIG = [str(2**31), str(2**63), "9" * 400]


@pytest.fixture
def portal(app, demo):
    """The demo seeded."""


@pytest.fixture
def as_demo(portal, client, login):
    def log_in(email: str):
        login(db.session.scalar(select(User).where(User.email == email)), password=demo.DEMO_PASSWORD)
        return client

    return log_in


def _field_error(response, message: str) -> bool:
    """The message stands beside a field (the form macros' field-error paragraph), not only in a summary."""
    html = response.get_data(as_text=True)
    return any(message in part.split("</p>")[0] for part in html.split('class="field-error"')[1:])


# --- ids in the query ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [*BIG, "²", "abc"])
def test_a_consent_to_replace_beyond_any_id_is_not_found(as_demo, value):
    """?ersatter=9223372036854775808 was a 500 on PostgreSQL (integer out of range)."""
    client = as_demo("ami.handlaggare@lekeberg.example")
    person = db.session.scalars(select(Person).order_by(Person.id)).first()
    response = client.get(f"/deltagare/{person.ref}/samtycken/nytt", query_string={"ersatter": value})
    assert response.status_code == 404
    assert "Sidan finns inte" in response.get_data(as_text=True)


@pytest.mark.parametrize("value", [*BIG, "²"])
def test_an_organisation_filter_beyond_any_id_is_not_found(as_demo, value):
    """?org=² passed str.isdigit() and then failed int(): a 500."""
    client = as_demo("systemadmin@dua-portalen.example")
    assert client.get("/admin/anvandare", query_string={"org": value}).status_code == 404
    assert client.get("/admin/anvandare/ny", query_string={"org": value}).status_code == 404


def test_an_organisation_chosen_beyond_any_id_is_refused_beside_the_field(as_demo):
    client = as_demo("systemadmin@dua-portalen.example")
    before = db.session.scalar(select(func.count()).select_from(User))
    for value in [*BIG, "²"]:
        response = client.post("/admin/anvandare/ny", data={
            "email": "ny@lekeberg.example", "name": "Ny Person", "organisation": value, "roles": ["handlaggare"],
            "password": "Tre-glada-tranor-2026!"})
        assert response.status_code == 400, value
        assert _field_error(response, "Välj vilken organisation användaren hör till.")
    assert db.session.scalar(select(func.count()).select_from(User)) == before


# --- search forms -------------------------------------------------------------------------------------------------


def test_a_user_search_beyond_its_cap_is_refused_beside_the_field(as_demo):
    """A 200,000-character search was a 500 on SQLite ("LIKE or GLOB pattern too complex")."""
    client = as_demo("admin@lekeberg.example")
    response = client.get("/admin/anvandare", query_string={"q": "x" * 200_000})
    assert response.status_code == 400
    assert _field_error(response, "Högst 200 tecken (nu 200000).")
    assert client.get("/admin/anvandare", query_string={"q": "Lind"}).status_code == 200


@pytest.mark.parametrize(("args", "message"), [
    ({"date_to": "9999-12-31"}, "Ange ett datum mellan 1900-01-01 och 2199-12-31."),
    ({"date_from": "0001-01-01"}, "Ange ett datum mellan 1900-01-01 och 2199-12-31."),
    ({"person": "D-" + "9" * 400}, "Högst 12 tecken (nu 402)."),
])
def test_an_audit_search_beyond_what_the_database_holds_is_refused_beside_the_field(as_demo, args, message):
    """date_to=9999-12-31 overflowed (a day later); 400 digits overflowed WTForms' own NumberRange."""
    client = as_demo("admin@lekeberg.example")
    response = client.get("/admin/granskningslogg", query_string=args)
    assert response.status_code == 400
    assert _field_error(response, message)


# --- numbers and text too big for their columns --------------------------------------------------------------------


@pytest.mark.parametrize("value", ["10e9", "1e999999", "12 345 678 901"])
def test_a_goal_value_beyond_its_numeric_column_is_refused_beside_the_field(as_demo, value):
    """10e9 was a 500 on PostgreSQL (numeric field overflow in a Numeric(14, 4) column)."""
    client = as_demo("kaa.samordnare@lekeberg.example")
    goal = db.session.scalars(select(Goal).order_by(Goal.id)).first()
    saved = goal.baseline_value
    page = client.get(f"/overenskommelser/{goal.agreement_id}/mal/{goal.id}/andra")
    assert page.status_code == 200
    response = client.post(f"/overenskommelser/{goal.agreement_id}/mal/{goal.id}/andra", data={
        "indicator": goal.indicator, "target_type": goal.target_type, "baseline_value": value,
        "target_direction": goal.target_direction or "decrease"})
    assert response.status_code == 400
    assert _field_error(response, "Talet är för stort: högst 10 siffror före decimaltecknet.")
    db.session.expire_all()
    assert db.session.get(Goal, goal.id).baseline_value == saved


def test_a_routine_title_longer_than_its_column_is_refused_and_nothing_is_added(as_demo):
    """The routine form is no WTForms form: a 301-character title was a 500 on PostgreSQL (the operation checks
    it now; the guard at flush, tested below, stands behind every such path)."""
    client = as_demo("kaa.samordnare@lekeberg.example")
    agreement = db.session.scalars(select(Agreement)).first()
    draft = agreement.revisions[-1]
    appendix = draft.appendices[0]
    before = db.session.scalar(select(func.count()).select_from(Routine))
    url = f"/overenskommelser/{agreement.id}/revisioner/{draft.number}/bilagor/{appendix.id}/rutiner"
    response = client.post(url, data={"title": "x" * 301})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "300 tecken" in page
    assert db.session.scalar(select(func.count()).select_from(Routine)) == before
    assert client.post(url, data={"title": "x" * 300}).status_code == 302


def test_the_guard_at_flush_refuses_text_no_column_holds_and_rolls_back(app):
    db.session.add(Organisation(name="Kvar", code="kvar", kind="kommun", orgnr="212000-2981"))
    db.session.commit()
    db.session.add(Organisation(name="Ny", code="ny", kind="kommun", orgnr="212000-2981"))
    db.session.add(Organisation(name="x" * 201, code="lang", kind="kommun", orgnr="212000-2981"))
    with pytest.raises(RuleError) as refused:
        db.session.flush()
    assert (refused.value.field, str(refused.value)) == ("name", "Texten är för lång: högst 200 tecken.")
    db.session.commit()  # what a view does after showing the refusal: nothing of the request is saved
    assert db.session.scalars(select(Organisation.code)).all() == ["kvar"]
    kvar = db.session.scalars(select(Organisation)).one()
    kvar.name = "nul\x00"
    with pytest.raises(RuleError, match="nolltecken"):
        db.session.flush()


# --- what no page sends --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [[1, 2], 5, {"title": {"a": 1}, "parties": None}, {"title": 7}])
def test_a_json_body_posted_to_a_form_is_read_as_nothing_posted(as_demo, body):
    client = as_demo("kaa.samordnare@lekeberg.example")
    before = db.session.scalar(select(func.count()).select_from(Agreement))
    response = client.post("/overenskommelser/ny", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert _field_error(response, "Ange överenskommelsens titel.")
    assert db.session.scalar(select(func.count()).select_from(Agreement)) == before


def test_a_file_posted_for_a_text_field_is_no_text(as_demo):
    client = as_demo("ami.handlaggare@lekeberg.example")
    person = db.session.scalars(select(Person).order_by(Person.id)).first()
    response = client.post(f"/deltagare/{person.ref}/anteckning", content_type="multipart/form-data",
                           data={"category": "halsa", "text": (io.BytesIO(b"%PDF-1.4"), "anteckning.pdf")})
    assert response.status_code == 400
    assert _field_error(response, "Skriv anteckningen.")


def test_control_characters_typed_in_a_note_are_dropped_and_its_lines_kept(as_demo):
    client = as_demo("ami.handlaggare@lekeberg.example")
    person = db.session.scalars(select(Person).order_by(Person.id)).first()
    response = client.post(f"/deltagare/{person.ref}/anteckning",
                           data={"category": "halsa", "text": "Rad ett\x1b[2J\u202e\r\n\tRad två\x0bRad tre"})
    assert response.status_code == 302
    note = db.session.scalars(select(PersonNote).order_by(PersonNote.id.desc())).first()
    assert note.text == "Rad ett[2J\r\n\tRad två\nRad tre"


# --- uploaded file names -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("filename", "stored"), [
    ("kopia\r\nX-Evil: 1.pdf", "kopiaX-Evil 1.pdf"),
    ("kopia\x00.pdf", "kopia.pdf"),
    ("\u202efdp.exe", "fdp.exe"),
    ("\x1b[31mröd\x07.pdf", "[31mröd.pdf"),
])
def test_a_signed_copy_named_to_break_the_header_is_stored_and_sent_under_a_clean_name(as_demo, filename, stored):
    """Sent as filename*= (RFC 2231), a name reaches the portal with CR/LF or NUL in it. Stored as typed it made
    the download a 500 (werkzeug refuses a header with a line break) or the upload one (PostgreSQL and NUL)."""
    client = as_demo("kaa.samordnare@lekeberg.example")
    agreement = db.session.scalars(select(Agreement)).first()
    adopted = agreement.revisions[0]
    url = f"/overenskommelser/{agreement.id}/revisioner/{adopted.number}/underskriven-kopia"
    body, content_type = raw_multipart([("scan", (b"%PDF-1.4\n%%EOF\n", filename))])
    response = client.post(url, data=body, content_type=content_type)
    assert response.status_code == 302
    db.session.expire_all()
    assert adopted.scan_filename == stored
    download = client.get(url)
    assert download.status_code == 200
    kind, options = parse_options_header(download.headers["Content-Disposition"])
    assert (kind, options["filename"]) == ("attachment", stored)
    assert "X-Evil" not in download.headers


def test_a_consent_scan_keeps_a_readable_name_without_control_or_bidi_characters():
    from portal.people.consent import check_scan

    assert check_scan("Blankett\r\n Åsa\u202efdp.exe", b"%PDF-1.4\n") == ("application/pdf", "Blankett Åsafdp.pdf")
    assert check_scan("\x1b\x07.png", b"%PDF-1.4\n") == ("application/pdf", "samtycke.pdf")
