"""Referrals over the API: the inbox (incoming/outgoing with the inbox's filters), a referral, create, steps, comments.

Each endpoint runs the same order as the pages — load (404) → the record rule (403, audited) → one operation — and
calls the same operations, so the same consent rules, the same stale-version 409 and the same audit events apply.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import fields, validate

from portal import api
from portal.api import pagination, schemas
from portal.db import db
from portal.errors import RuleError
from portal.people.gate import gate
from portal.people.vocabulary import CATEGORIES
from portal.permissions import check
from referrals import basis, choices, inbox, rules, workflow
from referrals import operations as ops
from referrals.models import Referral
from referrals.views import load_referral

bp = api.blueprint("referrals")
TAG = "Remisser"
#: The steps of the transition table the API takes (assignment and the consent changes stay in the pages for now).
STEPS = ("submit", "discard", "receive", "withdraw", "accept", "decline", "close")
TEXT = ops.TEXT_LIMIT


class InboxArgs(pagination.PageArgs):
    box = fields.String(load_default="inkommande", validate=validate.OneOf(inbox.BOXES),
                        metadata={"description": "inkommande, utgaende (utkast med) eller mina."})
    state = fields.String(validate=validate.OneOf(list(workflow.STATE_LABELS)))
    type = fields.String(validate=validate.OneOf(list(workflow.TYPES)))
    assignee = fields.String(validate=validate.Regexp(r"^(ingen|[1-9][0-9]{0,8})$"),
                             metadata={"description": "En handläggares id, eller ingen."})
    due = fields.String(validate=validate.OneOf(inbox.DUES), metadata={"description": "forsenad eller snart."})
    urgency = fields.String(validate=validate.OneOf(list(workflow.URGENCY_LABELS)))
    q = fields.String(validate=validate.Regexp(r"^\s*([Rr]-?)?[0-9]{1,9}\s*$"),
                      metadata={"description": "En referens (R-000123). Namn söks med POST /referrals/search, så att "
                                               "inget namn hamnar i en adress eller en logg."})


class InboxSearch(InboxArgs):
    q = fields.String(required=True, validate=validate.Length(min=1, max=100),
                      metadata={"description": "Referens (R-000123) eller namn bland dem organisationen får se."})


class Event(schemas.Out):
    action = fields.String(required=True)
    from_state = fields.String(required=True)
    to_state = fields.String(required=True)
    at = fields.DateTime(required=True)
    organisation = fields.Nested(schemas.OrganisationRef, required=True, allow_none=True)
    note = fields.String(required=True)


class Comment(schemas.Out):
    id = fields.Integer(required=True)
    organisation = fields.Nested(schemas.OrganisationRef, required=True)
    author = fields.String(required=True, allow_none=True)
    body = fields.String(required=True)
    created = fields.DateTime(required=True)


class ReferralSummary(schemas.Out):
    id = fields.Integer(required=True)
    reference = fields.String(required=True)
    type = fields.String(required=True)
    state = fields.String(required=True)
    urgency = fields.String(required=True)
    version = fields.Integer(required=True, metadata={"description": "Skickas med i steg: en äldre ger 409."})
    from_org = fields.Nested(schemas.OrganisationRef, required=True)
    to_org = fields.Nested(schemas.OrganisationRef, required=True)
    person = fields.Nested(schemas.PersonView, required=True, allow_none=True)
    categories = fields.List(fields.String(), required=True)
    assignee_id = fields.Integer(required=True, allow_none=True)
    created = fields.DateTime(required=True)
    submitted_on = fields.Date(required=True, allow_none=True)
    due_on = fields.Date(required=True, allow_none=True)
    ended_on = fields.Date(required=True, allow_none=True)
    overdue = fields.Boolean(required=True)
    actions = fields.List(fields.String(), required=True,
                          metadata={"description": "Stegen nyckeln får ta nu (och comment)."})


class ReferralDetail(ReferralSummary):
    reason = fields.String(required=True, allow_none=True,
                           metadata={"description": "Avsändarens del; null när grunden inte längre bär den."})
    help_requested = fields.String(required=True, allow_none=True)
    decline_reason = fields.String(required=True)
    outcome = fields.String(required=True, allow_none=True)
    outcome_note = fields.String(required=True)
    events = fields.List(fields.Nested(Event), required=True)
    comments = fields.List(fields.Nested(Comment), required=True)


ReferralPage = schemas.page_schema(ReferralSummary, "ReferralPage")


class ReferralCreate(schemas.Strict):
    type = fields.String(required=True, validate=validate.OneOf(list(workflow.TYPES)))
    to_org_id = schemas.Id(required=True)
    person_number = fields.String(load_default="", validate=validate.Length(max=20),
                                  metadata={"description": "Den unges nummer (ej för anonym konsultation); "
                                                           "organisationen måste ha registrerat personen."})
    categories = fields.List(fields.String(validate=validate.OneOf(list(CATEGORIES))), load_default=list,
                             validate=validate.Length(max=len(CATEGORIES)))
    reason = schemas.Text(TEXT, required=True)
    help_requested = schemas.Text(TEXT, load_default="")
    urgency = fields.String(load_default="normal", validate=validate.OneOf(list(workflow.URGENCY_LABELS)))
    submit = schemas.StrictBool(load_default=False, metadata={"description": "true: skicka direkt; annars utkast."})
    form_key = fields.String(load_default="", validate=validate.Length(max=40),
                             metadata={"description": "Valfri nyckel: samma nyckel två gånger ger samma remiss."})


class StepBody(schemas.Strict):
    action = fields.String(required=True, validate=validate.OneOf(STEPS))
    version = schemas.Id(required=True, metadata={"description": "Remissens version när du läste den."})
    reason = schemas.Text(TEXT, load_default="", metadata={"description": "Varför (avböja, ta tillbaka)."})
    outcome = fields.String(load_default="", validate=validate.OneOf(["", *workflow.OUTCOME_LABELS]),
                            metadata={"description": "Hur ärendet slutade (avsluta)."})
    note = schemas.Text(TEXT, load_default="")


class CommentBody(schemas.Strict):
    body = schemas.Text(TEXT, required=True)


def _org(org) -> dict | None:
    return {"id": org.id, "name": org.name} if org is not None else None


def _summary(referral: Referral, person) -> dict:
    user = current_user
    actions = [a for a in STEPS if rules.can_take(user, referral, a)]
    if rules.can_comment(user, referral):
        actions.append("comment")
    return {"id": referral.id, "reference": referral.reference, "type": referral.type, "state": referral.state,
            "urgency": referral.urgency, "version": referral.version, "from_org": _org(referral.from_org),
            "to_org": _org(referral.to_org), "person": schemas.person_view(person),
            "categories": list(referral.categories or []), "assignee_id": referral.assignee_id,
            "created": referral.created_dt, "submitted_on": referral.submitted_on, "due_on": referral.due_on,
            "ended_on": referral.ended_on, "overdue": inbox.is_overdue(referral), "actions": actions}


def _detail(referral: Referral) -> dict:
    user = current_user
    person = gate(user, referral.person_id, basis.PURPOSE) if referral.person_id is not None else None
    open_part = basis.sender_part_open(user, referral)
    shared = basis.basis_holds(referral)
    comments = [c for c in referral.comments if shared or c.organisation_id == user.organisation_id]
    return {**_summary(referral, person),
            "reason": referral.reason if open_part else None,
            "help_requested": referral.help_requested if open_part else None,
            "decline_reason": referral.decline_reason, "outcome": referral.outcome,
            "outcome_note": referral.outcome_note,
            # The sender's notes (a withdrawal's reason) are the sender's part: hidden as on the page once it closes.
            "events": [{"action": e.action, "from_state": e.from_state, "to_state": e.to_state, "at": e.at_dt,
                        "organisation": _org(e.by_org),
                        "note": e.note if basis.step_note_open(referral, e, open_part) else ""}
                       for e in referral.events],
            "comments": [{"id": c.id, "organisation": _org(c.organisation),
                          "author": c.author.name if c.author is not None else None, "body": c.body,
                          "created": c.created_dt} for c in comments]}


@api.operation(bp, "/referrals", summary="Inkorgen: inkommande, utgående eller mina remisser", tag=TAG,
               permission="referral.view", query=InboxArgs, response=ReferralPage,
               description="Samma filter som inkorgen i portalen; nyaste först. Personen visas genom grinden "
                           "(pseudonym där namnet inte får visas).")
def list_referrals(args):
    return _inbox_page(args)


@api.operation(bp, "/referrals/search", method="POST", summary="Sök i inkorgen på namn eller referens", tag=TAG,
               permission="referral.view", body=InboxSearch, response=ReferralPage,
               description="Som GET /referrals, med sökordet i kroppen: ett namn hamnar aldrig i en adress eller "
                           "en logg (så söker sidorna också).")
def search_referrals(body):
    return _inbox_page(body)


def _inbox_page(args) -> dict:
    filters = inbox.Filters(box=args["box"], state=args.get("state", ""), type=args.get("type", ""),
                            assignee=args.get("assignee", ""), due=args.get("due", ""),
                            urgency=args.get("urgency", ""), query=" ".join((args.get("q") or "").split()))
    found = pagination.page(inbox.filtered(current_user, filters), Referral.id, args)
    person_ids = [r.person_id for r in found.items if r.person_id is not None]
    views = dict(zip(person_ids, gate(current_user, person_ids, basis.PURPOSE, records=False), strict=True)) \
        if person_ids else {}
    return {"items": [_summary(r, views.get(r.person_id)) for r in found.items], "next_cursor": found.next_cursor}


@api.operation(bp, "/referrals/<int:referral_id>", summary="En remiss med händelser och kommentarer", tag=TAG,
               permission="referral.view", response=ReferralDetail,
               description="Att läsa ändrar inget: ta emot remissen med steget receive.")
def get_referral(referral_id: int):
    return _detail(load_referral(referral_id))


@api.operation(bp, "/referrals", method="POST", summary="Ny remiss (utkast, eller skickad med submit: true)",
               tag=TAG, permission="referral.send", body=ReferralCreate, response=ReferralDetail, status=201)
def create_referral(body):
    person, problems = None, []
    if body["type"] != "konsultation":
        try:
            person = choices.held_by_number(current_user, body["person_number"])
        except RuleError as exc:
            problems = exc.errors
    try:
        saved = ops.save_draft(None, by=current_user, type=body["type"], to_org_id=body["to_org_id"], person=person,
                               categories=body["categories"], reason=body["reason"],
                               help_requested=body["help_requested"], urgency=body["urgency"],
                               form_key=body["form_key"])
    except RuleError as exc:
        raise _beside_number(problems + [e for e in exc.errors if not (problems and e[0] == "person")]) from None
    if problems:
        raise _beside_number(problems)
    if body["submit"] and saved.state == "draft":
        try:
            ops.submit(saved, by=current_user)
        except ops.ReferralError as exc:
            raise _beside_number(exc.errors) from None
    db.session.flush()
    return _detail(saved)


def _beside_number(errors: list) -> ops.ReferralError:
    """The operations' problems with "the person" (the pages' chooser) beside the body's person_number."""
    errors = [("person_number" if field == "person" else field, message) for field, message in errors]
    return ops.ReferralError(errors[0][1], field=errors[0][0], errors=errors)


@api.operation(bp, "/referrals/<int:referral_id>/steps", method="POST", summary="Ta ett steg: skicka, ta emot, "
               "acceptera, avböja, avsluta, ta tillbaka eller ta bort utkastet", tag=TAG,
               permission="referral.view", body=StepBody, response=ReferralDetail,
               description="Stegen följer remissens övergångstabell; ett steg som tabellen inte tillåter nu ger "
                           "422, en äldre version 409, fel sida eller behörighet 403.")
def take_step(referral_id: int, body):
    referral = load_referral(referral_id)
    action, version = body["action"], body["version"]
    check(rules.may_take(current_user, referral, action), f"referral:{action}", obj=referral)
    if action == "receive":
        if str(version) != str(referral.version):
            raise ops.stale(referral)
        if not ops.receive_on_open(referral, by=current_user):
            raise ops.ReferralError(_l("Remissen är %(state)s och kan inte tas emot.",
                                       state=ops.state_label(referral.state)))
    elif action == "decline":
        ops.decline(referral, by=current_user, reason=body["reason"], expected_version=version)
    elif action == "close":
        ops.close(referral, by=current_user, outcome=body["outcome"], note=body["note"], expected_version=version)
    elif action == "withdraw":
        ops.withdraw(referral, by=current_user, reason=body["reason"], expected_version=version)
    else:
        {"submit": ops.submit, "accept": ops.accept, "discard": ops.discard}[action](
            referral, by=current_user, expected_version=version)
    return _detail(referral)


@api.operation(bp, "/referrals/<int:referral_id>/comments", method="POST", summary="Ny kommentar i remissens tråd",
               tag=TAG, permission="referral.handle", body=CommentBody, response=Comment, status=201)
def add_comment(referral_id: int, body):
    referral = load_referral(referral_id)
    check(rules.can_comment(current_user, referral), "referral:comment", obj=referral)
    row = ops.comment(referral, by=current_user, body=body["body"])
    return {"id": row.id, "organisation": _org(current_user.organisation), "author": current_user.name,
            "body": row.body, "created": row.created_dt}
