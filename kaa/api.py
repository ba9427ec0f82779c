"""The KAA register over the API, for the kommun's own KAA staff: enrolments, their contacts, a new contact.

The same rules as the pages (kaa/rules.py): the register is worked by kaa.work staff of the kommun or of its units of
kind kommun; anyone else reads an enrolment only as the gate allows, and never its contacts.
"""
from __future__ import annotations

from flask_login import current_user
from marshmallow import fields, validate
from sqlalchemy import select

from kaa import operations as ops
from kaa import rules, worklist
from kaa.models import CHANNELS, OUTCOMES, WITH_WHOM, KaaContact, KaaEnrolment
from kaa.views import load_enrolment
from portal import api
from portal.api import pagination, schemas
from portal.db import db
from portal.people.gate import gate
from portal.permissions import check

bp = api.blueprint("kaa")
TAG = "KAA"


class RegisterArgs(pagination.PageArgs):
    state = fields.String(load_default="open", validate=validate.OneOf(list(worklist.STATES)),
                          metadata={"description": "open (inskrivna), closed (avregistrerade) eller all."})


class Enrolment(schemas.Out):
    id = fields.Integer(required=True)
    person = fields.Nested(schemas.PersonView, required=True)
    kommunkod = fields.String(required=True)
    holder = fields.Nested(schemas.OrganisationRef, required=True)
    registered_on = fields.Date(required=True)
    source = fields.String(required=True)
    origin = fields.String(required=True)
    occupation = fields.String(required=True)
    occupation_since = fields.Date(required=True, allow_none=True)
    planned_occupation = fields.String(required=True)
    next_contact_on = fields.Date(required=True, allow_none=True)
    deregistered_on = fields.Date(required=True, allow_none=True)
    deregistration_reason = fields.String(required=True, allow_none=True)
    version = fields.Integer(required=True)


class Contact(schemas.Out):
    id = fields.Integer(required=True)
    contact_on = fields.Date(required=True)
    channel = fields.String(required=True)
    outcome = fields.String(required=True)
    declined = fields.Boolean(required=True)
    with_whom = fields.String(required=True)
    guardian_id = fields.Integer(required=True, allow_none=True)
    note = fields.String(required=True)
    organisation_id = fields.Integer(required=True)


EnrolmentPage = schemas.page_schema(Enrolment, "EnrolmentPage")
ContactPage = schemas.page_schema(Contact, "ContactPage")


class ContactBody(schemas.Strict):
    contact_on = fields.Date(required=True)
    channel = fields.String(required=True, validate=validate.OneOf(list(CHANNELS)))
    outcome = fields.String(required=True, validate=validate.OneOf(list(OUTCOMES)))
    with_whom = fields.String(required=True, validate=validate.OneOf(list(WITH_WHOM)))
    declined = schemas.StrictBool(load_default=False)
    guardian_id = schemas.Id(load_default=None, allow_none=True,
                             metadata={"description": "Vårdnadshavaren, när with_whom är vardnadshavare."})
    note = schemas.Text(300, load_default="", metadata={"description": "Kort och saklig; aldrig känsliga uppgifter."})


def _enrolment(row: KaaEnrolment, view) -> dict:
    return {"id": row.id, "person": schemas.person_view(view), "kommunkod": row.kommunkod,
            "holder": {"id": row.org_id, "name": _org_name(row.org_id)}, "registered_on": row.registered_on,
            "source": row.source, "origin": row.origin, "occupation": row.occupation,
            "occupation_since": row.occupation_since, "planned_occupation": row.planned_occupation,
            "next_contact_on": row.next_contact_on, "deregistered_on": row.deregistered_on,
            "deregistration_reason": row.deregistration_reason, "version": row.version}


def _org_name(org_id: int) -> str:
    from portal.orgs import Organisation

    org = db.session.get(Organisation, org_id)  # the identity map serves a page's repeats
    return org.name if org is not None else ""


def _contact(row: KaaContact) -> dict:
    return {"id": row.id, "contact_on": row.contact_on, "channel": row.channel, "outcome": row.outcome,
            "declined": bool(row.declined), "with_whom": row.with_whom, "guardian_id": row.guardian_id,
            "note": row.contact_note, "organisation_id": row.org_id}


@api.operation(bp, "/kaa/enrolments", summary="Kommunens KAA-register", tag=TAG, permission="kaa.work",
               query=RegisterArgs, response=EnrolmentPage,
               description="Bara för KAA-personal i kommunen eller dess kommunala enheter; senast införda i "
                           "registret först.")
def list_enrolments(args):
    check(rules.can_work_register(current_user), "kaa:not-kaa-staff")
    found = pagination.page(worklist.in_register(select(KaaEnrolment), current_user, args["state"]),
                            KaaEnrolment.id, args)
    views = gate(current_user, [e.person_id for e in found.items], rules.PURPOSE, records=False) \
        if found.items else []
    return {"items": [_enrolment(e, v) for e, v in zip(found.items, views, strict=True)],
            "next_cursor": found.next_cursor}


@api.operation(bp, "/kaa/enrolments/<int:enrolment_id>", summary="En inskrivning", tag=TAG,
               permission="person.view", response=Enrolment,
               description="KAA-personal i kommunen; andra bara när grunden öppnar innehavarens uppgifter om "
                           "utbildning eller sysselsättning för samordning.")
def get_enrolment(enrolment_id: int):
    enrolment = load_enrolment(enrolment_id, need="read")
    return _enrolment(enrolment, gate(current_user, enrolment.person_id, rules.PURPOSE, records=False))


@api.operation(bp, "/kaa/enrolments/<int:enrolment_id>/contacts", summary="Inskrivningens kontakter", tag=TAG,
               permission="kaa.work", query=pagination.PageArgs, response=ContactPage)
def list_contacts(enrolment_id: int, args):
    enrolment = load_enrolment(enrolment_id)
    found = pagination.page(select(KaaContact).where(KaaContact.enrolment_id == enrolment.id), KaaContact.id, args)
    return {"items": [_contact(c) for c in found.items], "next_cursor": found.next_cursor}


@api.operation(bp, "/kaa/enrolments/<int:enrolment_id>/contacts", method="POST", summary="Registrera en kontakt",
               tag=TAG, permission="kaa.work", body=ContactBody, response=Contact, status=201,
               description="Samma regler som i portalen: inte i framtiden, inte före inskrivningen, bara en "
                           "vårdnadshavare som får kontaktas. Nästa kontaktdag räknas om.")
def add_contact(enrolment_id: int, body):
    enrolment = load_enrolment(enrolment_id)
    offered = ops.guardians_to_offer(enrolment, gate(current_user, enrolment.person_id, rules.PURPOSE))
    row = ops.record_contact(enrolment, by=current_user, contact_on=body["contact_on"], channel=body["channel"],
                             outcome=body["outcome"], with_whom=body["with_whom"], declined=body["declined"],
                             guardian_id=body["guardian_id"], note=body["note"], offered=offered)
    return _contact(row)
