"""Kommunkod on organisations, whose register a user works in, and the register's basis in law: the kommun's KAA
staff see it whatever consents say; others only through the gate."""
from __future__ import annotations

import pytest

from kaa import rules
from kaa.models import KaaEnrolment
from portal.db import db
from portal.errors import NotPermitted
from portal.orgs import OrgError, create_organisation, update_organisation, version_of
from portal.people import consent as consents
from portal.people.gate import gate, visible_person_ids
from tests.kaa.helpers import enrol
from tests.people import factories as f
from tests.people.test_access_rows import _derived, _kept


def test_kommunkod_is_checked_against_the_list_of_kommuner(orgs):
    with pytest.raises(OrgError) as exc:
        create_organisation(name="Påhittad kommun", code="pahittad", kind="kommun", orgnr="212000-2981",
                            kommunkod="9999", by=None)
    assert exc.value.field == "kommunkod"
    with pytest.raises(OrgError) as exc:
        create_organisation(name="En skola", code="en-skola", kind="skola", orgnr="212000-2981", kommunkod="1814",
                            by=None)
    assert "Bara en organisation av typen kommun" in str(exc.value)
    laxa = create_organisation(name="Laxå kommun", code="laxa", kind="kommun", orgnr="212000-2981",
                               kommunkod=" 1860 ", by=None)
    assert laxa.kommunkod == "1860"
    update_organisation(laxa, name=laxa.name, kind="kommun", orgnr=laxa.orgnr, parent=None, is_active=True,
                        kommunkod="", by=None, expected_version=version_of(laxa))
    assert laxa.kommunkod is None


def test_the_org_admin_form_sets_the_kommunkod(client, login_as, orgs):
    login_as(org="kommun", roles=("system_admin",))
    page = client.post(f"/admin/organisationer/{orgs['kommun'].id}", data={
        "name": "Lekebergs kommun", "kind": "kommun", "orgnr": "212000-2981", "parent": "", "is_active": "y",
        "kommunkod": "12ab", "version": version_of(orgs["kommun"])})
    assert page.status_code == 400 and "Okänd kommunkod" in page.get_data(as_text=True)
    page = client.post(f"/admin/organisationer/{orgs['kommun'].id}", data={
        "name": "Lekebergs kommun", "kind": "kommun", "orgnr": "212000-2981", "parent": "", "is_active": "y",
        "kommunkod": "1861", "version": version_of(orgs["kommun"])})
    assert page.status_code == 302
    db.session.expire_all()
    assert orgs["kommun"].kommunkod == "1861"


@pytest.mark.parametrize("org, roles, works", [
    ("kommun", ("handlaggare",), True), ("kommun", ("samordnare",), True), ("ami", ("handlaggare",), True),
    ("kommun", ("styrgrupp",), False), ("kommun", ("org_admin",), False), ("ifo", ("handlaggare",), False),
    ("skola", ("handlaggare",), False), ("af", ("samordnare",), False),
])
def test_who_works_the_register(make_user, org, roles, works):
    """kaa.work in the kommun or its units of kind kommun; IFO and the school are units too, but keep their
    secrecy (a school reports through a referral)."""
    assert rules.can_work_register(make_user(org=org, roles=roles)) is works


@pytest.mark.parametrize("org, roles, reports", [
    ("kommun", ("samordnare",), True), ("kommun", ("styrgrupp",), True), ("ami", ("samordnare",), True),
    ("kommun", ("handlaggare",), False), ("af", ("styrgrupp",), False), ("skola", ("samordnare",), False),
])
def test_who_reads_the_half_year_report(make_user, org, roles, reports):
    assert rules.can_report(make_user(org=org, roles=roles)) is reports


def test_the_kommuns_kaa_staff_see_the_register_by_law_and_nobody_else_does(make_user, orgs):
    ami, kommun = make_user(org="ami"), make_user(org="kommun", roles=("samordnare",))
    enrolment = enrol(ami, first="Hugo", last="Sandberg")
    person = enrolment.person
    assert (enrolment.org_id, enrolment.kommun_org_id, enrolment.kommunkod) == (orgs["ami"].id, orgs["kommun"].id,
                                                                                "1814")
    view = gate(kommun, person, record=False)
    assert view.allowed and view.label == "Hugo Sandberg"
    assert "KAA-registret (skollagen 29 kap. 9 §)" in view.bases
    assert view.contacts == []  # the basis opens the identity, not AMI's other records
    assert person.id in visible_person_ids(kommun)
    for org in ("ifo", "skola", "af"):
        other = make_user(org=org)
        assert not gate(other, person, record=False).allowed
        assert not rules.can_read(other, enrolment)
    assert _kept() == _derived()


def test_a_withdrawn_consent_never_hides_the_register(make_user, orgs):
    ami, kommun, af = make_user(org="ami"), make_user(org="kommun", roles=("samordnare",)), make_user(org="af")
    enrolment = enrol(ami)
    consent = f.consent(enrolment.person, ami, [orgs["af"].id, orgs["kommun"].id],
                        categories=("utbildning", "sysselsattning"))
    assert af  # named in it; whether it confirms does not matter to the register
    consents.withdraw_consent(consent, by=ami, reason="Vill inte dela längre.")
    db.session.commit()
    assert rules.can_work(kommun, enrolment) and gate(kommun, enrolment.person, record=False).allowed
    assert rules.can_work(ami, enrolment)


def test_others_read_an_enrolment_only_through_a_consent_for_utbildning_or_sysselsattning(make_user, orgs):
    ami, af = make_user(org="ami"), make_user(org="af")
    enrolment = enrol(ami)
    assert not rules.can_read(af, enrolment)
    f.consent(enrolment.person, ami, [orgs["af"].id], categories=("kontakt",))
    assert not rules.can_read(af, enrolment)
    f.consent(enrolment.person, ami, [orgs["af"].id], categories=("sysselsattning",))
    assert rules.can_read(af, enrolment) and not rules.can_work(af, enrolment)


def test_another_kommuns_staff_never_work_this_register(make_user, orgs):
    laxa = create_organisation(name="Laxå kommun", code="laxa", kind="kommun", orgnr="212000-2981",
                               kommunkod="1860", by=None)
    db.session.commit()
    enrolment = enrol(make_user(org="ami"))
    stranger = make_user(org=laxa, roles=("samordnare",))
    assert not rules.can_work(stranger, enrolment)
    from kaa import operations as ops

    with pytest.raises(NotPermitted):
        ops.deregister(enrolment, by=stranger, reason="flyttat", on=enrolment.registered_on)
    assert db.session.get(KaaEnrolment, enrolment.id).is_open
