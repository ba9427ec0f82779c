"""The area's start-page card and notices: proposed revisions waiting for the steering group's comment or adoption."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import and_, func, or_, select

from agreements.models import AgreementParty, Revision, RevisionComment
from agreements.revision_files import PartyApproval
from portal import notifications
from portal.db import db
from portal.notifications import N_
from portal.orgs import Organisation
from portal.permissions import has, own_and_parent_ids


def count_waiting(user) -> int:
    """Proposed revisions of agreements the user's organisation (or its kommun) is a party to that wait for them:
    those their party has not approved yet for a member who adopts, those they have not commented on yet for one
    who only comments. One COUNT (the same parties `rules.can_see` asks of)."""
    if not (has(user, "agreement.adopt") or has(user, "agreement.comment")):
        return 0
    parties = select(AgreementParty.agreement_id).where(
        AgreementParty.organisation_id.in_(sorted(own_and_parent_ids(user.organisation))))
    stmt = select(func.count(Revision.id)).where(Revision.state == "proposed", Revision.agreement_id.in_(parties))
    if has(user, "agreement.adopt"):
        stmt = stmt.where(~_approved_by_my_party(user))
    else:
        commented = select(RevisionComment.revision_id).where(RevisionComment.author_id == user.id)
        stmt = stmt.where(Revision.id.not_in(commented))
    return db.session.scalar(stmt) or 0


def _approved_by_my_party(user):
    """The party the user acts for (`rules.party_of`: its own organisation's, else its kommun's) has approved."""
    org = user.organisation
    own_party = select(AgreementParty.id).where(AgreementParty.agreement_id == Revision.agreement_id,
                                                AgreementParty.organisation_id == org.id).exists()
    acting = AgreementParty.organisation_id == org.id
    if org.parent_id:
        acting = or_(acting, and_(~own_party, AgreementParty.organisation_id == org.parent_id))
    return (select(PartyApproval.id).join(AgreementParty, AgreementParty.id == PartyApproval.party_id)
            .where(PartyApproval.revision_id == Revision.id, acting).exists())


def waiting_text(count: int) -> str:
    return ngettext("%(num)s förslag till överenskommelse väntar på styrgruppens kommentar eller antagande.",
                    "%(num)s förslag till överenskommelse väntar på styrgruppens kommentarer eller antagande.", count)


def tell_steering_group(revision: Revision) -> None:
    """A revision was proposed: the steering-group members of every party, and of the parties' units (they work
    for the agreement too, `rules.can_see`), get one notice per organisation for this proposal."""
    party_ids = set(revision.agreement.party_org_ids)
    unit_ids = set(db.session.scalars(select(Organisation.id).where(Organisation.parent_id.in_(sorted(party_ids)))))
    # Each proposal is its own event (taken back and proposed again, the steering group is told again).
    proposed = f"{revision.proposed_dt:%Y%m%d%H%M%S%f}" if revision.proposed_dt else "0"
    for org_id in sorted(party_ids | unit_ids):
        notifications.notify_organisation(
            org_id, N_("Revision %(n)s av %(title)s är föreslagen för antagande. Läs förslaget och kommentera "
                       "eller anta det."),
            params={"n": revision.number, "title": revision.agreement.title},
            url=f"/overenskommelser/{revision.agreement_id}/revisioner/{revision.number}",
            permission="agreement.comment", key=f"revision-proposed-{revision.id}-{proposed}-{org_id}", mail=True)


def register_cards() -> None:
    from portal.templating import StartCard, add_start_card

    add_start_card(StartCard(key="agreements.proposed", title=_l("Förslag som väntar på dig"),
                             permission="agreement.comment", count=count_waiting, text=waiting_text,
                             endpoint="agreements.index", order=40))
