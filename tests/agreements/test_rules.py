"""Every record rule of agreements/rules.py, asked for each role in a party, a party's unit and a non-party."""
from __future__ import annotations

import pytest
from flask_login import AnonymousUserMixin

from agreements import rules
from portal import permissions
from portal.auth import operations as accounts
from portal.db import db

ROLES = ["handlaggare", "samordnare", "styrgrupp", "org_admin", "system_admin"]
#: "kommun" and "af" are parties of the seed agreement, "ami" is a unit of the kommun, "other" is no party.
ORGS = ["kommun", "ami", "af", "other"]


@pytest.mark.parametrize("org", ORGS)
@pytest.mark.parametrize("role", ROLES)
def test_each_rule_for_each_role_and_organisation(proposed, staff, role, org):
    user = staff(org, role)
    adopted, open_revision = proposed.revisions
    party = org != "other"
    assert rules.can_see(user, proposed) is party
    assert rules.can_read(user, adopted) is (party and role != "system_admin")
    assert rules.can_read(user, open_revision) is (party and role in ("samordnare", "styrgrupp"))
    assert rules.can_revise(user, proposed) is (party and role == "samordnare")
    assert rules.can_adopt(user, proposed) is (party and role == "styrgrupp")
    assert rules.can_comment(user, open_revision) is (party and role == "styrgrupp")
    assert rules.can_comment(user, adopted) is False
    assert rules.can_upload_scan(user, adopted) is (party and role in ("samordnare", "styrgrupp"))
    assert rules.can_create(user) is (role == "samordnare")
    assert rules.is_among_parties(user, [p.organisation for p in proposed.parties]) is party


@pytest.mark.parametrize("role", ["samordnare", "styrgrupp", "handlaggare"])
def test_drafts_are_read_only_by_those_who_work_on_them(lekeberg, staff, role):
    adopted, draft = lekeberg.revisions
    user = staff("af", role)
    assert rules.can_read(user, draft) is (role != "handlaggare")
    assert rules.can_comment(user, draft) is False  # only a proposed revision takes comments
    assert rules.readable_revisions(user, lekeberg) == ([adopted, draft] if role != "handlaggare" else [adopted])


def test_a_unit_counts_for_its_kommun_but_a_kommun_not_for_its_unit(lekeberg, orgs, staff):
    """One step up is followed (the kommun binds its units), never down: a kommun's staff are not AMI's."""
    unit_user, kommun_user = staff("ami", "samordnare"), staff("kommun", "samordnare")
    assert rules.is_among_parties(unit_user, [orgs["kommun"], orgs["af"]])
    assert rules.is_among_parties(unit_user, [orgs["ami"]])
    assert not rules.is_among_parties(kommun_user, [orgs["ami"], orgs["af"]])


def test_nobody_logged_out_or_deactivated_passes_a_rule(proposed, staff):
    adopted, open_revision = proposed.revisions
    deactivated = accounts.set_active(staff("kommun", "samordnare"), False, by=None)
    member = accounts.set_active(staff("af", "styrgrupp"), False, by=None)
    db.session.commit()
    for user in (AnonymousUserMixin(), None, deactivated, member):
        assert not rules.can_read(user, adopted)
        assert not rules.can_revise(user, proposed)
        assert not rules.can_adopt(user, proposed)
        assert not rules.can_comment(user, open_revision)
        assert not rules.can_upload_scan(user, adopted)
        assert not rules.can_create(user)
        assert rules.readable_revisions(user, proposed) == []
    assert not rules.can_see(AnonymousUserMixin(), proposed) and not rules.can_see(None, proposed)


def test_the_agreement_rules_live_with_the_area_not_in_portal():
    for name in ("is_party_staff", "can_read_agreement_revision", "can_revise_agreement", "can_adopt_agreement",
                 "can_comment_agreement_revision"):
        assert not hasattr(permissions, name), name
