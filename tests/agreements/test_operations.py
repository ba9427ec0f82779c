"""Every operation asks its rule for the actor, refuses the wrong state and missing or bad input with a Swedish
message beside its field, changes nothing when it refuses, and records its audit event by the actor."""
from __future__ import annotations

import inspect
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from agreements import adoption, document, draft_operations, goal_operations, operations
from agreements import draft_operations as drafts
from agreements import goal_operations as goal_ops
from agreements import operations as ops
from agreements.models import Goal
from portal.audit import AuditEvent
from portal.db import db
from portal.errors import NotPermitted, RuleError, StaleEdit
from tests.helpers import events

VALUE_GOAL = dict(indicator="Andel i studier", unit="%", target_type="value", baseline_value=Decimal("50"),
                  baseline_date=date(2020, 1, 1), target_value=Decimal("60"), target_date=date(2021, 1, 1))


def _milestone(agreement) -> Goal:
    return next(g for g in agreement.goals if g.target_type == "milestone")


def _draft_input(revision, **changes) -> dict:
    """What the edit form sends for the draft as it is, with `changes`."""
    values = dict(expected_version=revision.version, valid_from=revision.valid_from, valid_to=revision.valid_to,
                  next_revision_due=None, place=revision.place, change_summary=None,
                  sections=[drafts.SectionInput(s.id, s.title, s.body, s.position) for s in revision.sections])
    return {**values, **changes}


def _propose(agreement):
    ops.propose(agreement.revisions[1], by=None)


def _adopt_draft(agreement):
    _propose(agreement)
    adoption.adopt(agreement.revisions[1], adopted_on=date(2018, 1, 10), by=None)


#: name → (the role it is for, a role it is not for, what must be true first, the call, the audit action).
OPERATIONS = {
    "create_agreement": ("samordnare", "styrgrupp", None, lambda a, by: ops.create_agreement(
        title="Ny överenskommelse", diarienummer=None, parties=[p.organisation for p in a.parties], by=by),
        "agreement.create"),
    "add_party_person": ("samordnare", "handlaggare", None, lambda a, by: ops.add_party_person(
        a, party_id=a.parties[1].id, name="Eva Ny", by=by), "agreement.party_person.add"),
    "new_revision": ("samordnare", "styrgrupp", _adopt_draft, lambda a, by: ops.new_revision(a, by=by),
                     "agreement.revision.create"),
    "propose": ("samordnare", "styrgrupp", None, lambda a, by: ops.propose(a.revisions[1], by=by),
                "agreement.revision.propose"),
    "withdraw_proposal": ("samordnare", "styrgrupp", _propose,
                          lambda a, by: ops.withdraw_proposal(a.revisions[1], by=by), "agreement.revision.withdraw"),
    "adopt": ("styrgrupp", "samordnare", _propose, lambda a, by: adoption.adopt(
        a.revisions[1], adopted_on=date(2018, 1, 10), confirm_expired=True, by=by), "agreement.revision.approve"),
    "record_decision": ("samordnare", "styrgrupp", _propose, lambda a, by: adoption.record_decision(
        a.revisions[1], party_id=a.parties[1].id, decided_on=date(2018, 1, 12), filename="beslut.pdf",
        data=b"%PDF-1.4 beslut", confirm_expired=True, by=by), "agreement.revision.record_decision"),
    "upload_scan": ("styrgrupp", "handlaggare", None, lambda a, by: ops.upload_scan(
        a.revisions[0], filename="signerad.pdf", data=b"%PDF-1.4 test", by=by), "agreement.revision.scan"),
    "add_comment": ("styrgrupp", "samordnare", _propose,
                    lambda a, by: ops.add_comment(a.revisions[1], body="Bra förslag.", by=by),
                    "agreement.revision.comment"),
    "save_draft": ("samordnare", "styrgrupp", None, lambda a, by: drafts.save_draft(
        a.revisions[1], **_draft_input(a.revisions[1]), by=by), "agreement.revision.save"),
    "add_section": ("samordnare", "styrgrupp", None,
                    lambda a, by: drafts.add_section(a.revisions[1], title="Nyanlända", by=by),
                    "agreement.section.add"),
    "remove_section": ("samordnare", "styrgrupp", None, lambda a, by: drafts.remove_section(
        a.revisions[1], a.revisions[1].sections[-1], by=by), "agreement.section.remove"),
    "add_appendix": ("samordnare", "styrgrupp", None,
                     lambda a, by: drafts.add_appendix(a.revisions[1], number="4", title="Ny bilaga", by=by),
                     "agreement.appendix.add"),
    "add_routine": ("samordnare", "styrgrupp", None,
                    lambda a, by: drafts.add_routine(a.revisions[1].appendices[0], title="Ny rutin", by=by),
                    "agreement.routine.add"),
    "import_document": ("samordnare", "styrgrupp", None, lambda a, by: drafts.import_document(
        a.revisions[1], data=document.to_bytes(a.revisions[0]), filename="ok.docx", by=by),
        "agreement.revision.import"),
    "create_goal": ("samordnare", "styrgrupp", None, lambda a, by: goal_ops.create_goal(a, **VALUE_GOAL, by=by),
                    "agreement.goal.create"),
    "update_goal": ("samordnare", "styrgrupp", None, lambda a, by: goal_ops.update_goal(
        a.goals[0], indicator="Ny formulering", unit="%", target_type="direction", baseline_value=Decimal(10),
        baseline_date=date(2016, 9, 30), target_value=None, target_direction="decrease",
        target_date=date(2017, 9, 30), by=by), "agreement.goal.update"),
    "record_measurement": ("samordnare", "handlaggare", None, lambda a, by: goal_ops.record_measurement(
        a.goals[0], measured_on=date(2017, 3, 31), value=Decimal("9.2"), by=by), "agreement.goal.measure"),
    "import_measurements": ("samordnare", "handlaggare", None, lambda a, by: goal_ops.import_measurements(
        a.goals[0], "datum;värde\n2017-03-31;9,2\n".encode(), by=by), "agreement.goal.measure"),
    "check_off_milestone": ("samordnare", "styrgrupp", None, lambda a, by: goal_ops.check_off_milestone(
        _milestone(a), achieved_on=date(2017, 1, 1), by=by), "agreement.goal.check"),
}


def _prepare(agreement, name: str) -> None:
    setup = OPERATIONS[name][2]
    if setup is not None:
        setup(agreement)
        db.session.commit()


def _agreement_events() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action.like("agreement.%")))


def _nothing_changed(events_before: int) -> bool:
    session = db.session
    return not (session.new or session.dirty or session.deleted) and _agreement_events() == events_before


def test_every_operation_takes_the_actor_explicitly():
    """`by` is a required keyword everywhere: no operation falls back to the logged-in user."""
    takes_actor = {}
    for module in (operations, adoption, draft_operations, goal_operations):
        for name, function in inspect.getmembers(module, inspect.isfunction):
            by = inspect.signature(function).parameters.get("by")
            if function.__module__ == module.__name__ and by is not None and by.kind is not by.POSITIONAL_OR_KEYWORD:
                takes_actor[name] = by
    assert set(takes_actor) == set(OPERATIONS)
    assert all(by.kind is by.KEYWORD_ONLY and by.default is by.empty for by in takes_actor.values())


@pytest.mark.parametrize("name", OPERATIONS)
def test_the_right_role_of_a_party_unit_acts_and_is_recorded_as_the_actor(lekeberg, staff, name):
    role, _wrong, _setup, call, action = OPERATIONS[name]
    _prepare(lekeberg, name)
    by = staff("ami", role)  # a unit of the party kommun acts for it
    call(lekeberg, by)
    db.session.commit()
    [event, *_] = reversed(events(action))
    assert (event.user_id, event.organisation_id) == (by.id, by.organisation_id)


@pytest.mark.parametrize("who", ["wrong role", "not a party"])
@pytest.mark.parametrize("name", OPERATIONS)
def test_the_wrong_role_or_a_non_party_is_refused_and_nothing_changes(lekeberg, staff, name, who):
    role, wrong_role, _setup, call, _action = OPERATIONS[name]
    if name == "create_agreement" and who == "not a party":
        pytest.skip("a non-party may create an agreement with its own organisation (see the input refusals)")
    _prepare(lekeberg, name)
    by = staff("kommun", wrong_role) if who == "wrong role" else staff("other", role)
    before = _agreement_events()
    with pytest.raises(NotPermitted) as refused:
        call(lekeberg, by)
    assert refused.value.reason.startswith("agreement:")
    assert _nothing_changed(before)


def test_a_comment_needs_an_author(proposed):
    with pytest.raises(NotPermitted):
        ops.add_comment(proposed.revisions[1], body="Utan författare", by=None)


def _too_big() -> bytes:
    return b"%PDF" + b"0" * ops.SCAN_MAX_BYTES


def _no_signatories(agreement):
    agreement.revisions[1].signatories = []
    _propose(agreement)


def _empty_section(agreement):
    drafts.add_section(agreement.revisions[1], title="Tomt avsnitt", by=None)


def _measured_milestone(agreement):
    goal_ops.create_goal(agreement, indicator="Mätt", unit="%", target_type="value", baseline_value=Decimal(1),
                         target_value=Decimal(2), target_date=date(2021, 1, 1), by=None)
    goal_ops.record_measurement(agreement.goals[-1], measured_on=date(2020, 1, 1), value=Decimal(1), by=None)


def _goal(**changes):
    return lambda a, by: goal_ops.create_goal(a, **{**VALUE_GOAL, **changes}, by=by)


def _save(**changes):
    return lambda a, by: drafts.save_draft(a.revisions[1], **_draft_input(a.revisions[1], **changes), by=by)


def _parties(*codes):
    return lambda a, by: ops.create_agreement(title="Ny", diarienummer=None, by=by,
                                              parties=[o for o in _all_orgs() if o.code in codes])


def _all_orgs():
    from portal.orgs import Organisation

    return list(db.session.scalars(select(Organisation)))


#: (role, what must be true first, the call, part of the Swedish message, the field it is shown beside)
REFUSALS = {
    "agreement without title": ("samordnare", None, lambda a, by: ops.create_agreement(
        title="  ", diarienummer=None, parties=[p.organisation for p in a.parties], by=by),
        "Ange överenskommelsens titel", "title"),
    "agreement with one party": ("samordnare", None, _parties("lekeberg"), "minst två parter", "parties"),
    "agreement without own organisation": ("samordnare", None, _parties("af-hallsberg", "orebro"),
                                           "Din egen organisation måste vara part", "parties"),
    "agreement ending before it starts": ("samordnare", None, lambda a, by: ops.create_agreement(
        title="Ny", diarienummer=None, parties=[p.organisation for p in a.parties], valid_from=date(2020, 1, 1),
        valid_to=date(2019, 1, 1), by=by), "kan inte vara före startdatumet", "valid_to"),
    "person of no party": ("samordnare", None, lambda a, by: ops.add_party_person(
        a, party_id=-1, name="Eva", by=by), "Välj en av överenskommelsens parter", "party"),
    "person without name": ("samordnare", None, lambda a, by: ops.add_party_person(
        a, party_id=a.parties[0].id, name=" ", by=by), "Ange personens namn", "name"),
    "second open draft": ("samordnare", None, lambda a, by: ops.new_revision(a, by=by),
                          "redan ett öppet utkast", None),
    "propose with an empty section": ("samordnare", _empty_section,
                                      lambda a, by: ops.propose(a.revisions[1], by=by),
                                      "Tomt avsnitt", None),
    "propose the adopted revision": ("samordnare", None, lambda a, by: ops.propose(a.revisions[0], by=by),
                                     "antagen och kan inte ändras", None),
    "withdraw a draft": ("samordnare", None, lambda a, by: ops.withdraw_proposal(a.revisions[1], by=by),
                         "Bara en föreslagen revision", None),
    "adopt a draft": ("styrgrupp", None, lambda a, by: adoption.adopt(a.revisions[1], adopted_on=date(2018, 1, 1),
                                                                 by=by), "måste föreslås", None),
    "adopt twice": ("styrgrupp", None, lambda a, by: adoption.adopt(a.revisions[0], adopted_on=date(2018, 1, 1), by=by),
                    "redan antagen", None),
    "adopt without date": ("styrgrupp", _propose, lambda a, by: adoption.adopt(a.revisions[1], adopted_on=None, by=by),
                           "Ange datum för beslutet", "adopted_on"),
    "adopt in the future": ("styrgrupp", _propose, lambda a, by: adoption.adopt(
        a.revisions[1], adopted_on=date.today() + timedelta(days=1), by=by), "framtiden", "adopted_on"),
    "adopt without signatories": ("styrgrupp", _no_signatories, lambda a, by: adoption.adopt(
        a.revisions[1], adopted_on=date(2018, 1, 1), by=by), "minst en undertecknare", None),
    "scan of a draft": ("samordnare", None, lambda a, by: ops.upload_scan(
        a.revisions[1], filename="x.pdf", data=b"%PDF-1.4", by=by), "bara laddas upp till en antagen", "scan"),
    "scan without file": ("samordnare", None, lambda a, by: ops.upload_scan(
        a.revisions[0], filename="", data=b"", by=by), "Välj en fil", "scan"),
    "scan of another type": ("samordnare", None, lambda a, by: ops.upload_scan(
        a.revisions[0], filename="x.txt", data=b"hello", by=by), "PDF, JPEG eller PNG", "scan"),
    "scan too big": ("samordnare", None, lambda a, by: ops.upload_scan(
        a.revisions[0], filename="x.pdf", data=_too_big(), by=by), "större än 10 MB", "scan"),
    "empty comment": ("styrgrupp", _propose, lambda a, by: ops.add_comment(a.revisions[1], body=" \n", by=by),
                      "Skriv en kommentar", "body"),
    "save the adopted revision": ("samordnare", None, lambda a, by: drafts.save_draft(
        a.revisions[0], **_draft_input(a.revisions[0]), by=by), "antagen och kan inte ändras", None),
    "save a proposed revision": ("samordnare", _propose, _save(), "föreslagen för antagande", None),
    "save ending before it starts": ("samordnare", None, _save(valid_from=date(2019, 1, 1),
                                                               valid_to=date(2018, 1, 1)),
                                     "kan inte vara före startdatumet", "valid_to"),
    "save a section without title": ("samordnare", None, lambda a, by: drafts.save_draft(
        a.revisions[1], **_draft_input(a.revisions[1], sections=[drafts.SectionInput(
            a.revisions[1].sections[0].id, " ", "Text", 0)]), by=by), "Varje avsnitt behöver en rubrik",
        "section-{section}-title"),
    "save an appendix without number": ("samordnare", None, lambda a, by: drafts.save_draft(
        a.revisions[1], **_draft_input(a.revisions[1], appendices=[drafts.AppendixInput(
            a.revisions[1].appendices[0].id, "", "Rubrik", "", 0, {})]), by=by),
        "Varje bilaga behöver nummer och rubrik", "appendix-{appendix}-title"),
    "save a signatory without name": ("samordnare", None, _save(signatories="Per, chef, Kommunen\n, titel"),
                                      "Rad 2 bland underskrifterna saknar namn", "signatories"),
    "section without title": ("samordnare", None, lambda a, by: drafts.add_section(a.revisions[1], title="",
                                                                                   by=by),
                              "Ange en rubrik", "title"),
    "section in the adopted revision": ("samordnare", None, lambda a, by: drafts.add_section(
        a.revisions[0], title="Sent", by=by), "antagen och kan inte ändras", None),
    "remove from a proposed revision": ("samordnare", _propose, lambda a, by: drafts.remove_section(
        a.revisions[1], a.revisions[1].sections[0], by=by), "föreslagen för antagande", None),
    "appendix without number": ("samordnare", None, lambda a, by: drafts.add_appendix(
        a.revisions[1], number=" ", title="Ny", by=by), "Ange bilagans nummer", "number"),
    "appendix without title": ("samordnare", None, lambda a, by: drafts.add_appendix(
        a.revisions[1], number="4", title="", by=by), "Ange bilagans rubrik", "title"),
    "routine without title": ("samordnare", None, lambda a, by: drafts.add_routine(
        a.revisions[1].appendices[0], title="", by=by), "Ange rutinens namn", "title"),
    "routine in the adopted revision": ("samordnare", None, lambda a, by: drafts.add_routine(
        a.revisions[0].appendices[0], title="Sen rutin", by=by), "antagen och kan inte ändras", None),
    "import a PDF": ("samordnare", None, lambda a, by: drafts.import_document(
        a.revisions[1], data=b"%PDF-1.4", filename="x.pdf", by=by), "Filen är en PDF", "document"),
    "import nothing": ("samordnare", None, lambda a, by: drafts.import_document(
        a.revisions[1], data=b"", filename="", by=by), "Välj en .docx-fil", "document"),
    "import into the adopted revision": ("samordnare", None, lambda a, by: drafts.import_document(
        a.revisions[0], data=document.to_bytes(a.revisions[0]), filename="ok.docx", by=by),
        "antagen och kan inte ändras", None),
    "goal without indicator": ("samordnare", None, _goal(indicator=" "), "Ange vad målet gäller", "indicator"),
    "goal of unknown type": ("samordnare", None, _goal(target_type="vague"), "Välj typ av mål", "target_type"),
    "goal without unit": ("samordnare", None, _goal(unit=""), "Ange en enhet", "unit"),
    "goal without baseline": ("samordnare", None, _goal(baseline_value=None), "Ange utgångsvärdet",
                              "baseline_value"),
    "goal without target value": ("samordnare", None, _goal(target_value=None), "Ange målvärdet", "target_value"),
    "goal without direction": ("samordnare", None, _goal(target_type="direction", target_direction=None),
                               "minska eller öka", "target_direction"),
    "goal without target date": ("samordnare", None, _goal(target_date=None), "Ange när målet ska vara nått",
                                 "target_date"),
    "goal due before its baseline": ("samordnare", None, _goal(target_date=date(2019, 1, 1)),
                                     "kan inte vara före utgångsläget", "target_date"),
    "measured goal becomes a milestone": ("samordnare", _measured_milestone, lambda a, by: goal_ops.update_goal(
        a.goals[-1], indicator="Mätt", unit=None, target_type="milestone", baseline_value=None,
        baseline_date=None, target_value=None, target_direction=None, target_date=date(2021, 1, 1), by=by),
        "kan inte bytas mellan delmål", "target_type"),
    "value of a milestone": ("samordnare", None, lambda a, by: goal_ops.record_measurement(
        _milestone(a), measured_on=date(2017, 1, 1), value=Decimal(1), by=by), "Ett delmål har inga mätvärden",
        "value"),
    "value without date": ("samordnare", None, lambda a, by: goal_ops.record_measurement(
        a.goals[0], measured_on=None, value=Decimal(1), by=by), "Ange mätdatum", "measured_on"),
    "value without number": ("samordnare", None, lambda a, by: goal_ops.record_measurement(
        a.goals[0], measured_on=date(2017, 1, 1), value=None, by=by), "Ange ett värde i siffror", "value"),
    "CSV without file": ("samordnare", None, lambda a, by: goal_ops.import_measurements(a.goals[0], None, by=by),
                         "Välj en CSV-fil", "file"),
    "CSV with one bad row": ("samordnare", None, lambda a, by: goal_ops.import_measurements(
        a.goals[0], "datum;värde\n2017-03-31;9,2\n2017-06-30;nio\n".encode(), by=by), "Rad 3", "file"),
    "goal with an infinite baseline": ("samordnare", None, _goal(baseline_value=Decimal("Infinity")),
                                       "mindre än 10 000 000 000", "baseline_value"),
    "goal with a target beyond the column": ("samordnare", None, _goal(target_value=Decimal("1e10")),
                                             "mindre än 10 000 000 000", "target_value"),
    "goal with absurd decimals": ("samordnare", None, _goal(decimals=10 ** 6), "Antalet decimaler", "decimals"),
    "goal with an indicator beyond the column": ("samordnare", None, _goal(indicator="x" * 301),
                                                 "Högst 300 tecken", "indicator"),
    "value beyond the column": ("samordnare", None, lambda a, by: goal_ops.record_measurement(
        a.goals[0], measured_on=date(2017, 1, 1), value=Decimal("-1e12"), by=by), "mindre än 10 000 000 000",
        "value"),
    "section title beyond the column": ("samordnare", None, lambda a, by: drafts.add_section(
        a.revisions[1], title="x" * 301, by=by), "Högst 300 tecken (nu 301)", "title"),
    "save an order beyond the column": ("samordnare", None, lambda a, by: drafts.save_draft(
        a.revisions[1], **_draft_input(a.revisions[1], sections=[drafts.SectionInput(
            a.revisions[1].sections[0].id, "Syfte", "Text", 10 ** 20)]), by=by), "heltal från 0 till 9999",
        "section-{section}-position"),
    "save a signatory beyond the column": ("samordnare", None, _save(signatories="N" * 201 + ", chef, Kommunen"),
                                           "Högst 200 tecken", "signatories"),
    "person with a name beyond the column": ("samordnare", None, lambda a, by: ops.add_party_person(
        a, party_id=a.parties[0].id, name="n" * 201, by=by), "Högst 200 tecken", "name"),
    "agreement title of control characters only": ("samordnare", None, lambda a, by: ops.create_agreement(
        title="\x0b\x01", diarienummer=None, parties=[p.organisation for p in a.parties], by=by),
        "Ange överenskommelsens titel", "title"),
    "check off a measured goal": ("samordnare", None, lambda a, by: goal_ops.check_off_milestone(
        a.goals[0], achieved_on=date(2017, 1, 1), by=by), "Bara delmål bockas av", "achieved_on"),
    "check off in the future": ("samordnare", None, lambda a, by: goal_ops.check_off_milestone(
        _milestone(a), achieved_on=date.today() + timedelta(days=1), by=by), "framtiden", "achieved_on"),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_bad_input_or_state_is_refused_beside_its_field_and_nothing_changes(lekeberg, staff, other_org, case):
    role, setup, call, message, field = REFUSALS[case]
    if setup is not None:
        setup(lekeberg)
        db.session.commit()
    by = staff("kommun", role)
    before = _agreement_events()
    with pytest.raises(RuleError) as refused:
        call(lekeberg, by)
    assert message in str(refused.value)
    draft = lekeberg.revisions[1]
    expected_field = field.format(section=draft.sections[0].id, appendix=draft.appendices[0].id) if field else None
    assert refused.value.field == expected_field
    assert _nothing_changed(before)


def test_a_stale_draft_is_refused_with_the_saved_revision(lekeberg, staff):
    draft = lekeberg.revisions[1]
    opened = draft.version
    drafts.save_draft(draft, **_draft_input(draft, place="Kollegans ort"), by=None)
    db.session.commit()
    before = _agreement_events()
    with pytest.raises(StaleEdit) as refused:
        drafts.save_draft(draft, **_draft_input(draft, expected_version=opened, place="Min ort"),
                          by=staff("kommun", "samordnare"))
    assert refused.value.record is draft and str(refused.value.current) == str(draft.version) != str(opened)
    assert "ändrats av någon annan" in str(refused.value)
    assert _nothing_changed(before) and draft.place == "Kollegans ort"


def test_a_csv_with_a_bad_row_stores_no_row(lekeberg, staff):
    goal = lekeberg.goals[0]
    count = len(goal.measurements)
    with pytest.raises(RuleError):
        goal_ops.import_measurements(goal, "datum;värde\n2017-03-31;9,2\n2017-06-30;nio\n".encode(),
                                     by=staff("kommun", "samordnare"))
    db.session.rollback()
    assert len(db.session.get(Goal, goal.id).measurements) == count
