"""Control characters and numbers no column holds: refused or cleaned when typed, harmless when already stored."""
from __future__ import annotations

import io
import json
import re
from datetime import date
from decimal import Decimal

import pytest
from docx import Document
from sqlalchemy import String, Text, select, text

from agreements import goals
from agreements.models import Goal, Measurement
from portal.db import db
from tests.agreements.helpers import url
from tests.helpers import count_events

#: What python-docx refuses, and the rest of the controls nobody types on purpose (tab and new lines are text).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    parts += [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def _download(client, agreement, number) -> str:
    response = client.get(url(agreement, number, "/dokument.docx"))
    assert response.status_code == 200
    return _text(response.data)


def _stored_control_characters() -> list:
    """(table, column, value) of every agreement text holding a control character."""
    found = []
    for table in db.metadata.sorted_tables:
        if not table.name.startswith("agreement"):
            continue
        for column in table.columns:
            if isinstance(column.type, String | Text):
                found += [(table.name, column.name, value) for value in db.session.scalars(select(column))
                          if value and CONTROL.search(value)]
    return found


def _ok(response):
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]  # 303 is a refusal
    return response


def test_control_characters_typed_anywhere_in_the_area_are_dropped_and_every_document_is_written(
        lekeberg, client, login_as, make_user, login, orgs):
    """Pasted from Word: line breaks (\\x0b) become new lines or spaces, the rest goes (NUL is refused by the
    portal for every request already)."""
    login_as(org="kommun", roles=("samordnare",))
    _ok(client.post("/overenskommelser/ny", data={"title": "Ny\x0b överenskommelse\x04", "diarienummer": "KS\x01 1",
                                                  "parties": [str(orgs["kommun"].id), str(orgs["af"].id)]}))
    _ok(client.post(url(lekeberg, None, "/personer"), data={
        "person-party": str(lekeberg.parties[0].id), "person-name": "Eva\x1b Ny", "person-title": "chef\x0c"}))
    _ok(client.post(url(lekeberg, 2, "/avsnitt"), data={"ny-title": "Nytt\x05 avsnitt"}))
    draft = lekeberg.revisions[1]
    section, added, appendix = draft.sections[0], draft.sections[-1], draft.appendices[0]
    routine = appendix.routines[0]
    _ok(client.post(url(lekeberg, 2, "/redigera"), data={
        "version": str(draft.version), "place": "Fjugesta\x1f", "change_summary": "Ändrat\x0cavsnitt",
        f"section-{added.id}-body": "Text\x1d i det nya avsnittet",
        "signatories": "Per\x03 Persson, chef, Lekebergs kommun\nSara\x7f Axén, sektionschef, Arbetsförmedlingen",
        f"section-{section.id}-title": "Syfte\x07", f"section-{section.id}-body": "Rad ett\x0brad två\x01.\tSlut",
        f"appendix-{appendix.id}-title": "Rutiner\x0b", f"appendix-{appendix.id}-number": "1\x06",
        f"routine-{routine.id}-steps": "SYV\x02 | Första\x0b steget"}))
    _ok(client.post(url(lekeberg, 2, "/bilagor"), data={"bilaga-number": "5\x06", "bilaga-title": "Bilaga\x0b fem"}))
    _ok(client.post(url(lekeberg, 2, f"/bilagor/{appendix.id}/rutiner"), data={"title": "Rutin\x08 för mötet"}))
    _ok(client.post(url(lekeberg, None, "/mal/nytt"), data={
        "indicator": "Arbetslöshet\x0bbland\x01 unga", "target_type": "value", "unit": "%\x0b", "baseline_value": "9,5",
        "baseline_date": "2017-01-01", "target_value": "8", "target_date": "2018-12-31",
        "description": "Målet\x0csom det står\x04."}))
    milestone = next(g for g in lekeberg.goals if g.target_type == "milestone")
    _ok(client.post(url(lekeberg, None, f"/mal/{milestone.id}/avbockning"),
                    data={"d-achieved_on": "2017-05-01", "d-note": "Klart\x0b i tid"}))
    written = _download(client, lekeberg, 2)
    assert "Rad ett\nrad två." in written and "Arbetslöshet bland unga" in written and "Per Persson" in written
    # one step per line: a line break pasted into the steps makes the next step
    assert "Steg 1: Första Ansvarig: SYV." in written and "Steg 2: steget" in written
    assert "Bilaga 5 Bilaga fem" in written
    _ok(client.post(url(lekeberg, 2, "/foresla")))
    client.post("/logga-ut")
    login(make_user(org="af", roles=("styrgrupp",)))
    _ok(client.post(url(lekeberg, 2, "/kommentarer"), data={"body": "Bra\x01 förslag\x0bmed en rad till"}))
    _ok(client.post(url(lekeberg, 2, "/anta"), data={"adopted_on": "2018-01-15"}))
    assert "Arbetslöshet bland unga" in _download(client, lekeberg, 2)
    assert _stored_control_characters() == []
    db.session.expire_all()
    assert lekeberg.revisions[1].sections[0].title == "Syfte"
    assert lekeberg.revisions[1].comments[0].body == "Bra förslag\nmed en rad till"


def test_control_characters_already_stored_do_not_stop_a_download(lekeberg, client, login_as):
    adopted, draft = lekeberg.revisions
    db.session.delete(adopted.adopted_document)  # so the adopted one is written from the stored text too
    for revision in (adopted, draft):
        revision.sections[0].title += "\x0b"
        revision.sections[1].body = "Före\x0bEfter\x04 och\x1f mer"
        revision.appendices[0].routines[0].steps[0].text += "\x01"
        revision.signatories[0].name += "\x02"
        revision.place = "Fjugesta\x0c"
    adopted.goal_links[0].frozen = adopted.goal_links[0].frozen.replace('"indicator": "', '"indicator": "\\u000b')
    lekeberg.goals[0].indicator += "\x1e"
    lekeberg.title += "\x03"
    db.session.commit()
    login_as(org="ami", roles=("samordnare",))
    for number in (1, 2):
        written = _download(client, lekeberg, number)
        assert "Före\nEfter och mer" in written
    for page in (url(lekeberg), url(lekeberg, 1), url(lekeberg, None, f"/mal/{lekeberg.goals[0].id}")):
        assert client.get(page).status_code == 200, page


@pytest.mark.parametrize("typed", ["1e999999", "inf", "-Infinity", "NaN", "10000000000", "-1e10", "sNaN"])
def test_a_goal_figure_no_column_holds_is_refused_beside_the_field(lekeberg, client, login_as, typed):
    login_as(org="kommun", roles=("samordnare",))
    goal = lekeberg.goals[0]
    goal_count, measured_before = len(lekeberg.goals), count_events("agreement.goal.measure")
    form = {"indicator": "Ny", "target_type": "value", "unit": "%", "baseline_value": typed,
            "baseline_date": "2017-01-01", "target_value": typed, "target_date": "2018-12-31"}
    for page in (url(lekeberg, None, "/mal/nytt"), url(lekeberg, None, f"/mal/{goal.id}/andra")):
        refused = client.post(page, data=form)
        html = refused.get_data(as_text=True)
        assert refused.status_code == 400
        for field in ("baseline_value", "target_value"):
            beside = html.split(f'id="{field}-fel"', 1)[1].split("</p>", 1)[0]
            assert "för stort" in beside or "inte ett tal" in beside
    measured = client.post(url(lekeberg, None, f"/mal/{goal.id}/matvarden"),
                           data={"m-measured_on": "2018-06-30", "m-value": typed})
    assert measured.status_code == 400 and 'id="m-value-fel"' in measured.get_data(as_text=True)
    csv = client.post(url(lekeberg, None, f"/mal/{goal.id}/csv"), data={
        "csv-file": (io.BytesIO(f"datum;värde\n2018-03-31;9,2\n2018-06-30;{typed}\n".encode()), "v.csv")})
    assert csv.status_code == 400 and "Rad 3" in csv.get_data(as_text=True)
    db.session.expire_all()
    assert len(lekeberg.goals) == goal_count and lekeberg.goals[0].indicator != "Ny"
    assert count_events("agreement.goal.measure") == measured_before
    assert all(goals.usable(m.value) is not None for m in lekeberg.goals[0].measurements)


def test_the_largest_figures_the_column_holds_are_kept(lekeberg, client, login_as):
    login_as(org="kommun", roles=("samordnare",))
    goal = lekeberg.goals[0]
    for typed, stored in (("9 999 999 999,9999", Decimal("9999999999.9999")), ("-9999999999", Decimal(-9999999999)),
                          ("1e-999999", Decimal(0)), ("1e5", Decimal(100000))):
        assert client.post(url(lekeberg, None, f"/mal/{goal.id}/matvarden"),
                           data={"m-measured_on": "2018-06-30", "m-value": typed}).status_code == 302, typed
        db.session.expire_all()
        assert db.session.scalars(select(Measurement.value).where(Measurement.goal_id == goal.id,
                                                                  Measurement.measured_on == date(2018, 6, 30))
                                  ).one() == stored
    assert "100\xa0000,0 %" in client.get(url(lekeberg, None, f"/mal/{goal.id}")).get_data(as_text=True)


def test_an_order_no_column_holds_is_refused_beside_its_field(lekeberg, client, login_as):
    login_as(org="kommun", roles=("samordnare",))
    draft = lekeberg.revisions[1]
    section, appendix = draft.sections[0], draft.appendices[0]
    before = [(s.position, s.title) for s in draft.sections]
    refused = client.post(url(lekeberg, 2, "/redigera"), data={
        "version": str(draft.version), f"section-{section.id}-position": "99999999999999999999",
        f"section-{section.id}-title": "Ny rubrik", f"appendix-{appendix.id}-position": "²"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    for field in (f"section-{section.id}-position", f"appendix-{appendix.id}-position"):
        assert f'id="{field}-fel"' in html and f'aria-describedby="{field}-fel"' in html
        assert "heltal från 0 till 9999" in html.split(f'id="{field}-fel"', 1)[1].split("</p>", 1)[0]
    assert '>Ny rubrik</textarea>' in html  # what was typed stays
    db.session.expire_all()
    assert [(s.position, s.title) for s in draft.sections] == before


def test_figures_already_stored_beyond_the_column_do_not_break_the_pages(lekeberg, client, login_as):
    goal = lekeberg.goals[0]
    broken = "'NaN'" if db.engine.dialect.name == "postgresql" else "1e999"
    huge = "'NaN'" if db.engine.dialect.name == "postgresql" else "9e300"
    db.session.execute(text(f"UPDATE agreement_goals SET baseline_value = {broken}, target_value = {huge}, "
                            f"decimals = 2147483647 WHERE id = {goal.id}"))
    db.session.execute(text("UPDATE agreement_goals SET decimals = -5 WHERE id <> :g"), {"g": goal.id})
    adopted = lekeberg.revisions[0]
    db.session.delete(adopted.adopted_document)  # written again from the frozen goals below
    link = next(link for link in adopted.goal_links if link.goal_id == goal.id)
    link.frozen = json.dumps({**json.loads(link.frozen), "baseline_value": "Infinity", "decimals": 10 ** 9})
    db.session.execute(text(f"UPDATE agreement_goal_measurements SET value = {huge} WHERE goal_id = {goal.id}"))
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Goal, goal.id)
    assert goals.usable(stored.baseline_value) is None  # the database really holds a figure nobody can use
    login_as(org="kommun", roles=("samordnare",))
    for page in (url(lekeberg), url(lekeberg, 1), url(lekeberg, 2), url(lekeberg, None, f"/mal/{goal.id}"),
                 url(lekeberg, None, f"/mal/{goal.id}/andra")):
        response = client.get(page)
        assert response.status_code == 200, page
    assert "ogiltigt värde" in client.get(url(lekeberg, None, f"/mal/{goal.id}")).get_data(as_text=True)
    assert "ogiltigt värde" in _download(client, lekeberg, 2)  # a draft shows the goals as they are now
    assert "ogiltigt värde" in _download(client, lekeberg, 1)  # an adopted one as they were frozen
