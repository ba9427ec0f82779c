"""What a referral rests on: a consent covering both organisations, a duty to inform, or nothing (a consultation)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from portal.clock import today
from portal.db import db
from portal.notifications import Notice
from portal.people import consent as consents
from portal.people import holders
from portal.people.gate import gate
from referrals import basis
from referrals import operations as ops
from tests.people import factories as f
from tests.referrals import helpers as h


def _refusal(sender, to_org, person, **kw):
    r = h.draft(sender, to_org, person, **kw)
    with pytest.raises(ops.ReferralError) as refused:
        ops.submit(r, by=sender)
    db.session.rollback()
    return refused.value


def test_no_consent_refuses_naming_both_organisations(orgs, make_user):
    af = make_user(org="af")
    p = f.person(af)
    refused = _refusal(af, orgs["ami"], p)
    assert refused.field == "person"
    assert "Arbetsförmedlingen Hallsberg" in str(refused) and "Lekebergs kommun, AMI" in str(refused)


@pytest.mark.parametrize(("change", "words"), [
    ("withdrawn", "har återkallats"),
    ("expired", "gick ut"),
    ("purpose", "omfattar inte syftet remiss"),
    ("category", "omfattar inte: hälsa"),
    ("unconfirmed", "har inte bekräftat"),
])
def test_a_consent_that_does_not_carry_it_refuses_with_the_reason(change, words, orgs, make_user):
    af, ami = make_user(org="af"), make_user(org="ami")
    p = f.person(af)
    categories = ["utbildning"]
    if change == "unconfirmed":  # the AMI registered it; AF, which sends, has not stood behind it
        holder = f.person(ami, first="Ali")
        c = f.consent(holder, ami, [orgs["af"].id, orgs["ami"].id], purposes=["remiss"])
        holders.register_person(by=af, first_name="Ali", last_name="Lindqvist", number=holder.id_number,
                                is_protected=False, home_kommun="1814")
        db.session.commit()
        p = holder
    else:
        c = f.consent(p, af, [orgs["af"].id, orgs["ami"].id],
                      purposes=["samordning"] if change == "purpose" else ["remiss"],
                      until=today() - timedelta(days=1) if change == "expired" else None)
        if change == "withdrawn":
            consents.withdraw_consent(c, by=af, reason="Den unges begäran.")
            db.session.commit()
        if change == "category":
            categories = ["halsa"]
    refused = _refusal(af, orgs["ami"], p, categories=categories)
    assert words in str(refused), str(refused)
    assert f"nr {c.id}" in str(refused)


def test_a_covering_consent_is_named_and_the_receiver_sees_the_person_for_remiss(orgs, make_user):
    af, ami = make_user(org="af"), make_user(org="ami")
    p = h.consented_person(af, orgs["ami"], first="Nora")
    consent, why = basis.consent_for(p, orgs["af"], orgs["ami"], ["utbildning"])
    assert consent is not None and why == ""
    r = h.sent(af, orgs["ami"], p)
    assert r.consent_id == consent.id and r.due_on > r.submitted_on
    assert gate(ami, p, "remiss", record=False).allowed
    assert basis.sender_part_open(ami, r)


@pytest.mark.parametrize("type_key", ["studieavbrott", "orosanmalan"])
def test_a_duty_needs_no_consent_and_gives_sight_while_the_matter_is_open(type_key, orgs, make_user):
    school = make_user(org="skola")
    to = "kommun" if type_key == "studieavbrott" else "ifo"
    receiver = make_user(org=to)
    # 20 or older for the dropout report: accepting one of a 16–19-year-old registers them in the kommun's KAA
    # register (kaa.dropouts), which is sight of its own; here only the referral's basis is looked at.
    p = f.person(school, first="Elsa", **({"birth": f.born(20, -30)} if type_key == "studieavbrott" else {}))
    assert not gate(receiver, p, record=False).allowed
    r = h.sent(school, orgs[to], p, type=type_key, categories=())
    view = gate(receiver, p, record=False)
    assert view.allowed and view.first_name == "Elsa"
    full = gate(receiver, p)
    assert full.notes == [] and full.contacts == []  # the identity, none of the school's records
    assert any("lag" in b or "§" in b for b in full.bases)
    ops.receive_on_open(r, by=receiver)
    if type_key == "studieavbrott":
        ops.accept(r, by=receiver)
    ops.close(r, by=receiver, outcome="studier")
    db.session.commit()
    assert not gate(receiver, p, record=False).allowed


def test_a_duty_goes_only_where_the_law_sends_it(orgs, make_user):
    af, school = make_user(org="af"), make_user(org="skola")
    p = f.person(af)
    with pytest.raises(ops.ReferralError) as refused:
        h.draft(af, orgs["kommun"], p, type="studieavbrott", categories=())
    assert refused.value.field == "type"
    q = f.person(school)
    with pytest.raises(ops.ReferralError) as refused:
        h.draft(school, orgs["af"], q, type="orosanmalan", categories=())
    assert refused.value.field == "to_org_id"


def test_withdrawal_cuts_the_receivers_sight_at_once_and_tells_both_sides_once(orgs, make_user):
    af, ami = make_user(org="af"), make_user(org="ami")
    p = h.consented_person(af, orgs["ami"])
    r = h.received(af, orgs["ami"], ami, p)
    consents.withdraw_consent(r.consent, by=af, reason="Den unge vill inte längre.")
    db.session.commit()
    assert not gate(ami, p, "remiss", record=False).allowed
    assert not basis.sender_part_open(ami, r) and basis.sender_part_open(af, r)
    assert r.consent_lost_dt is not None and r.events[-1].action == "consent_lost"
    for org in ("af", "ami"):
        told = db.session.query(Notice).filter(Notice.organisation_id == orgs[org].id,
                                               Notice.key.like("consent-withdrawn-%")).all()
        assert len(told) == 1 and r.reference in told[0].text
    with pytest.raises(ops.ReferralError):
        ops.accept(r, by=ami)
    db.session.rollback()


@pytest.mark.parametrize("text", [
    "Gäller 200803142389", "gäller 080314-2389", "pnr 20080314-2389", "080314 2389", "samordning 080374-2384",
    "mejla elsa.lind@exempel.se", "ring 070-123 45 67", "tel +46 70 123 45 67", "0191234567",
    "född 080314 och bor hos en kompis", "bor på Storgatan 3 i Fjugesta",
])
def test_a_consultation_refuses_what_identifies(text, orgs, make_user):
    af = make_user(org="af")
    with pytest.raises(ops.ReferralError) as refused:
        h.draft(af, orgs["ami"], None, type="konsultation", reason=text)
    assert "Ta bort" in str(refused.value) and refused.value.field == "reason"


def test_a_consultation_allows_ordinary_numbers(orgs, make_user):
    af = make_user(org="af")
    r = h.sent(af, orgs["ami"], None, type="konsultation", categories=(),
               reason="En 17-åring som slutade i årskurs 2 i mars 2026; 3 av 5 kurser klara, 10 000 kr i CSN-skuld.")
    assert r.state == "submitted" and r.person_id is None


def test_a_new_version_of_the_consent_carries_the_referral_at_once(orgs, make_user):
    """The receiver keeps seeing the sender's part the moment a wider version replaces the consent, not only
    after the next daily run; a version that drops the receiver stops it at once."""
    af, ami = make_user(org="af"), make_user(org="ami")
    p = h.consented_person(af, orgs["ami"])
    r = h.received(af, orgs["ami"], ami, p)

    def new_version(old, org_ids):
        c = consents.register_consent(
            p, by=af, organisation_ids=org_ids, purposes=["remiss"], categories=["kontakt", "utbildning", "halsa"],
            valid_from=today(), valid_until=today() + timedelta(days=100), method="digital", given_by_person=True,
            guardian_names=[], person_view="", maturity_assessment="Mogen nog.", supersedes=old)
        db.session.commit()
        return c

    wider = new_version(r.consent, [orgs["af"].id, orgs["ami"].id])
    assert basis.sender_part_open(ami, r)
    new_version(wider, [orgs["af"].id, orgs["kommun"].id])
    r.consent = wider  # as if the daily job had moved it to the wider one
    db.session.commit()
    assert not basis.sender_part_open(ami, r)


def test_a_dropout_report_goes_to_the_pupils_home_kommun(orgs, make_user):
    from portal.orgs import create_organisation

    school = make_user(org="skola")
    other = create_organisation(name="Örebro kommun", code="orebro", kind="kommun", orgnr="212000-1967",
                                kommunkod="1880", by=None)
    p = f.person(school)  # home kommun 1814 Lekeberg
    with pytest.raises(ops.ReferralError) as refused:
        h.draft(school, other, p, type="studieavbrott", categories=())
    assert refused.value.field == "to_org_id" and "Lekeberg" in str(refused.value)
    assert h.draft(school, orgs["kommun"], p, type="studieavbrott", categories=()).state == "draft"
