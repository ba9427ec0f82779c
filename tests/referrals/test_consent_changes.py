"""A consent withdrawn while a referral is open: sight is cut at once, both sides are told, only closing or
continuing with a new consent is left; a consultation named once a consent exists."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.db import db
from portal.errors import NotPermitted, StaleEdit
from portal.notifications import Notice
from portal.people import consent as consents
from portal.people.gate import gate
from referrals import basis, basis_changes, rules
from referrals import operations as ops
from tests.people import factories as f
from tests.referrals import helpers as h


@pytest.fixture
def withdrawn(orgs, make_user):
    """An accepted referral from AF to the AMI whose consent AF then withdrew."""
    af, ami = make_user(org="af"), make_user(org="ami")
    p = h.consented_person(af, orgs["ami"], first="Nora", last="Berglund")
    r = h.received(af, orgs["ami"], ami, p)
    ops.comment(r, by=ami, body="Vi har bokat ett första möte.")
    ops.accept(r, by=ami)
    db.session.commit()
    assert gate(ami, p, basis.PURPOSE, record=False).allowed and basis.sender_part_open(ami, r)
    consents.withdraw_consent(r.consent, by=af, reason="Den unge ringde.")
    db.session.commit()
    return {"af": af, "ami": ami, "person": p, "referral": r}


def test_withdrawal_cuts_the_receivers_sight_at_once_and_marks_the_referral(withdrawn):
    r, ami, af, p = withdrawn["referral"], withdrawn["ami"], withdrawn["af"], withdrawn["person"]
    assert r.consent_lost_dt is not None and r.events[-1].action == "consent_lost"
    assert not gate(ami, p, basis.PURPOSE, record=False).allowed
    assert not basis.sender_part_open(ami, r)
    assert basis.sender_part_open(af, r) and gate(af, p, basis.PURPOSE, record=False).allowed
    # The receiver's own comment stays its own record.
    assert [c.body for c in r.comments] == ["Vi har bokat ett första möte."]


def test_after_withdrawal_the_receiver_may_close_and_the_sender_may_not_continue_without_a_new_consent(withdrawn):
    r, af, ami = withdrawn["referral"], withdrawn["af"], withdrawn["ami"]
    assert rules.can_continue(af, r) and not rules.can_continue(ami, r)
    with pytest.raises(ops.ReferralError, match="har återkallats"):
        basis_changes.continue_with_consent(r, by=af, expected_version=r.version)
    db.session.rollback()
    with pytest.raises(NotPermitted):
        basis_changes.continue_with_consent(r, by=ami)
    db.session.rollback()
    ops.close(r, by=ami, outcome="annat", note="Samtycket återkallades.")
    db.session.commit()
    assert r.state == "closed"
    assert not rules.can_continue(af, r)


def test_a_new_consent_lets_the_sender_continue_and_the_receiver_sees_the_senders_part_again(withdrawn, orgs):
    r, af, ami, p = withdrawn["referral"], withdrawn["af"], withdrawn["ami"], withdrawn["person"]
    old = r.consent_id
    new = f.consent(p, af, [orgs["af"].id, orgs["ami"].id], purposes=["remiss"])
    stale_version = r.version
    basis_changes.continue_with_consent(r, by=af, expected_version=r.version)
    db.session.commit()
    assert r.consent_id == new.id != old and r.consent_lost_dt is None
    assert r.events[-1].action == "continue" and f"nr {new.id}" in r.events[-1].note
    assert basis.sender_part_open(ami, r) and gate(ami, p, basis.PURPOSE, record=False).allowed
    assert any("bygger nu på ett nytt samtycke" in n.text for n in db.session.scalars(select(Notice)))
    # A second click on the same page: the referral changed meanwhile.
    with pytest.raises(StaleEdit):
        basis_changes.continue_with_consent(r, by=af, expected_version=stale_version)
    db.session.rollback()


def test_a_new_consent_that_does_not_cover_the_categories_is_refused_with_the_reason(withdrawn, orgs):
    r, af, p = withdrawn["referral"], withdrawn["af"], withdrawn["person"]
    f.consent(p, af, [orgs["af"].id, orgs["ami"].id], purposes=["remiss"], categories=("kontakt",))
    with pytest.raises(ops.ReferralError, match="omfattar inte: utbildning"):
        basis_changes.continue_with_consent(r, by=af)
    db.session.rollback()


def test_a_duty_referral_cannot_be_continued_with_a_consent(orgs, make_user):
    skola, kommun = make_user(org="skola"), make_user(org="kommun")
    r = h.received(skola, orgs["kommun"], kommun, f.person(skola), type="studieavbrott", categories=())
    assert not rules.can_continue(skola, r)
    with pytest.raises(NotPermitted):
        basis_changes.continue_with_consent(r, by=skola)
    db.session.rollback()


def test_a_withdrawal_while_the_referral_waits_leaves_the_receiver_only_the_answer_no(orgs, make_user):
    af, ami = make_user(org="af"), make_user(org="ami")
    p = h.consented_person(af, orgs["ami"])
    r = h.received(af, orgs["ami"], ami, p)
    consents.withdraw_consent(r.consent, by=ami, reason="Den unge ringde till oss.")
    db.session.commit()
    with pytest.raises(ops.ReferralError, match="gäller inte längre"):
        ops.accept(r, by=ami)
    db.session.rollback()
    ops.decline(r, by=ami, reason="Samtycket återkallades.")
    db.session.commit()
    assert r.state == "declined"


# --- A consultation named -------------------------------------------------------------------------------------


@pytest.fixture
def consultation(orgs, make_user):
    af, ami = make_user(org="af"), make_user(org="ami")
    r = h.sent(af, orgs["ami"], None, type="konsultation", categories=(),
               reason="En ung person har hoppat av gymnasiet och vill börja arbeta.", help_requested="Råd.")
    return {"af": af, "ami": ami, "referral": r}


@pytest.mark.parametrize("text", ["Hon heter 20050101-1234 i registret", "ring 070-123 45 67",
                                  "mejla nora@example.se", "nummer 0501011234"])
def test_a_consultations_comments_are_checked_for_identifiers_from_both_sides(consultation, text):
    for who in ("af", "ami"):
        with pytest.raises(ops.ReferralError) as refused:
            ops.comment(consultation["referral"], by=consultation[who], body=text)
        db.session.rollback()
        assert refused.value.field == "body"


def test_a_consultation_is_named_only_once_a_consent_covers_it(consultation, orgs):
    r, af, ami = consultation["referral"], consultation["af"], consultation["ami"]
    p = f.person(af, first="Nora")
    with pytest.raises(ops.ReferralError) as refused:
        basis_changes.name_consultation(r, by=af, type="stod", person=p, categories=["utbildning"])
    db.session.rollback()
    assert refused.value.field == "person" and "inget samtycke" in str(refused.value)
    # Only the sender names it.
    with pytest.raises(NotPermitted):
        basis_changes.name_consultation(r, by=ami, type="stod", person=p, categories=["utbildning"])
    db.session.rollback()
    # A type that is not consent-based, no categories, no person: each named.
    with pytest.raises(ops.ReferralError) as refused:
        basis_changes.name_consultation(r, by=af, type="orosanmalan", person=None, categories=[])
    db.session.rollback()
    assert {field for field, _ in refused.value.errors} == {"type", "categories", "person"}

    consent = f.consent(p, af, [orgs["af"].id, orgs["ami"].id], purposes=["remiss"])
    basis_changes.name_consultation(r, by=af, type="stod", person=p, categories=["utbildning"],
                                    expected_version=r.version)
    db.session.commit()
    assert (r.type, r.person_id, r.consent_id, r.categories) == ("stod", p.id, consent.id, ["utbildning"])
    assert r.named_dt is not None and r.events[-1].action == "name"
    assert gate(ami, p, basis.PURPOSE, record=False).allowed and basis.sender_part_open(ami, r)
    # Once named, the thread may name the person; the consultation's rule no longer applies.
    ops.comment(r, by=af, body="Ring henne på 070-123 45 67.")
    db.session.commit()
    assert not rules.can_name(af, r)


def test_the_duty_bases_keys_fit_the_gates_rows_and_a_longer_one_is_refused_at_registration(app):
    """person_access.basis is a String(12) filled by INSERT ... SELECT: a longer key passed on SQLite and failed
    every derivation on PostgreSQL."""
    from portal.people import access

    keys = set(basis.LEGAL_KEYS.values())
    assert keys <= set(access.LEGAL_BASES)
    assert all(len(key) <= 12 for key in access.LEGAL_BASES)
    with pytest.raises(ValueError, match="longer than"):
        access.register_legal_basis(access.LegalBasis(key="referral.studieavbrott", label="x", rows=None))
    assert "referral.studieavbrott" not in access.LEGAL_BASES
