"""Proposing a revision tells the steering group of every party, and their start page shows what waits for them."""
from __future__ import annotations

import re

from sqlalchemy import select

from agreements import operations as ops
from agreements.worklist import count_waiting
from portal.db import db
from portal.notifications import Notice, OutboxMail, set_wants_mail
from tests.agreements.helpers import url


def _card(html: str) -> str | None:
    match = re.search(r'<li class="worklist-card" id="att-gora-agreements-proposed">(.*?)</li>', html, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split()) if match else None


def test_proposing_notifies_the_steering_group_of_every_party_and_their_units(lekeberg, orgs, make_user):
    member = make_user(org="af", roles=("styrgrupp",))
    set_wants_mail(member, True, by=member)
    coordinator = make_user(org="kommun", roles=("samordnare",))
    set_wants_mail(coordinator, True, by=coordinator)
    revision = lekeberg.revisions[1]
    ops.propose(revision, by=make_user(org="kommun", roles=("samordnare",)))
    db.session.commit()
    notices = db.session.scalars(select(Notice).where(Notice.key.like(f"revision-proposed-{revision.id}-%"))).all()
    assert sorted(n.organisation_id for n in notices) == sorted(o.id for o in orgs.values())
    assert all(n.permission == "agreement.comment" for n in notices)
    # Only the steering-group member who asked for e-mail gets one; the coordinator the notice is not meant for
    # gets none.
    assert [m.to_address for m in db.session.scalars(select(OutboxMail))] == [member.email]


def test_proposing_again_after_taking_it_back_notifies_again(lekeberg, orgs):
    revision = lekeberg.revisions[1]
    mine = Notice.key.like(f"revision-proposed-{revision.id}-%")
    ops.propose(revision, by=None)
    ops.withdraw_proposal(revision, by=None)
    db.session.commit()
    assert len(db.session.scalars(select(Notice).where(mine)).all()) == len(orgs)
    ops.propose(revision, by=None)
    db.session.commit()
    assert len(db.session.scalars(select(Notice).where(mine)).all()) == 2 * len(orgs)


def test_the_steering_group_sees_the_proposal_on_its_start_page_until_its_party_approved(proposed, client,
                                                                                         make_user, login):
    member = make_user(org="ami", roles=("styrgrupp",))
    login(member)
    card = _card(client.get("/").get_data(as_text=True))
    assert card is not None and card.startswith("1 Förslag som väntar på dig")
    client.post(url(proposed, 2, "/anta"), data={"adopted_on": "2018-01-15", "confirm_expired": "y"})
    assert proposed.revisions[1].approval_of(next(p for p in proposed.parties if p.organisation_id in (
        member.organisation_id, member.organisation.parent_id))) is not None  # approved for its party
    assert _card(client.get("/").get_data(as_text=True)) is None
    # Another party's member still has it waiting until their party approves too.
    other = make_user(org="af", roles=("styrgrupp",))
    assert count_waiting(other) == 1


def test_no_card_for_a_coordinator_or_a_member_of_an_organisation_that_is_no_party(proposed, staff):
    assert count_waiting(staff("kommun", "samordnare")) == 0
    assert count_waiting(staff("other", "styrgrupp")) == 0
    assert count_waiting(staff("af", "styrgrupp")) == 1
