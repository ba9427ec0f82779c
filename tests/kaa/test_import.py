"""Import of a CSV list: Windows-1252 or UTF-8, `;` or `,`, every bad row reported with its reason, nothing
half-imported, and files that are no CSV, have the wrong header or are too large refused whole."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from kaa import imports
from kaa.imports import ImportRefused
from kaa.models import KaaEnrolment
from portal.db import db
from portal.people.identity import add_years
from portal.people.models import Person, PersonLink
from tests.kaa.helpers import enrol, number
from tests.people import factories as f
from tests.people.factories import born

HEADER = "personnummer;förnamn;efternamn;adress;postnummer;ort;skola;program"


def _enrolled() -> int:
    return db.session.scalar(select(func.count(KaaEnrolment.id)))


def test_a_messy_windows_1252_file_with_every_kind_of_bad_row(make_user, orgs):
    ami = make_user(org="ami")
    already = enrol(ami, first="Redan", last="Inskriven")
    school = make_user(org="skola")
    elsewhere = f.person(school, first="Skolans", last="Elev", birth=born(17))
    good, dup = number(born(17)), number(born(18))
    rows = [
        HEADER,
        f"{good};Åsa;Öberg;Storgatan 1;716 31;Fjugesta;Lekebergsskolan;IMA",
        f"{dup};Bo;Ek;;;;;",
        f"{dup};Bo;Ek igen;;;;;",
        "20090231-1234;Fel;Nummer;;;;;",
        f"{number(add_years(born(20), -1))};Gammal;Nog;;;;;",
        f"{number(born(15))};För;Ung;;;;;",
        f"{already.person.number_display};Redan;Inskriven;;;;;",
        f"{elsewhere.number_display};Egen;Stavning;;;;;",
        f"{number(born(17))};För;Få fält",
        "",
    ]
    report = imports.run_import("\r\n".join(rows).encode("cp1252"), by=ami, source="introduktionsprogram")
    db.session.commit()
    by_line = {r.line: r for r in report.rows}
    assert by_line[2].status == "registered" and by_line[2].name == "Åsa Öberg"
    assert by_line[3].status == "registered"
    assert by_line[4].status == "refused" and "Dubblett av rad 3" in by_line[4].message
    assert "Ogiltigt personnummer" in by_line[5].message
    assert "fyllt 20" in by_line[6].message
    assert "under 16" in by_line[7].message
    assert by_line[8].status == "already"
    assert by_line[9].status == "registered"  # known elsewhere: registered as typed, nothing revealed
    assert "fel antal fält" in by_line[10].message
    assert len(report.rows) == 9 and report.count("registered") == 3 and report.count("refused") == 5
    # The school's identity of its pupil is unchanged; AMI holds its own spelling.
    db.session.expire_all()
    kept = db.session.get(Person, elsewhere.id)
    assert (kept.first_name, kept.last_name) == ("Skolans", "Elev")
    link = db.session.scalar(select(PersonLink).where(PersonLink.person_id == elsewhere.id,
                                                      PersonLink.organisation_id == orgs["ami"].id))
    assert (link.first_name, link.last_name) == ("Egen", "Stavning")


def test_the_kommuns_own_address_of_someone_it_holds_is_updated_from_the_file(make_user, orgs):
    ami = make_user(org="ami")
    enrolment = enrol(ami, address="Gamla vägen 1", city="Fjugesta")
    data = f"{HEADER}\n{enrolment.person.number_display};Nora;Lind;Nya vägen 2;716 31;Fjugesta;;\n".encode()
    report = imports.run_import(data, by=ami)
    db.session.commit()
    assert [r.status for r in report.rows] == ["already"]
    from portal.people.models import ContactDetails

    row = db.session.scalar(select(ContactDetails).where(ContactDetails.person_id == enrolment.person_id,
                                                         ContactDetails.organisation_id == orgs["ami"].id))
    assert (row.address, row.postal_code) == ("Nya vägen 2", "716 31")


def test_utf8_with_commas_and_a_name_column(make_user):
    ami = make_user(org="ami")
    data = f"\ufeffPersonnummer,Namn,Adress\n{number(born(17))},Vera Sjöberg,Kyrkvägen 4\n".encode()
    report = imports.run_import(data, by=ami)
    assert [r.status for r in report.rows] == ["registered"] and report.rows[0].name == "Vera Sjöberg"


@pytest.mark.parametrize("data, message", [
    (b"namn;adress\nA;B\n", "Fel rubrikrad"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "ingen CSV-fil"),
    (b"", "tom"),
    ("personnummer;förnamn;efternamn\n\"osluten;A;B\n".encode(), None),
])
def test_files_refused_whole_import_nothing(make_user, data, message):
    ami = make_user(org="ami")
    before = _enrolled()
    if message is None:  # an unclosed quote reads as one field: the row is reported, not dropped
        report = imports.run_import(data, by=ami)
        assert [r.status for r in report.rows] == ["refused"]
        return
    with pytest.raises(ImportRefused) as exc:
        imports.run_import(data, by=ami)
    assert message in str(exc.value) and exc.value.field == "file"
    assert _enrolled() == before


def test_a_file_over_the_limit_is_refused(app, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "KAA_IMPORT_MAX_BYTES", 1000)
    with pytest.raises(ImportRefused) as exc:
        imports.run_import((HEADER + "\n" + "x;y;z\n" * 300).encode(), by=make_user(org="ami"))
    assert "för stor" in str(exc.value)


def test_only_kaa_staff_import(make_user):
    from portal.errors import NotPermitted

    with pytest.raises(NotPermitted):
        imports.run_import(HEADER.encode(), by=make_user(org="ifo"))


def test_the_import_page_reports_row_by_row_and_refuses_a_wrong_file_beside_the_field(client, login_as):
    login_as(org="ami")
    good = number(born(17))
    page = client.post("/kaa/inlasning", data={
        "source": "annat", "file": (io.BytesIO(f"{HEADER}\n{good};Åsa;Öberg;;;;;\nfel;A;B;;;;;\n".encode("cp1252")),
                                    "lista.csv")}, content_type="multipart/form-data")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Inskrivna: 1" in html and "Ogiltigt personnummer" in html
    page = client.post("/kaa/inlasning", data={"source": "annat", "file": (io.BytesIO(b"a;b\n1;2\n"), "x.csv")},
                       content_type="multipart/form-data")
    assert page.status_code == 400 and "Fel rubrikrad" in page.get_data(as_text=True)
    page = client.post("/kaa/inlasning", data={"source": "annat"}, content_type="multipart/form-data")
    assert page.status_code == 400 and "Välj en fil" in page.get_data(as_text=True)


def test_five_thousand_rows_in_one_go(make_user, count_queries):
    """Bulk: a few statements per row, no queries per row (its speed is for `make bench`: about 0.5 s on SQLite)."""
    ami = make_user(org="ami")
    lines = [HEADER] + [f"{f.pnr(born(17, -(i // 900)), str(100 + i % 900))};Förnamn{i};Efternamn;;;;;"
                        for i in range(5000)]
    with count_queries() as counted:
        report = imports.run_import("\n".join(lines).encode("cp1252"), by=ami)
        db.session.commit()
    assert report.count("registered") == 5000 and _enrolled() == 5000
    assert counted[0] < 4 * 5000
