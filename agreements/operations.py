"""Every change to an agreement and the life of its revisions: create, parties, new revision, propose, files.

Editing a draft's text lives in draft_operations, the parties' approvals and adoption in adoption, goals and
measured values in goal_operations. Every operation
takes the acting user as `by=`: it asks the record rule (agreements.rules) for that user, refuses with
`AgreementError` (a portal.errors.RuleError: message + field) when the input breaks a rule of the agreement,
changes, and records the audit event by that user. `by=None` means a trusted script (the demo seeder, a CLI
command): no rule is asked and the audit event names no user. Views always pass the logged-in user.
"""
from __future__ import annotations

import hashlib
import re
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from agreements import document, rules, template
from agreements import routines as routine_text
from agreements.models import (
    Agreement,
    AgreementParty,
    Appendix,
    Goal,
    PartyPerson,
    Revision,
    RevisionComment,
    RevisionGoal,
    Section,
    Signatory,
)
from agreements.revision_files import AdoptedDocument
from agreements.worklist import tell_steering_group
from portal import audit
from portal.db import db, utcnow
from portal.errors import RuleError
from portal.forms import safe_filename
from portal.orgs import Organisation
from portal.permissions import check, check_by
from portal.text import clean_line, clean_text


class AgreementError(RuleError):
    """A rule of the agreement was broken; `field` names the form field the message belongs beside."""


def user_id(by) -> int | None:
    """The acting user's id for "who did it" columns; None for a trusted script."""
    return by.id if by is not None else None


def require_draft(revision: Revision) -> None:
    """Only a draft changes: an adopted revision is frozen, a proposed one goes back to draft first."""
    if revision.is_adopted:
        raise AgreementError(_l("Revision %(n)s är antagen och kan inte ändras. Skapa en ny revision för att "
                                "göra ändringar.", n=revision.number))
    if not revision.is_draft:
        raise AgreementError(_l("Revision %(n)s är föreslagen för antagande. Ta tillbaka den till utkast för att "
                                "ändra den.", n=revision.number))


def check_validity(valid_from: date | None, valid_to: date | None) -> None:
    if valid_from and valid_to and valid_to < valid_from:
        raise AgreementError(_l("Slutdatumet (t.o.m.) kan inte vara före startdatumet (fr.o.m.)."),
                             field="valid_to")


def one_line(value: str | None) -> str:
    """A one-line text field as stored: control characters dropped (they come from pasting and would break the
    .docx), breaks and tabs as spaces, trimmed."""
    return clean_line(value).strip()


def long_text(value: str | None) -> str:
    """A long text field as stored: new lines and tabs kept, Word's line breaks as new lines, other control
    characters dropped, trimmed."""
    return clean_text(value).strip()


def too_long(limit: int, value: str):
    return _l("Högst %(max)s tecken (nu %(n)s).", max=limit, n=len(value))


def fits(value: str, limit: int, field: str) -> str:
    """The value, or a refusal beside `field` when it is longer than its column holds."""
    if len(value) > limit:
        raise AgreementError(too_long(limit, value), field=field)
    return value


def slug(text: str) -> str:
    """A stable key from a title ("Mål och uppföljning" → "mal-och-uppfoljning") for comparing revisions."""
    value = re.sub(r"[^a-z0-9åäö]+", "-", (text or "").lower()).strip("-")
    return (value.replace("å", "a").replace("ä", "a").replace("ö", "o") or "avsnitt")[:60]


# --- Agreements ---------------------------------------------------------------------------------------


def organisations_to_choose() -> list[Organisation]:
    """The organisations a new agreement may bind: every active one, by name."""
    return list(db.session.scalars(select(Organisation).where(Organisation.is_active.is_(True))
                                   .order_by(Organisation.name)))


def create_agreement(*, title: str, diarienummer: str | None, parties: list[Organisation],
                     valid_from: date | None = None, valid_to: date | None = None, by) -> Agreement:
    """A new agreement with revision 1 as a draft holding the seed agreement's sections.

    The acting user's own organisation (or the kommun it is a unit of) must be among the parties: nobody starts
    an agreement that they would then not be allowed to see.
    """
    if by is not None:
        check(rules.can_create(by), "agreement:create")
    problems: list[tuple[str, object]] = []  # every problem at once, each beside its field
    for check_one in (lambda: fits(one_line(title), 300, "title"),
                      lambda: fits(one_line(diarienummer), 60, "diarienummer"),
                      lambda: check_validity(valid_from, valid_to)):
        try:
            check_one()
        except AgreementError as exc:
            problems.append((exc.field, str(exc)))
    if not one_line(title):
        problems.append(("title", _l("Ange överenskommelsens titel.")))
    if len(parties) < 2:
        problems.append(("parties", _l("En överenskommelse behöver minst två parter, t.ex. kommunen och "
                                       "Arbetsförmedlingen.")))
    if by is not None and not rules.is_among_parties(by, parties):
        problems.append(("parties", _l("Din egen organisation måste vara part i överenskommelsen.")))
    if problems:
        raise AgreementError(problems[0][1], field=problems[0][0], errors=problems)
    title = one_line(title)
    agreement = Agreement(title=title, diarienummer=one_line(diarienummer) or None)
    for position, org in enumerate(parties):
        agreement.parties.append(AgreementParty(organisation=org, name=org.name, orgnr=org.orgnr,
                                                position=position))
    db.session.add(agreement)
    revision = Revision(agreement=agreement, number=1, state="draft", valid_from=valid_from, valid_to=valid_to,
                        created_by_id=user_id(by))
    for position, (key, title_text, _hint) in enumerate(template.SECTIONS):
        revision.sections.append(Section(key=key, title=title_text, body="", position=position))
    db.session.add(revision)
    db.session.flush()
    audit.record("agreement.create", obj=agreement, by=by,
                 details={"title": title, "parties": [p.orgnr for p in agreement.parties]})
    return agreement


def add_party_person(agreement: Agreement, *, party_id: int | None, name: str, title: str = "",
                     email: str | None = None, is_signatory: bool = False, is_contact: bool = False,
                     by) -> PartyPerson:
    """A contact person or signatory of one of the agreement's parties."""
    check_by(by, rules.can_revise, agreement, "agreement:revise")
    party = next((p for p in agreement.parties if p.id == party_id), None)
    if party is None:
        raise AgreementError(_l("Välj en av överenskommelsens parter."), field="party")
    name = fits(one_line(name), 200, "name")
    if not name:
        raise AgreementError(_l("Ange personens namn."), field="name")
    person = PartyPerson(name=name, title=fits(one_line(title), 200, "title") or None,
                         email=fits(one_line(email), 254, "email") or None, is_signatory=is_signatory,
                         is_contact=is_contact, position=len(party.persons))
    party.persons.append(person)
    db.session.flush()
    audit.record("agreement.party_person.add", obj=agreement, by=by, details={"party": party.name})
    return person


# --- The life of a revision: new → draft → proposed → adopted -----------------------------------------


def new_revision(agreement: Agreement, *, by) -> Revision:
    """Start the next revision as a copy of the latest adopted one; at most one open draft at a time."""
    check_by(by, rules.can_revise, agreement, "agreement:revise")
    open_revision = agreement.open_revision()
    if open_revision is not None:
        raise AgreementError(_l("Det finns redan ett öppet utkast (revision %(n)s). Arbeta vidare i det i stället "
                                "för att skapa ett nytt.", n=open_revision.number))
    source = agreement.latest_adopted()
    if source is None:
        raise AgreementError(_l("Det finns ingen antagen revision att utgå från."))
    number = max(r.number for r in agreement.revisions) + 1
    revision = Revision(number=number, state="draft", based_on_id=source.id,
                        valid_from=source.valid_from, valid_to=source.valid_to,
                        next_revision_due=source.next_revision_due, place=source.place,
                        created_by_id=user_id(by))
    try:
        with db.session.begin_nested():  # a concurrent request may have opened a draft a moment ago
            db.session.add(revision)
            revision.agreement = agreement
            with db.session.no_autoflush:
                _copy_content(source, revision)
            db.session.flush()
    except IntegrityError:
        raise AgreementError(_l("Någon annan startade just en ny revision. Ladda om sidan och arbeta vidare i "
                                "den.")) from None
    audit.record("agreement.revision.create", obj=revision, by=by,
                 details={"agreement": agreement.id, "number": number, "based_on": source.number})
    return revision


def _copy_content(source: Revision, revision: Revision) -> None:
    for s in source.sections:
        revision.sections.append(Section(key=s.key, title=s.title, body=s.body, position=s.position))
    for a in source.appendices:
        appendix = Appendix(key=a.key, number=a.number, title=a.title, body=a.body, position=a.position)
        for r in a.routines:
            appendix.routines.append(routine_text.copy_routine(r))
        revision.appendices.append(appendix)
    for s in source.signatories:
        revision.signatories.append(Signatory(name=s.name, title=s.title, organisation=s.organisation,
                                              position=s.position))
    for link in source.goal_links:
        revision.goal_links.append(RevisionGoal(goal=link.goal, position=link.position))
    # goals added to the agreement since the source was adopted belong in the new revision too
    linked = {link.goal_id for link in source.goal_links}
    for goal in source.agreement.goals:
        if goal.id not in linked:
            revision.goal_links.append(RevisionGoal(goal=goal, position=len(revision.goal_links)))


def propose(revision: Revision, *, by) -> Revision:
    """Draft → proposed: the steering group may now comment and adopt."""
    check_by(by, rules.can_revise, revision.agreement, "agreement:revise")
    require_draft(revision)
    empty = [s.title for s in revision.sections if not s.body.strip() and s.key != "underskrifter"]
    if empty:
        raise AgreementError(_l("Följande avsnitt saknar text: %(titles)s. Fyll i dem eller ta bort dem innan "
                                "utkastet föreslås.", titles=", ".join(empty)))
    revision.state, revision.proposed_dt, revision.proposed_by_id = "proposed", utcnow(), user_id(by)
    db.session.flush()
    audit.record("agreement.revision.propose", obj=revision, by=by, details={"number": revision.number})
    tell_steering_group(revision)
    return revision


def withdraw_proposal(revision: Revision, *, by) -> Revision:
    """Proposed → draft, so the coordinator can work in the comments."""
    check_by(by, rules.can_revise, revision.agreement, "agreement:revise")
    if not revision.is_proposed:
        raise AgreementError(_l("Bara en föreslagen revision kan tas tillbaka till utkast."))
    revision.state = "draft"
    db.session.flush()
    audit.record("agreement.revision.withdraw", obj=revision, by=by, details={"number": revision.number})
    return revision


def goal_snapshot(goal: Goal) -> dict:
    """A goal's wording and targets as they are frozen into an adopted revision."""
    def num(value):
        return None if value is None else str(value)

    return {"indicator": goal.indicator, "unit": goal.unit, "decimals": goal.decimals,
            "description": goal.description, "target_type": goal.target_type,
            "baseline_value": num(goal.baseline_value),
            "baseline_date": goal.baseline_date.isoformat() if goal.baseline_date else None,
            "target_value": num(goal.target_value), "target_direction": goal.target_direction,
            "target_date": goal.target_date.isoformat() if goal.target_date else None}


def store_document(revision: Revision) -> AdoptedDocument:
    data = document.to_bytes(revision)
    stored = AdoptedDocument(revision_id=revision.id, data=data, sha256=hashlib.sha256(data).hexdigest())
    revision.adopted_document = stored
    db.session.flush()
    return stored


def document_bytes(revision: Revision) -> bytes:
    """The .docx to download: an adopted revision's document exactly as it was written when it was adopted;
    a draft or proposal as it reads now.

    A revision adopted before documents were stored got its document from migration 0004; one that migration
    could not build (see store_adopted_documents there) is built once now and kept, so from then on every
    download is the same file. Not audited: nothing a user decided changes.
    """
    if not revision.is_adopted:
        return document.to_bytes(revision)
    stored = revision.adopted_document or store_document(revision)
    return stored.data


SCAN_TYPES = {b"%PDF": "application/pdf", b"\xff\xd8\xff": "image/jpeg", b"\x89PNG": "image/png"}
SCAN_MAX_BYTES = 10 * 1024 * 1024


def checked_scan(filename: str, data: bytes, field: str, default_name: str) -> tuple[str, str]:
    """A signed scan's stored file name and type; refused beside `field` unless it is a PDF, JPEG or PNG <= 10 MB."""
    mimetype = next((m for magic, m in SCAN_TYPES.items() if data.startswith(magic)), None)
    if not data:
        raise AgreementError(_l("Välj en fil att ladda upp."), field=field)
    if mimetype is None:
        raise AgreementError(_l("Filen måste vara en PDF, JPEG eller PNG."), field=field)
    if len(data) > SCAN_MAX_BYTES:
        raise AgreementError(_l("Filen är större än 10 MB."), field=field)
    return safe_filename(filename, default_name), mimetype


def upload_scan(revision: Revision, *, filename: str, data: bytes, by) -> Revision:
    """Attach the signed, scanned copy to an adopted revision (the only thing that may change on it)."""
    check_by(by, rules.can_upload_scan, revision, "agreement:scan")
    if not revision.is_adopted:
        raise AgreementError(_l("Den underskrivna kopian kan bara laddas upp till en antagen revision."),
                             field="scan")
    revision.scan_filename, revision.scan_mimetype = checked_scan(filename, data, "scan", "underskriven.pdf")
    revision.scan_data, revision.scan_uploaded_dt = data, utcnow()
    db.session.flush()
    audit.record("agreement.revision.scan", obj=revision, by=by, details={"filename": revision.scan_filename})
    return revision


def add_comment(revision: Revision, *, body: str, by) -> RevisionComment:
    """A steering-group member's comment on a proposed revision; `by` is required here (a comment has an
    author), so no script comments."""
    check(rules.can_comment(by, revision), "agreement:comment", obj=revision)
    body = long_text(body)
    if not body:
        raise AgreementError(_l("Skriv en kommentar."), field="body")
    comment = RevisionComment(revision=revision, author_id=by.id, organisation_id=by.organisation_id, body=body)
    db.session.add(comment)
    db.session.flush()
    audit.record("agreement.revision.comment", obj=revision, by=by)
    return comment
