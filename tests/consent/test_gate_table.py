"""THE gate as a table: who sees what of a person, for every organisation, consent state, category and protection."""
from __future__ import annotations

from datetime import timedelta

import pytest

from portal.db import db
from portal.people import consent as consents
from portal.people import holders, identity
from portal.people import operations as people
from portal.people.gate import gate, visible_person_ids
from tests.people import factories as f

VIEWERS = ["recording", "covered", "not_covered", "sibling", "parent"]
#: viewer → organisation key in the `orgs` fixture. The consent is taken by AMI and names AMI and AF exactly.
VIEWER_ORG = {"recording": "ami", "covered": "af", "not_covered": "skola", "sibling": "ifo", "parent": "kommun"}
STATES = ["valid", "expired", "withdrawn", "not_yet", "guardian_only_after_18"]


def _build(orgs, make_user, state: str, covered: bool, protected: bool):
    ami_user = make_user(org="ami")
    # 17 now and 18 in 30 days: old enough to consent alone with a maturity assessment, young enough for guardians.
    p = f.person(ami_user, birth=f.born(18, 30), protected=protected)
    today = identity.today()
    categories = ("kontakt", "utbildning") if covered else ("sysselsattning",)
    on = today
    kwargs = {}
    if state == "expired":
        kwargs = {"start": today - timedelta(days=400), "until": today - timedelta(days=1)}
    elif state == "not_yet":
        kwargs = {"start": today + timedelta(days=5), "until": today + timedelta(days=100)}
    elif state == "guardian_only_after_18":
        kwargs = {"given_by_person": False, "guardians": ["Anna Lindqvist"], "view": "Positiv", "maturity": "",
                  "until": today + timedelta(days=200)}
        on = today + timedelta(days=40)  # after the 18th birthday
    c = f.consent(p, ami_user, [orgs["ami"].id, orgs["af"].id], categories=categories, **kwargs)
    if state == "withdrawn":
        consents.withdraw_consent(c, by=ami_user, reason="Den unges begäran")
        db.session.commit()
    return p, on


@pytest.mark.parametrize("protected", [False, True], ids=["open", "protected"])
@pytest.mark.parametrize("covered", [True, False], ids=["category_covered", "category_not_covered"])
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_gate_table(app, orgs, make_user, viewer, state, covered, protected):
    p, on = _build(orgs, make_user, state, covered, protected)
    user = make_user(org=VIEWER_ORG[viewer])
    view = gate(user, p, on=on)

    consent_counts = viewer == "covered" and state == "valid"
    expect_identity = viewer == "recording" or consent_counts
    expect_note = viewer == "recording" or (consent_counts and covered)
    expect_contact = viewer == "recording" or (consent_counts and covered and not protected)

    assert view.allowed is expect_identity
    assert bool(view.notes) is expect_note
    assert bool(view.contacts) is expect_contact
    assert view.pseudonym == p.pseudonym
    if expect_identity:
        assert view.label == p.name
        assert view.number == p.number_display
    else:
        assert view.label == f"Deltagare {p.pseudonym}"
        assert view.reason
        assert view.first_name == view.last_name == view.number == ""
        assert view.birth_date is None and view.contacts == [] and view.notes == []
        assert p.first_name not in view.reason
    if viewer == "covered" and not expect_identity:
        # The covered organisation is told why in Swedish, naming itself and nothing else.
        expected = {"expired": "gick ut", "withdrawn": "återkallats", "not_yet": "gäller först",
                    "guardian_only_after_18": "vårdnadshavare"}[state]
        assert expected in view.reason
    if viewer in ("not_covered", "sibling", "parent"):
        assert view.reason == f"Samtycke saknas för {orgs[VIEWER_ORG[viewer]].name}."
    if protected and expect_identity:
        assert view.is_protected


@pytest.mark.parametrize("protected", [False, True], ids=["open", "protected"])
@pytest.mark.parametrize("state", STATES)
def test_the_sql_visibility_agrees_with_the_gate(app, orgs, make_user, state, protected):
    """List pages filter in SQL (people.access); they must see exactly whom the gate lets through."""
    built = [_build(orgs, make_user, state, covered, protected) for covered in (True, False)]
    for viewer in VIEWERS:
        user = make_user(org=VIEWER_ORG[viewer])
        for p, on in built:
            assert (p.id in visible_person_ids(user, on=on)) is gate(user, p, on=on, record=False).allowed, viewer


def test_bulk_gate_equals_single_gate_for_every_row(app, orgs, make_user):
    people_built = []
    for state in STATES:
        for covered in (True, False):
            for protected in (False, True):
                p, on = _build(orgs, make_user, state, covered, protected)
                people_built.append((p, on))
    for viewer in VIEWERS:
        user = make_user(org=VIEWER_ORG[viewer])
        for on in {on for _p, on in people_built}:
            group = [p for p, day in people_built if day == on]
            bulk = gate(user, group, on=on, record=False)
            single = [gate(user, p, on=on, record=False) for p in group]

            def summary(v):
                return (v.person_id, v.allowed, v.reason, v.label, v.number, [r.id for r in v.notes],
                        [r.id for r in v.contacts], [r.id for r in v.guardians], v.home_kommun)

            assert [summary(v) for v in bulk] == [summary(v) for v in single]


@pytest.mark.parametrize("decision", ["pending", "confirmed", "declined"])
@pytest.mark.parametrize("viewer", ["registrant", "keeper", "third_party", "outsider"])
def test_a_consent_opens_only_the_records_of_holders_that_stand_behind_it(app, orgs, make_user, decision, viewer):
    """AMI keeps the person; AF holds them too and registers a consent naming AF, AMI and IFO. AMI's records open
    to the others only once AMI confirms; AF's are open from the start (AF registered it); IFO holds nothing."""
    ami_user, af_user = make_user(org="ami"), make_user(org="af")
    p = f.person(ami_user, note_category="social")
    holders.register_person(by=af_user, first_name="Elsa", last_name="L", number=p.number_display)
    people.add_note(p, by=af_user, category="sysselsattning", text="AF:s anteckning")
    c = f.consent(p, af_user, [orgs["ami"].id, orgs["ifo"].id], categories=("social", "sysselsattning"))
    if decision != "pending":
        consents.decide_consent(c, by=ami_user, confirm=decision == "confirmed", reason="Okänt för oss")
        db.session.commit()
    user = {"registrant": af_user, "keeper": ami_user, "third_party": make_user(org="ifo"),
            "outsider": make_user(org="skola")}[viewer]
    view = gate(user, p)
    assert (p.id in visible_person_ids(user)) is view.allowed
    holders_seen = {n.organisation_id for n in view.notes}
    ami_open, af_open = decision == "confirmed", True
    expected = {
        "registrant": {orgs["af"].id} | ({orgs["ami"].id} if ami_open else set()),
        "keeper": {orgs["ami"].id, orgs["af"].id} if af_open else {orgs["ami"].id},
        "third_party": ({orgs["ami"].id} if ami_open else set()) | {orgs["af"].id},
        "outsider": set(),
    }[viewer]
    assert holders_seen == expected
    assert view.allowed is (viewer != "outsider")
    # The shared (keeper's) name reaches only the keeper and whom the keeper opened to; else a holder's own.
    if viewer == "keeper" or (ami_open and viewer != "outsider"):
        assert view.label == "Elsa Lindqvist"
    elif viewer != "outsider":
        assert view.label == "Elsa L"


def test_kommun_consent_does_not_cover_its_units(app, orgs, make_user):
    kommun_user = make_user(org="kommun")
    p = f.person(kommun_user)
    f.consent(p, kommun_user, [orgs["af"].id])
    for unit in ("ami", "ifo", "skola"):
        assert not gate(make_user(org=unit), p).allowed
    assert gate(make_user(org="af"), p).allowed


def test_purpose_not_in_consent_refuses(app, orgs, make_user):
    ami_user = make_user(org="ami")
    p = f.person(ami_user)
    f.consent(p, ami_user, [orgs["af"].id], purposes=("remiss",))
    af_user = make_user(org="af")
    assert gate(af_user, p, "remiss").allowed
    refused = gate(af_user, p, "samordning")
    assert not refused.allowed and "syftet" in refused.reason


def test_superseded_consent_is_replaced_by_the_new_one(app, orgs, make_user):
    ami_user = make_user(org="ami")
    p = f.person(ami_user)
    old = f.consent(p, ami_user, [orgs["af"].id, orgs["skola"].id])
    consents.register_consent(p, by=ami_user, organisation_ids=[orgs["af"].id], purposes=["samordning"],
                              categories=["utbildning"], valid_from=identity.today(),
                              valid_until=identity.today() + timedelta(days=30), method="digital",
                              given_by_person=True, supersedes=old)
    db.session.commit()
    assert old.superseded_dt is not None
    assert not gate(make_user(org="skola"), p).allowed
    af_view = gate(make_user(org="af"), p)
    assert af_view.allowed and af_view.notes and not af_view.contacts


def test_disclosure_opens_the_named_categories_on_that_day_only(app, orgs, make_user):
    ami_user = make_user(org="ami")
    p = f.person(ami_user)
    consents.record_disclosure(p, by=ami_user, to_org_id=orgs["ifo"].id, basis="orosanmalan",
                               justification="Oro för den unges hemsituation.", categories=["utbildning"],
                               disclosed_on=identity.today())
    db.session.commit()
    ifo_user = make_user(org="ifo")
    view = gate(ifo_user, p)
    assert view.allowed and view.notes and not view.contacts
    assert not gate(ifo_user, p, on=identity.today() + timedelta(days=1)).allowed


def test_withdrawal_runs_hooks_notifies_and_queues_mail(app, orgs, make_user):
    from sqlalchemy import select

    from portal.notifications import Notice, OutboxMail

    ami_user = make_user(org="ami")
    p = f.person(ami_user)
    c = f.consent(p, ami_user, [orgs["af"].id])
    seen = []
    hook = consents.on_consent_withdrawn(lambda consent: seen.append(consent.id))
    try:
        consents.withdraw_consent(c, by=make_user(org="af"), reason="Den unge ringde och återkallade.")
    finally:
        consents.CONSENT_WITHDRAWN_HOOKS.remove(hook)
    db.session.commit()
    assert seen == [c.id]
    notice = db.session.scalar(select(Notice).where(Notice.key.like("consent-withdrawn-%")))
    assert notice.organisation_id == orgs["ami"].id and p.pseudonym in notice.params
    mail = db.session.scalar(select(OutboxMail))
    assert mail.to_address == ami_user.email and p.first_name not in mail.body and mail.sent_dt is None


def test_bulk_reads_keep_the_audit_chain_intact(app, orgs, make_user):
    from sqlalchemy import func, select

    from portal import audit, audit_check

    ami_user = make_user(org="ami")
    group = [f.person(ami_user, first=f"P{i}") for i in range(5)]
    gate(make_user(org="af"), group)
    gate(ami_user, group)
    db.session.commit()
    assert audit_check.verify().ok
    reads = db.session.scalars(select(audit.AuditEvent).where(
        audit.AuditEvent.action.in_(("person.read", "person.refused"))).order_by(audit.AuditEvent.seq)).all()
    # One event per list shown, naming each person on it: AF is refused all five, AMI reads all five.
    assert [(e.action, audit.people_of(e)) for e in reads] == [
        ("person.refused", sorted(p.id for p in group)), ("person.read", sorted(p.id for p in group))]
    assert db.session.scalar(select(func.count()).select_from(audit.AuditEventPerson)) >= 10


def test_within_one_request_the_gate_sees_a_consent_registered_or_withdrawn_meanwhile(app, orgs, make_user,
                                                                                        record_queries):
    """The gate loads a person's consents once per request; a write in between makes it load them again."""
    ami_user, af_user = make_user(org="ami"), make_user(org="af")
    p = f.person(ami_user)
    with app.test_request_context():
        with record_queries() as recorded:
            assert not gate(af_user, p, record=False).allowed
            assert not gate(af_user, p, record=False).allowed
        assert sum("FROM consents" in statement for statement, _params in recorded) == 1
        c = f.consent(p, ami_user, [orgs["ami"].id, orgs["af"].id])
        assert gate(af_user, p, record=False).allowed
        consents.withdraw_consent(c, by=ami_user, reason="Den unges begäran")
        assert not gate(af_user, p, record=False).allowed
        db.session.rollback()
        assert gate(af_user, p, record=False).allowed  # the withdrawal was undone
