"""Routines in the agreement editor: rename, age range and strictness, steps and sub-steps added and reordered,
a routine copied from another revision into the draft and one removed; refusals for an adopted revision and bad
input (a Swedish message beside the field, nothing typed lost, no 500); the .docx keeps Bilaga 1's nesting."""
from __future__ import annotations

import io

import pytest
from docx import Document

from agreements import document
from agreements import routine_operations as routine_ops
from agreements.operations import AgreementError
from portal.db import db
from portal.errors import NotPermitted
from tests.agreements.helpers import url


def _routine(revision, key):
    return next(r for a in revision.appendices for r in a.routines if r.key == key)


def _typed(draft, routine, **fields):
    appendix = routine.appendix
    base = {"version": str(draft.version), f"appendix-{appendix.id}-number": appendix.number,
            f"appendix-{appendix.id}-title": appendix.title, f"appendix-{appendix.id}-position": "0",
            f"routine-{routine.id}-title": routine.title, f"routine-{routine.id}-min_age": "",
            f"routine-{routine.id}-max_age": ""}
    return {**base, **{f"routine-{routine.id}-{k}": v for k, v in fields.items()}}


def test_a_routine_is_renamed_given_a_strict_age_range_and_its_steps_reordered_with_a_new_sub_step(
        lekeberg, client, login_as):
    login_as(org="kommun", roles=("samordnare",))
    draft = lekeberg.revisions[1]
    syv = _routine(draft, "syv")
    page = client.get(url(lekeberg, 2, "/redigera")).get_data(as_text=True)
    for name in ("title", "min_age", "max_age", "strict", "steps"):
        assert f'id="routine-{syv.id}-{name}"' in page
    steps = ("Kommunen | Andra steget blir först {möte}\n"
             "SYV | Första steget blir andra\n"
             "  1. Ett nytt delsteg {dokument: betyg}\n"
             "  2. Tveksam: tillbaka till delsteg 1 {tveksam: 1; ansvarig: Arbetsförmedlingen}")
    response = client.post(url(lekeberg, 2, "/redigera"), data=_typed(
        draft, syv, title="Studie- och yrkesvägledning för unga", min_age="16", max_age="24", strict="1",
        steps=steps))
    assert response.status_code == 302
    db.session.expire_all()
    assert (syv.title, syv.min_age, syv.max_age, syv.age_strict) == ("Studie- och yrkesvägledning för unga", 16, 24,
                                                                      True)
    assert [(s.number, s.responsible, s.text) for s in syv.steps] == [
        (1, "Kommunen", "Andra steget blir först"), (2, "SYV", "Första steget blir andra")]
    assert syv.steps[0].needs_meeting and syv.steps[0].parties == "kommun"
    first, branch = syv.steps[1].substeps
    assert (first.text, first.needs_document) == ("Ett nytt delsteg", "betyg")
    assert (branch.back_to, branch.responsible, branch.parties) == (1, "Arbetsförmedlingen", "arbetsformedlingen")
    # the box unticked (absent) once the name is sent: the range is a warning again
    assert client.post(url(lekeberg, 2, "/redigera"), data=_typed(
        draft, syv, title=syv.title, min_age="16", max_age="24")).status_code == 302
    db.session.expire_all()
    assert syv.age_strict is False and syv.min_age == 16


def test_bad_ages_and_an_empty_name_are_refused_beside_their_fields_and_nothing_typed_is_lost(lekeberg, client,
                                                                                               login_as):
    login_as(org="kommun", roles=("samordnare",))
    draft = lekeberg.revisions[1]
    syv = _routine(draft, "syv")
    before = (syv.title, syv.min_age, syv.max_age, len(syv.steps))
    response = client.post(url(lekeberg, 2, "/redigera"), data=_typed(
        draft, syv, title="  ", min_age="30", max_age="sjutton", steps="SYV | Mitt nya steg"))
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Varje rutin behöver ett namn." in text and "Ange åldern som ett heltal mellan 0 och 120" in text
    assert f'id="routine-{syv.id}-max_age-fel"' in text and "sjutton" in text and "SYV | Mitt nya steg" in text
    both = client.post(url(lekeberg, 2, "/redigera"), data=_typed(draft, syv, title="SYV", min_age="25",
                                                                    max_age="16", strict="1"))
    assert both.status_code == 400 and "Den högsta åldern kan inte vara lägre än den lägsta." in both.get_data(
        as_text=True)
    strict_alone = client.post(url(lekeberg, 2, "/redigera"), data=_typed(draft, syv, title="SYV", strict="1"))
    assert strict_alone.status_code == 400 and "bara vara ett krav när en ålder är angiven" in \
        strict_alone.get_data(as_text=True)
    db.session.expire_all()
    assert (syv.title, syv.min_age, syv.max_age, len(syv.steps)) == before


def test_a_routine_of_an_earlier_revision_is_copied_into_the_draft_with_its_sub_steps_and_rules(lekeberg, client,
                                                                                                 login_as):
    login_as(org="kommun", roles=("samordnare",))
    draft, adopted = lekeberg.revisions[1], lekeberg.revisions[0]
    source = _routine(adopted, "traineejobb")
    appendix = draft.appendices[0]
    page = client.get(url(lekeberg, 2, "/redigera")).get_data(as_text=True)
    assert "Kopiera rutinen" in page and f'value="{source.id}"' in page
    response = client.post(url(lekeberg, 2, "/rutiner/kopiera"), data={
        "source": str(source.id), "appendix": str(appendix.id), "title": "Rutiner vid Yrkesjobb 2027"})
    assert response.status_code == 302 and "/redigera#routine-" in response.headers["Location"]
    db.session.expire_all()
    copy = _routine(draft, "rutiner-vid-yrkesjobb-2027")
    assert copy.title == "Rutiner vid Yrkesjobb 2027" and len(copy.steps) == len(source.steps)
    assert [[(s.text, s.back_to, s.is_selection) for s in st.substeps] for st in copy.steps] == \
        [[(s.text, s.back_to, s.is_selection) for s in st.substeps] for st in source.steps]
    assert any(s.is_selection for st in copy.steps for s in st.substeps)
    assert "Rutiner vid Yrkesjobb 2027" in client.get(url(lekeberg, 2, "/redigera")).get_data(as_text=True)
    # the same routine again without a new name: a key of its own, the draft's traineejobb untouched
    assert client.post(url(lekeberg, 2, "/rutiner/kopiera"), data={
        "source": str(source.id), "appendix": str(appendix.id)}).status_code == 302
    db.session.expire_all()
    keys = [r.key for a in draft.appendices for r in a.routines]
    assert keys.count("traineejobb") == 1 and "traineejobb-2" in keys
    # a routine of the draft itself, or an id of nothing, is no source
    own = _routine(draft, "syv")
    assert client.post(url(lekeberg, 2, "/rutiner/kopiera"), data={
        "source": str(own.id), "appendix": str(appendix.id)}).status_code == 404
    assert client.post(url(lekeberg, 2, "/rutiner/kopiera"), data={
        "source": "x", "appendix": str(appendix.id)}).status_code == 404
    # remove the copy again: a warning button, the adopted revision keeps its routine
    response = client.post(url(lekeberg, 2, f"/rutiner/{copy.id}/ta-bort"))
    assert response.status_code == 302
    db.session.expire_all()
    assert "rutiner-vid-yrkesjobb-2027" not in [r.key for a in draft.appendices for r in a.routines]
    assert _routine(adopted, "traineejobb") is not None


def test_a_routine_of_an_adopted_revision_cannot_be_edited_copied_into_or_removed(lekeberg, client, login_as):
    login_as(org="kommun", roles=("samordnare",))
    adopted, draft = lekeberg.revisions[0], lekeberg.revisions[1]
    ubk = _routine(adopted, "utbildningskontrakt")
    before = [(s.number, s.text) for s in ubk.steps]
    response = client.post(url(lekeberg, 1, "/redigera"), data={
        **_typed(adopted, ubk, title="Nytt namn", steps="AF | Bara ett steg"), "version": str(adopted.version)})
    assert response.status_code == 302
    assert "Revision 1 är inte ett utkast och kan inte ändras." in client.get(
        response.headers["Location"]).get_data(as_text=True)
    response = client.post(url(lekeberg, 1, "/rutiner/kopiera"), data={
        "source": str(_routine(draft, "syv").id), "appendix": str(adopted.appendices[0].id)})
    assert response.status_code == 302
    assert "inte ett utkast" in client.get(response.headers["Location"]).get_data(as_text=True)
    response = client.post(url(lekeberg, 1, f"/rutiner/{ubk.id}/ta-bort"))
    assert response.status_code == 303
    assert "Revision 1 är antagen och kan inte ändras" in client.get(response.headers["Location"]).get_data(
        as_text=True)
    db.session.expire_all()
    assert (ubk.title, [(s.number, s.text) for s in ubk.steps]) == ("Rutiner vid Utbildningskontrakt (UBK)", before)
    # the operations refuse it as well, whoever calls them
    with pytest.raises(AgreementError, match="antagen och kan inte ändras"):
        routine_ops.copy_into(adopted.appendices[0], _routine(draft, "syv"), by=None)
    with pytest.raises(AgreementError, match="antagen och kan inte ändras"):
        routine_ops.remove(ubk, by=None)


def test_only_those_who_revise_the_agreement_copy_or_remove_routines(lekeberg, staff):
    draft = lekeberg.revisions[1]
    source = _routine(lekeberg.revisions[0], "syv")
    for user in (staff("kommun", "handlaggare"), staff("other", "samordnare")):
        with pytest.raises(NotPermitted):
            routine_ops.copy_into(draft.appendices[0], source, by=user)
        db.session.rollback()
        with pytest.raises(NotPermitted):
            routine_ops.remove(_routine(draft, "syv"), by=user)
        db.session.rollback()


def test_the_document_shows_edited_sub_steps_as_a_nested_numbered_list(lekeberg, client, login_as):
    login_as(org="kommun", roles=("samordnare",))
    draft = lekeberg.revisions[1]
    syv = _routine(draft, "syv")
    assert client.post(url(lekeberg, 2, "/redigera"), data=_typed(draft, syv, title=syv.title, steps=(
        "SYV | Huvudsteget\n  1. Första delsteget\n  2. Andra delsteget"))).status_code == 302
    db.session.expire_all()
    docx = Document(io.BytesIO(document.to_bytes(draft)))
    paragraphs = docx.paragraphs
    at = next(i for i, p in enumerate(paragraphs) if p.text.startswith("Steg 1: Huvudsteget"))
    subs = paragraphs[at + 1:at + 3]
    assert [p.text for p in subs] == ["Första delsteget", "Andra delsteget"]
    for p in subs:  # numbered at the second level: a nested list under the step, as Bilaga 1 shows it
        levels = p._p.xpath("./w:pPr/w:numPr/w:ilvl/@w:val")
        assert levels == ["1"], p._p.xml
