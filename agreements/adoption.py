"""Adoption by every party: each party approves a proposed revision; the last approval adopts it.

A party approves through a steering-group member of its own (or of a unit of the kommun) in the portal, or, when
it has no steering-group member here, a coordinator records the party's signed decision with its scan. When the
last party has approved, the revision is adopted: the goals are frozen, the signatures dated and the .docx stored.
"""
from __future__ import annotations

import json
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from agreements import rules
from agreements.models import AgreementParty, Revision
from agreements.operations import AgreementError, checked_scan, goal_snapshot, store_document, user_id
from agreements.revision_files import PartyApproval
from portal import audit, clock
from portal.auth.models import User, UserRole
from portal.db import db, utcnow
from portal.orgs import Organisation
from portal.permissions import check_by


def parties_with_members(agreement) -> set[int]:
    """Ids of the parties that have an active steering-group member in the portal (in the party's organisation
    or a unit of it): those approve for themselves, nobody records a decision for them."""
    party_by_org = {party.organisation_id: party.id for party in agreement.parties}
    rows = db.session.execute(
        select(Organisation.id, Organisation.parent_id).join(User, User.organisation_id == Organisation.id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == "styrgrupp", User.is_active_account.is_(True),
               or_(Organisation.id.in_(party_by_org), Organisation.parent_id.in_(party_by_org))).distinct())
    return {party_by_org.get(org_id) or party_by_org[parent_id] for org_id, parent_id in rows}


def parties_to_record(revision: Revision) -> list[AgreementParty]:
    """The parties whose decision a coordinator may record now: not yet approved and no member in the portal."""
    members = parties_with_members(revision.agreement)
    return [party for party in revision.parties_still_to_approve() if party.id not in members]


def _check_approvable(revision: Revision, decided_on: date | None, confirm_expired: bool, by) -> None:
    if revision.is_adopted:
        raise AgreementError(_l("Revision %(n)s är redan antagen.", n=revision.number))
    if not revision.is_proposed:
        raise AgreementError(_l("Revisionen måste föreslås innan den kan antas."))
    if decided_on is None:
        raise AgreementError(_l("Ange datum för beslutet."), field="adopted_on")
    if decided_on > clock.today():
        raise AgreementError(_l("Beslutsdatumet kan inte ligga i framtiden."), field="adopted_on")
    if not revision.signatories:
        raise AgreementError(_l("Ange minst en undertecknare innan revisionen antas."))
    if by is not None and revision.has_expired() and not confirm_expired:
        raise AgreementError(_l("Revisionens giltighetstid gick ut %(d)s. Bekräfta att ni ändå antar den, eller ta "
                                "tillbaka den till utkast och ändra giltighetstiden.",
                                d=revision.valid_to.isoformat()), field="confirm_expired")


def _refuse_twice(revision: Revision, party: AgreementParty, field: str | None = None) -> None:
    if revision.approval_of(party) is not None:
        raise AgreementError(_l("%(party)s har redan godkänt revision %(n)s.", party=party.name,
                                n=revision.number), field=field)


def adopt(revision: Revision, *, adopted_on: date | None, confirm_expired: bool = False, by) -> Revision:
    """A steering-group member approves a proposed revision for their party; the last party's approval adopts it.

    A trusted script (by=None: the demo seeder, fixtures) approves for every party still to approve at once.
    """
    check_by(by, rules.can_adopt, revision.agreement, "agreement:adopt")
    _check_approvable(revision, adopted_on, confirm_expired, by)
    if by is None:
        parties = revision.parties_still_to_approve()
    else:
        party = rules.party_of(by, revision.agreement)
        _refuse_twice(revision, party)
        parties = [party]
    for party in parties:
        revision.approvals.append(PartyApproval(party=party, kind="member" if by else "recorded",
                                                decided_on=adopted_on, by_id=user_id(by)))
        db.session.flush()
        audit.record("agreement.revision.approve", obj=revision, by=by,
                     details={"number": revision.number, "party": party.name, "decided_on": adopted_on.isoformat()})
    _adopt_when_every_party_approved(revision, by)
    return revision


def record_decision(revision: Revision, *, party_id: int | None, decided_on: date | None, filename: str,
                    data: bytes, confirm_expired: bool = False, by) -> PartyApproval:
    """A coordinator records the signed decision of a party that has no steering-group member in the portal."""
    check_by(by, rules.can_record_decision, revision.agreement, "agreement:record-decision")
    _check_approvable(revision, decided_on, confirm_expired, by)
    party = next((p for p in revision.agreement.parties if p.id == party_id), None)
    if party is None:
        raise AgreementError(_l("Välj en av överenskommelsens parter."), field="party")
    _refuse_twice(revision, party, "party")
    if party.id in parties_with_members(revision.agreement):
        raise AgreementError(_l("%(party)s har styrgruppsledamöter i portalen. De godkänner revisionen själva.",
                                party=party.name), field="party")
    scan_filename, scan_mimetype = checked_scan(filename, data, "scan", "beslut.pdf")
    approval = PartyApproval(party=party, kind="recorded", decided_on=decided_on, by_id=user_id(by),
                             scan_filename=scan_filename, scan_mimetype=scan_mimetype, scan_data=data)
    revision.approvals.append(approval)
    db.session.flush()
    audit.record("agreement.revision.record_decision", obj=revision, by=by,
                 details={"number": revision.number, "party": party.name, "decided_on": decided_on.isoformat(),
                          "filename": scan_filename})
    _adopt_when_every_party_approved(revision, by)
    return approval


def _adopt_when_every_party_approved(revision: Revision, by) -> None:
    """Adopted, immutable from here: the goals' wording frozen, the signatures dated, the .docx stored."""
    if revision.parties_still_to_approve():
        return
    adopted_on = max(approval.decided_on for approval in revision.approvals)
    for link in revision.goal_links:
        link.frozen = json.dumps(goal_snapshot(link.goal), ensure_ascii=False, sort_keys=True)
    for signatory in revision.signatories:
        signatory.signed_on = signatory.signed_on or adopted_on
    revision.state, revision.adopted_on = "adopted", adopted_on
    revision.adopted_dt, revision.adopted_by_id = utcnow(), user_id(by)
    db.session.flush()
    stored = store_document(revision)
    # The checksum in the hash-chained audit trail shows later that a download is the document that was adopted.
    audit.record("agreement.revision.adopt", obj=revision, by=by,
                 details={"number": revision.number, "adopted_on": adopted_on.isoformat(),
                          "parties": [approval.party.name for approval in revision.approvals],
                          "signatories": [s.name for s in revision.signatories], "document_sha256": stored.sha256})
