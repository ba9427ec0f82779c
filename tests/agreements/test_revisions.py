"""Revision state machine, one open draft, immutability, stale saves and bad input on the edit page."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from agreements import adoption
from agreements import draft_operations as drafts
from agreements import goal_operations as goal_ops
from agreements import operations as ops
from agreements.models import Revision
from portal.db import db
from tests.agreements.helpers import url


def test_demo_agreement_is_entered_in_full(lekeberg):
    first, draft = lekeberg.revisions
    assert (first.state, first.adopted_on) == ("adopted", date(2016, 12, 19))
    assert (first.valid_from, first.valid_to) == (date(2016, 12, 31), date(2017, 12, 31))
    assert [p.orgnr for p in lekeberg.parties] == ["212000-2981", "202100-2114"]
    assert draft.state == "draft" and draft.number == 2
    assert [s.title for s in first.sections][:3] == ["Syfte", "Mål", "Målgrupp"]
    routines = {r.key: len(r.steps) for a in first.appendices for r in a.routines}
    assert routines == {"utbildningskontrakt": 7, "traineejobb": 7, "syv": 5}
    assert [a.number for a in first.appendices] == ["1", "2", "3"]
    assert len(first.signatories) == 4
    bilaga2 = first.appendices[1].body
    assert "29 kap. 9 Skollagen (2010:800)" in bilaga2 and "Svar på utvärderingsfrågor oktober 2016" in bilaga2


def test_state_machine_draft_proposed_adopted(lekeberg, make_user):
    draft = lekeberg.revisions[1]
    coordinator = make_user(roles=("samordnare",))
    adopter = make_user(roles=("styrgrupp",))
    af_member = make_user(org="af", roles=("styrgrupp",))
    with pytest.raises(ops.AgreementError, match="måste föreslås"):
        adoption.adopt(draft, adopted_on=date(2018, 1, 10), confirm_expired=True, by=adopter)
    ops.propose(draft, by=coordinator)
    assert draft.is_proposed and draft.proposed_by_id == coordinator.id
    with pytest.raises(ops.AgreementError, match="föreslagen"):
        ops.propose(draft, by=coordinator)
    ops.withdraw_proposal(draft, by=coordinator)
    assert draft.is_draft
    ops.propose(draft, by=coordinator)
    adoption.adopt(draft, adopted_on=date(2018, 1, 8), confirm_expired=True, by=af_member)
    assert draft.is_proposed  # one party of two
    with pytest.raises(ops.AgreementError, match="Arbetsförmedlingen Hallsberg har redan godkänt revision 2"):
        adoption.adopt(draft, adopted_on=date(2018, 1, 8), confirm_expired=True, by=af_member)
    adoption.adopt(draft, adopted_on=date(2018, 1, 10), confirm_expired=True, by=adopter)
    assert (draft.state, draft.adopted_by_id, draft.adopted_on) == ("adopted", adopter.id, date(2018, 1, 10))
    assert all(s.signed_on == date(2018, 1, 10) for s in draft.signatories)
    assert lekeberg.revisions[0].replaced_by is draft and draft.replaced_by is None
    with pytest.raises(ops.AgreementError, match="redan antagen"):
        adoption.adopt(draft, adopted_on=date(2018, 1, 10), confirm_expired=True, by=adopter)
    with pytest.raises(ops.AgreementError, match="Bara en föreslagen"):
        ops.withdraw_proposal(draft, by=coordinator)


def test_adopted_revision_is_immutable(lekeberg):
    adopted = lekeberg.revisions[0]
    with pytest.raises(ops.AgreementError, match="antagen och kan inte ändras"):
        drafts.save_draft(adopted, expected_version=adopted.version, valid_from=None, valid_to=None,
                          next_revision_due=None, place=None, change_summary=None, sections=[], by=None)
    with pytest.raises(ops.AgreementError, match="antagen och kan inte ändras"):
        drafts.add_section(adopted, title="Nytt", by=None)
    with pytest.raises(ops.AgreementError, match="antagen och kan inte ändras"):
        drafts.remove_section(adopted, adopted.sections[0], by=None)


def test_only_one_open_draft(lekeberg):
    with pytest.raises(ops.AgreementError, match="redan ett öppet utkast"):
        ops.new_revision(lekeberg, by=None)


def test_new_revision_copies_latest_adopted(lekeberg):
    draft = lekeberg.revisions[1]
    ops.propose(draft, by=None)
    adoption.adopt(draft, adopted_on=date(2018, 1, 10), by=None)
    third = ops.new_revision(lekeberg, by=None)
    assert third.number == 3 and third.based_on_id == draft.id
    assert [(s.title, s.body) for s in third.sections] == [(s.title, s.body) for s in draft.sections]
    assert [len(r.steps) for a in third.appendices for r in a.routines] == [7, 7, 5]


def test_adoption_freezes_goals_and_values_keep_coming(lekeberg):
    first, draft = lekeberg.revisions
    goal = first.goal_links[0].goal
    frozen = json.loads(first.goal_links[0].frozen)
    assert frozen["indicator"] == goal.indicator and frozen["baseline_value"].startswith("10")
    before = len(goal.measurements)
    goal_ops.record_measurement(goal, measured_on=date(2017, 9, 30), value=Decimal("8.1"), by=None)
    goal.indicator = "Ny formulering"
    db.session.commit()
    assert json.loads(first.goal_links[0].frozen)["indicator"] == frozen["indicator"]
    assert len(goal.measurements) == before + 1
    # the draft refers to the same goal, so it sees the same measured values
    assert draft.goal_links[0].goal.measurements[-1].value == goal.measurements[-1].value


def _edit_form(client, agreement, number):
    html = client.get(url(agreement, number, "/redigera")).get_data(as_text=True)
    rev = db.session.scalars(db.select(Revision).filter_by(agreement_id=agreement.id, number=number)).one()
    data = {"version": str(rev.version), "valid_from": "2017-12-31", "valid_to": "2018-12-31",
            "place": "Fjugesta", "signatories": "Per Gustafsson, enhetschef, Lekebergs kommun"}
    for s in rev.sections:
        data[f"section-{s.id}-title"] = s.title
        data[f"section-{s.id}-body"] = s.body
        data[f"section-{s.id}-position"] = str(s.position)
    return html, rev, data


def test_edit_saves_draft(lekeberg, client, login_as):
    login_as(org="kommun", roles=("samordnare",))
    _html, rev, data = _edit_form(client, lekeberg, 2)
    syfte = rev.sections[0]
    data[f"section-{syfte.id}-body"] = "Ett nytt syfte."
    response = client.post(url(lekeberg, 2, "/redigera"), data=data)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(syfte), syfte.id).body == "Ett nytt syfte."


def test_stale_save_is_refused_with_both_versions(lekeberg, client, login_as):
    login_as(org="kommun", roles=("samordnare",))
    _html, rev, data = _edit_form(client, lekeberg, 2)
    syfte = rev.sections[0]
    # someone else saves first
    drafts.save_draft(rev, expected_version=rev.version, valid_from=rev.valid_from, valid_to=rev.valid_to,
                      next_revision_due=None, place="Fjugesta", change_summary=None,
                      sections=[drafts.SectionInput(syfte.id, syfte.title, "Kollegans text.", 0)], by=None)
    db.session.commit()
    data[f"section-{syfte.id}-body"] = "Min text."
    response = client.post(url(lekeberg, 2, "/redigera"), data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "ändrats av någon annan" in html
    assert "Min text." in html and "Kollegans text." in html
    db.session.expire_all()
    assert db.session.get(type(syfte), syfte.id).body == "Kollegans text."


def test_valid_to_before_valid_from_keeps_what_was_typed(lekeberg, client, login_as):
    login_as(org="kommun", roles=("samordnare",))
    _html, rev, data = _edit_form(client, lekeberg, 2)
    data.update(valid_from="2018-12-31", valid_to="2018-01-01")
    data[f"section-{rev.sections[0].id}-body"] = "Inskriven text som inte får försvinna."
    response = client.post(url(lekeberg, 2, "/redigera"), data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "kan inte vara före startdatumet" in html
    assert "Inskriven text som inte får försvinna." in html and 'value="2018-01-01"' in html


def test_bad_date_gets_swedish_message(lekeberg, client, login_as):
    login_as(org="kommun", roles=("samordnare",))
    _html, _rev, data = _edit_form(client, lekeberg, 2)
    data["valid_to"] = "31/12 2018"
    response = client.post(url(lekeberg, 2, "/redigera"), data=data)
    assert response.status_code == 400
    assert "ÅÅÅÅ-MM-DD" in response.get_data(as_text=True)


def test_editing_an_adopted_revision_is_refused_in_the_browser(lekeberg, client, login_as):
    login_as(org="kommun", roles=("samordnare",))
    first = lekeberg.revisions[0]
    body = first.sections[0].body
    response = client.post(url(lekeberg, 1, "/redigera"), data={"version": str(first.version)},
                           follow_redirects=True)
    assert response.status_code == 200
    assert "inte ett utkast" in response.get_data(as_text=True)
    db.session.expire_all()
    assert lekeberg.revisions[0].sections[0].body == body


def test_second_draft_via_browser_gets_message(lekeberg, client, login_as):
    login_as(org="kommun", roles=("samordnare",))
    response = client.post(url(lekeberg, None, "/revisioner/ny"), follow_redirects=True)
    assert "redan ett öppet utkast" in response.get_data(as_text=True)
    assert len(lekeberg.revisions) == 2


def _follow(client, response) -> str:
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_propose_adopt_and_comment_through_the_pages(lekeberg, client, make_user, login):

    coordinator = make_user(org="ami", roles=("samordnare",))
    login(coordinator)
    assert client.post(url(lekeberg, 2, "/foresla")).status_code == 302
    client.post("/logga-ut")
    member = make_user(org="af", roles=("styrgrupp",))
    login(member)
    response = client.post(url(lekeberg, 2, "/kommentarer"), data={"body": ""})
    assert response.status_code == 400 and "Skriv en kommentar" in response.get_data(as_text=True)
    assert client.post(url(lekeberg, 2, "/kommentarer"), data={"body": "Bra förslag."}).status_code == 302
    response = client.post(url(lekeberg, 2, "/anta"), data={"adopted_on": "2099-01-01"})
    assert response.status_code == 400 and "framtiden" in response.get_data(as_text=True)
    response = client.post(url(lekeberg, 2, "/anta"), data={"adopted_on": "2018-01-15"})
    assert response.status_code == 400 and "giltighetstid gick ut 2018-12-31" in response.get_data(as_text=True)
    response = client.post(url(lekeberg, 2, "/anta"), data={"adopted_on": "2018-01-15", "confirm_expired": "y"})
    assert "Den antas när även Lekebergs kommun har godkänt den" in _follow(client, response)
    db.session.expire_all()
    rev = lekeberg.revisions[1]
    assert rev.state == "proposed" and rev.comments[0].body == "Bra förslag."
    client.post("/logga-ut")
    kommun_member = make_user(org="ami", roles=("styrgrupp",))  # a unit's member approves for its kommun
    login(kommun_member)
    response = client.post(url(lekeberg, 2, "/anta"), data={"adopted_on": "2018-01-20", "confirm_expired": "y"})
    assert "är antagen av alla parter" in _follow(client, response)
    db.session.expire_all()
    rev = lekeberg.revisions[1]
    assert (rev.state, rev.adopted_by_id, rev.adopted_on) == ("adopted", kommun_member.id, date(2018, 1, 20))
    assert [(a.party.name, a.kind, a.by_id) for a in rev.approvals] == [
        ("Arbetsförmedlingen Hallsberg", "member", member.id), ("Lekebergs kommun", "member", kommun_member.id)]
    assert "Ersatt" in client.get(url(lekeberg, 1)).get_data(as_text=True)


def test_signed_scan_upload(lekeberg, client, login_as):
    import io

    login_as(org="af", roles=("styrgrupp",))
    bad = client.post(url(lekeberg, 1, "/underskriven-kopia"),
                      data={"scan": (io.BytesIO(b"hello"), "x.txt")}, follow_redirects=True)
    assert "PDF, JPEG eller PNG" in bad.get_data(as_text=True)
    ok = client.post(url(lekeberg, 1, "/underskriven-kopia"),
                     data={"scan": (io.BytesIO(b"%PDF-1.4 test"), "signerad.pdf")})
    assert ok.status_code == 302
    download = client.get(url(lekeberg, 1, "/underskriven-kopia"))
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    draft_upload = client.post(url(lekeberg, 2, "/underskriven-kopia"),
                               data={"scan": (io.BytesIO(b"%PDF-1.4"), "x.pdf")}, follow_redirects=True)
    assert "bara laddas upp till en antagen" in draft_upload.get_data(as_text=True)


def test_new_agreement_from_template(client, login_as, orgs):
    login_as(org="kommun", roles=("samordnare",))
    bad = client.post("/overenskommelser/ny", data={"title": "Ny ÖK", "parties": [str(orgs["kommun"].id)],
                                                   "valid_from": "2020-01-01", "valid_to": "2019-01-01"})
    assert bad.status_code == 400 and "minst två parter" in bad.get_data(as_text=True)
    ok = client.post("/overenskommelser/ny", data={"title": "Ny ÖK", "diarienummer": "KS 1",
                                                  "parties": [str(orgs["kommun"].id), str(orgs["af"].id)]})
    assert ok.status_code == 302
    page = client.get(ok.headers["Location"]).get_data(as_text=True)
    for title in ("Syfte", "Målgrupp", "Överenskommelsens varaktighet och revidering", "Underskrifter"):
        assert title in page


def test_database_refuses_a_second_open_revision(lekeberg):
    """The partial unique index backs the rule when two requests race past the check."""
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            db.session.add(Revision(agreement=lekeberg, number=3, state="draft"))
            db.session.flush()
