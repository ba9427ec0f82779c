"""Editing a draft: the text formats of the edit form, saving appendices, routine steps and signatories, section
keys, importing a .docx, and a save that collides with another at the very moment of writing."""
from __future__ import annotations

import json

import pytest
from sqlalchemy.orm.exc import StaleDataError

from agreements import document
from agreements import draft_operations as drafts
from portal.db import db
from tests.agreements.helpers import url
from tests.helpers import events


@pytest.mark.parametrize("text, steps", [
    ("Kommunen | Boka möte\nSYV|Gör studieplan", [("Kommunen", "Boka möte"), ("SYV", "Gör studieplan")]),
    ("Bara text utan ansvarig\n\n  \n", [("", "Bara text utan ansvarig")]),
    ("A | B | C", [("A", "B | C")]),
    ("", []),
])
def test_routine_steps_are_read_one_per_line(text, steps):
    assert [(s.responsible, s.text) for s in drafts.parse_steps(text)] == steps


def test_signatories_are_read_one_per_line_with_title_and_organisation():
    assert drafts.parse_signatories("Per Gustafsson, enhetschef, Lekebergs kommun\n\nSara Axén") == [
        ("Per Gustafsson", "enhetschef", "Lekebergs kommun"), ("Sara Axén", "", "")]
    # An unknown organisation is everything after the second comma ("Lekebergs kommun, AMI") ...
    assert drafts.parse_signatories("Eva, chef, Kommunen, AMI") == [("Eva", "chef", "Kommunen, AMI")]
    # ... and a known one is taken whole, so a title may hold a comma too.
    assert drafts.parse_signatories("Per, enhetschef, integrationschef, Kommunen, AMI", ["Kommunen", "Kommunen, AMI"]) \
        == [("Per", "enhetschef, integrationschef", "Kommunen, AMI")]
    assert drafts.parse_signatories("Per, chef, Kommunen", ["Kommunen, AMI"]) == [("Per", "chef", "Kommunen")]


def test_the_text_formats_round_trip(lekeberg):
    revision = lekeberg.revisions[0]
    routine = revision.appendices[0].routines[0]
    parsed = drafts.parse_steps(drafts.steps_as_text(routine))
    assert [(s.responsible, s.text, [sub.text for sub in s.substeps]) for s in routine.steps] == \
        [(s.responsible, s.text, [sub.text for sub in s.subs]) for s in parsed]
    assert [sub.rules for sub in parsed[2].subs] == [
        {"needs_consent": True, "needs_meeting": True, "needs_document": "studieplan"}, {"back_to": 1}]
    known = [p.name for p in lekeberg.parties]
    assert any("," in s.title for s in revision.signatories)  # the demo's "enhetschef, Arbetsmarknads- ..."
    assert [(s.name, s.title, s.organisation) for s in revision.signatories] == \
        drafts.parse_signatories(drafts.signatories_as_text(revision), known)


def test_saving_the_demo_draft_unchanged_keeps_every_signatory(lekeberg):
    draft = lekeberg.open_revision()
    before = [(s.name, s.title, s.organisation) for s in draft.signatories]
    _save(draft, signatories=drafts.signatories_as_text(draft))
    assert [(s.name, s.title, s.organisation) for s in draft.signatories] == before


def _save(draft, **changes):
    values = dict(expected_version=draft.version, valid_from=draft.valid_from, valid_to=draft.valid_to,
                  next_revision_due=None, place=draft.place, change_summary=None,
                  sections=[drafts.SectionInput(s.id, s.title, s.body, s.position) for s in draft.sections])
    return drafts.save_draft(draft, **{**values, **changes}, by=None)


def test_saving_appendices_renumbers_and_rewrites_routine_steps_in_place(lekeberg):
    draft = lekeberg.revisions[1]
    appendix = draft.appendices[0]
    ubk, trainee = appendix.routines[0], appendix.routines[1]
    first_step_id = ubk.steps[0].id
    _save(draft, appendices=[drafts.AppendixInput(
        appendix.id, " 1a ", "Rutiner", "Ny inledning.", 5,
        {ubk.id: "AF | Första steget\nKommunen | Andra steget", trainee.id: drafts.steps_as_text(trainee) +
         "\nKommunen | Ett steg till", 999999: "ignoreras"})])
    db.session.commit()
    db.session.expire_all()
    assert (appendix.number, appendix.title, appendix.body, appendix.position) == ("1a", "Rutiner", "Ny inledning.",
                                                                                   5)
    assert [(s.number, s.responsible, s.text) for s in ubk.steps] == [(1, "AF", "Första steget"),
                                                                      (2, "Kommunen", "Andra steget")]
    assert ubk.steps[0].id == first_step_id  # updated in place, not deleted and re-inserted
    assert [s.number for s in trainee.steps] == [1, 2, 3, 4, 5, 6, 7, 8]
    # the adopted revision it was copied from keeps its seven steps
    assert len(lekeberg.revisions[0].appendices[0].routines[0].steps) == 7


def test_saving_signatories_and_dates_bumps_the_version_and_is_audited(lekeberg):
    draft = lekeberg.revisions[1]
    before = draft.version
    _save(draft, signatories="Per Gustafsson, enhetschef, Lekebergs kommun\nSara Axén, sektionschef, AF",
          place="  Fjugesta ", change_summary="  Nya mötesdatum.  ")
    db.session.commit()
    assert draft.version == before + 1
    assert [s.name for s in draft.signatories] == ["Per Gustafsson", "Sara Axén"]
    assert (draft.place, draft.change_summary) == ("Fjugesta", "Nya mötesdatum.")
    [saved] = events("agreement.revision.save")
    assert json.loads(saved.details) == {"version": before + 1}


def test_sections_get_unique_keys_even_with_the_same_title(lekeberg):
    draft = lekeberg.revisions[1]
    first = drafts.add_section(draft, title="Mål och uppföljning", by=None)
    second = drafts.add_section(draft, title="Mål och uppföljning", by=None)
    third = drafts.add_section(draft, title="???", by=None)
    assert (first.key, second.key, third.key) == ("mal-och-uppfoljning", "mal-och-uppfoljning-2", "avsnitt")
    assert first.position < second.position < third.position == max(s.position for s in draft.sections)


def test_import_fills_matching_sections_adds_the_rest_and_says_what_it_could_not_place(lekeberg):
    adopted, draft = lekeberg.revisions
    data = document.to_bytes(adopted)
    for section in draft.sections:
        section.body = ""
    drafts.add_section(draft, title="Extra", by=None)
    draft.sections[0].title = "Ändrad rubrik"  # matched by its key, not its title
    db.session.commit()
    result = drafts.import_document(draft, data=data, filename="overenskommelse.docx", by=None)
    db.session.commit()
    assert draft.sections[0].body == adopted.sections[0].body
    assert any("lästes inte in" in line for line in result.notes)  # the appendices are entered separately
    [imported] = events("agreement.revision.import")
    details = json.loads(imported.details)
    assert details["filled"] == len(result.sections) and details["added"] == 0


def test_two_saves_at_the_same_moment_keep_the_first_and_ask_the_second_to_redo(lekeberg, client, login_as,
                                                                                monkeypatch):
    """Both passed the version check; the database refuses the second write (StaleDataError)."""
    login_as(org="kommun", roles=("samordnare",))
    draft = lekeberg.revisions[1]

    def collide(*args, **kwargs):
        raise StaleDataError("the row was updated by another transaction")

    monkeypatch.setattr(drafts, "save_draft", collide)
    response = client.post(url(lekeberg, 2, "/redigera"), data={"version": str(draft.version)})
    assert response.status_code == 303 and response.headers["Location"].endswith("/redigera")
    assert "sparades samtidigt av någon annan" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_the_edit_page_saves_appendices_and_routine_steps_typed_in_the_browser(lekeberg, client, login_as):
    login_as(org="kommun", roles=("samordnare",))
    draft = lekeberg.revisions[1]
    syv = next(r for a in draft.appendices for r in a.routines if r.key == "syv")
    appendix = syv.appendix
    page = client.get(url(lekeberg, 2, "/redigera")).get_data(as_text=True)
    assert f'name="routine-{syv.id}-steps"' in page
    typed = {"version": str(draft.version), f"appendix-{appendix.id}-number": "1",
             f"appendix-{appendix.id}-title": appendix.title, f"appendix-{appendix.id}-position": "x",
             f"routine-{syv.id}-steps": "SYV | Ett enda steg {dokument: studieplan}\n  1. Delsteg {urval}",
             f"routine-{syv.id}-eligibility": "Unga 16–24 år."}
    refused = client.post(url(lekeberg, 2, "/redigera"), data=typed)  # an unreadable order is said, not guessed
    assert refused.status_code == 400 and "Ordningen ska vara ett heltal från 0 till 9999" in refused.get_data(
        as_text=True)
    response = client.post(url(lekeberg, 2, "/redigera"), data={**typed, f"appendix-{appendix.id}-position": "0"})
    assert response.status_code == 302
    db.session.expire_all()
    assert [(s.responsible, s.text) for s in syv.steps] == [("SYV", "Ett enda steg")]
    assert syv.steps[0].needs_document == "studieplan" and syv.steps[0].parties == "syv"
    assert [(sub.text, sub.is_selection) for sub in syv.steps[0].substeps] == [("Delsteg", True)]
    assert syv.eligibility == "Unga 16–24 år."
    assert syv.appendix.position == 0
    unknown = client.post(url(lekeberg, 2, "/redigera"), data={
        **typed, "version": str(draft.version), f"appendix-{appendix.id}-position": "0",
        f"routine-{syv.id}-steps": "SYV | Steg {trolla}"})
    assert unknown.status_code == 400 and "Okänt krav ”trolla”" in unknown.get_data(as_text=True)
    assert "SYV | Steg {trolla}" in unknown.get_data(as_text=True)  # what was typed stays
