"""The half-year report's counts and the SCB rows on a known data set; the page, its chart and CSV by role."""
from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from kaa import operations as ops
from kaa import reports, scb
from kaa.reports import Period
from portal.db import db
from tests.kaa.helpers import enrol

H1 = Period(2025, 1)


def _on(day: date) -> int:
    """`ago` for a fixed day."""
    from portal.clock import today

    return (today() - day).days


@pytest.fixture
def known(make_user):
    """Five enrolments in Lekeberg with a known first half of 2025 (and one from the half-year before)."""
    ami = make_user(org="ami")
    born = date(2007, 5, 5)  # 17–18 in 2025, not 20 before 2027
    a = enrol(ami, first="A", birth=born, ago=_on(date(2025, 2, 1)), source="avbrott_nationellt")
    ops.record_contact(a, by=None, contact_on=date(2025, 2, 3), channel="telefon", outcome="kontakt_etablerad",
                       with_whom="ungdomen")
    ops.add_measure(a, by=None, content="Praktik", offered_on=date(2025, 2, 3), answer="ja",
                    start_on=date(2025, 3, 1))
    b = enrol(ami, first="B", birth=born, ago=_on(date(2025, 3, 1)), source="studiebevis", occupation="studier")
    ops.add_measure(b, by=None, content="SYV", offered_on=date(2025, 3, 2), answer="nej")
    ops.record_contact(b, by=None, contact_on=date(2025, 3, 2), channel="sms", outcome="kontakt_etablerad",
                       with_whom="ungdomen", declined=True)
    c = enrol(ami, first="C", birth=born, ago=_on(date(2024, 10, 1)), source="inflyttad", occupation="arbete")
    ops.record_contact(c, by=None, contact_on=date(2024, 10, 2), channel="brev", outcome="kontakt_etablerad",
                       with_whom="ungdomen")
    ops.record_contact(c, by=None, contact_on=date(2025, 4, 2), channel="brev", outcome="ej_svar",
                       with_whom="ungdomen")
    ops.deregister(c, by=None, reason="flyttat", on=date(2025, 5, 1))
    d = enrol(ami, first="D", birth=born, ago=_on(date(2024, 8, 1)), source="annat")
    ops.deregister(d, by=None, reason="nationellt_program", on=date(2024, 12, 1))  # before H1: not counted
    e = enrol(ami, first="E", birth=born, ago=_on(date(2025, 8, 1)), source="annat")  # after H1: not counted
    db.session.commit()
    return {"a": a, "b": b, "c": c, "d": d, "e": e}


def test_the_half_year_counts(known):
    figures = reports.figures("1814", H1)
    assert figures.counts == {"registered": 3, "new": 2, "reached": 2, "in_measure": 1, "studies": 1, "work": 1,
                              "declined": 1, "deregistered": 1}
    assert figures.by_reason["flyttat"] == 1 and figures.by_reason["nationellt_program"] == 0
    before = reports.figures("1814", H1.previous())
    assert before.period == Period(2024, 2)
    assert before.counts["registered"] == 2 and before.counts["reached"] == 1 and before.by_reason[
        "nationellt_program"] == 1


def test_the_scb_rows(known):
    numbers = {e.person_id: e.person.id_number for e in known.values()}
    rows = {r[0]: r for r in reports.scb_rows("1814", H1, numbers)}
    assert len(rows) == 3
    a, b, c = (rows[known[k].person.id_number] for k in "abc")
    assert dict(zip(scb.COLUMNS, a, strict=True)) == {
        "Personnummer": known["a"].person.id_number, "Kommunkod": "1814", "Period": "2025-1",
        "Registreringsorsak": "1", "Registreringsdatum": "2025-02-01", "KontaktEtablerad": "J", "Insats": "J",
        "AvbojtForstaErbjudande": "N", "Avregistreringsorsak": "", "Avregistreringsdatum": ""}
    assert b[5:8] == ["J", "N", "J"]  # reached, no measure taken, declined the first offer
    assert c[5] == "N" and c[8:] == ["4", "2025-05-01"]  # no contact in the period; moved


def test_periods():
    assert Period.of(date(2026, 6, 30)) == Period(2026, 1) and Period.of(date(2026, 7, 1)) == Period(2026, 2)
    assert Period.parse("2026-2") == Period(2026, 2) and Period.parse("2026-3") is None
    assert Period.parse("x") is None and Period(2026, 2).previous() == Period(2026, 1)


def test_the_report_page_shows_counts_chart_and_csv_to_the_steering_group(client, login_as, known):
    login_as(org="kommun", roles=("styrgrupp",))
    page = client.get("/kaa/rapport?period=2025-1")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and '<svg xmlns="http://www.w3.org/2000/svg" role="img"' in html
    assert "Nådda (kontakt etablerad)" in html and "1 juli–31 december 2024" in html
    assert "A Lind" not in html and known["a"].person.id_number not in html  # counts only
    assert "scb.csv" not in html  # the steering group gets counts, not the personnummer file
    data = client.get("/kaa/rapport.csv?period=2025-1")
    rows = list(csv.reader(io.StringIO(data.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert rows[0][1:] == ["1 januari–30 juni 2025", "1 juli–31 december 2024"]
    assert ["Inskrivna under perioden", "3", "2"] in rows
    assert client.get("/kaa/rapport/scb.csv?period=2025-1").status_code == 403
    assert client.get("/kaa/rapport?period=2025-9").status_code == 404


def test_the_scb_export_is_for_the_kommuns_kaa_staff(client, login_as, known):
    login_as(org="kommun", roles=("samordnare",))
    data = client.get("/kaa/rapport/scb.csv?period=2025-1")
    lines = data.get_data(as_text=True).splitlines()
    assert data.status_code == 200 and lines[0] == ";".join(scb.COLUMNS) and len(lines) == 4
    assert "attachment" in data.headers["Content-Disposition"]


@pytest.mark.parametrize("org, roles", [("af", ("styrgrupp",)), ("skola", ("samordnare",)),
                                        ("kommun", ("handlaggare",))])
def test_others_get_no_report(client, login_as, org, roles):
    login_as(org=org, roles=roles)
    assert client.get("/kaa/rapport").status_code == 403


def test_an_occupation_begun_after_a_half_year_does_not_count_in_it(known):
    """A occupied since a day after H1 (a job found later) is not "I arbete" in H1's figures, only in later ones."""
    ops.change_occupation(known["a"], by=None, occupation="arbete", since=date(2025, 9, 1))
    db.session.commit()
    assert reports.figures("1814", H1).counts["work"] == 1  # C only, as before
    assert reports.figures("1814", Period(2025, 2)).counts["work"] == 1  # A now (C left in May)
