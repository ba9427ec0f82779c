"""Agreements over the API (read): the caller's agreements, their revisions as the caller may read them, the .docx.

The same rules as the pages (agreements/rules.py): party staff see an agreement; adopted revisions are read with
agreement.read, drafts and proposals only by those who revise, adopt or comment on them.
"""
from __future__ import annotations

import io

from flask import send_file
from flask_login import current_user
from marshmallow import fields

import agreements
from agreements import document, rules
from agreements import operations as ops
from agreements.models import Agreement
from agreements.views import load_agreement, load_revision
from portal import api
from portal.api import pagination, schemas

bp = api.blueprint("agreements")
TAG = "Överenskommelser"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class AgreementOut(schemas.Out):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    diarienummer = fields.String(required=True, allow_none=True)
    parties = fields.List(fields.Nested(schemas.OrganisationRef), required=True)


class RevisionSummary(schemas.Out):
    agreement_id = fields.Integer(required=True)
    number = fields.Integer(required=True)
    state = fields.String(required=True, metadata={"description": "draft, proposed eller adopted."})
    version = fields.Integer(required=True)
    valid_from = fields.Date(required=True, allow_none=True)
    valid_to = fields.Date(required=True, allow_none=True)
    adopted_on = fields.Date(required=True, allow_none=True)


class Part(schemas.Out):
    key = fields.String(required=True)
    number = fields.String(required=True, allow_none=True)
    title = fields.String(required=True)
    body = fields.String(required=True, metadata={"description": "Texten i portalens enkla märkning (## rubrik, "
                                                                 "- punkt, 1. numrerad, | tabell |)."})


class RevisionDetail(RevisionSummary):
    change_summary = fields.String(required=True, allow_none=True)
    sections = fields.List(fields.Nested(Part), required=True)
    appendices = fields.List(fields.Nested(Part), required=True)


AgreementPage = schemas.page_schema(AgreementOut, "AgreementPage")
RevisionPage = schemas.page_schema(RevisionSummary, "RevisionPage")


def _agreement(row: Agreement) -> dict:
    return {"id": row.id, "title": row.title, "diarienummer": row.diarienummer,
            "parties": [{"id": p.organisation.id, "name": p.organisation.name} for p in row.parties]}


def _revision(rev) -> dict:
    return {"agreement_id": rev.agreement_id, "number": rev.number, "state": rev.state, "version": rev.version,
            "valid_from": rev.valid_from, "valid_to": rev.valid_to, "adopted_on": rev.adopted_on}


@api.operation(bp, "/agreements", summary="Överenskommelserna där organisationen är part", tag=TAG,
               permission="agreement.read", query=pagination.PageArgs, response=AgreementPage)
def list_agreements(args):
    rows = sorted(agreements.agreements_for_organisation(current_user.organisation), key=lambda a: a.id)
    found = pagination.page_of_list(rows, args)
    return {"items": [_agreement(a) for a in found.items], "next_cursor": found.next_cursor}


@api.operation(bp, "/agreements/<int:agreement_id>/revisions", summary="Överenskommelsens revideringar", tag=TAG,
               permission="agreement.read", query=pagination.PageArgs, response=RevisionPage,
               description="De revideringar nyckeln får läsa, äldst först.")
def list_revisions(agreement_id: int, args):
    agreement = load_agreement(agreement_id)
    rows = [r for r in rules.readable_revisions(current_user, agreement)]
    found = pagination.page_of_list(rows, args)
    return {"items": [_revision(r) for r in found.items], "next_cursor": found.next_cursor}


@api.operation(bp, "/agreements/<int:agreement_id>/revisions/<int:number>", summary="En revidering med avsnitt och "
               "bilagor", tag=TAG, permission="agreement.read", response=RevisionDetail)
def get_revision(agreement_id: int, number: int):
    rev = load_revision(agreement_id, number)
    return {**_revision(rev), "change_summary": rev.change_summary,
            "sections": [{"key": s.key, "number": None, "title": s.title, "body": s.body} for s in rev.sections],
            "appendices": [{"key": a.key, "number": a.number, "title": a.title, "body": a.body}
                           for a in rev.appendices]}


@api.operation(bp, "/agreements/<int:agreement_id>/revisions/<int:number>/document.docx", summary="Revideringen "
               "som .docx", tag=TAG, permission="agreement.read", produces=DOCX,
               description="En antagen revidering exakt som dokumentet skrevs när den antogs.")
def get_document(agreement_id: int, number: int):
    rev = load_revision(agreement_id, number)
    return send_file(io.BytesIO(ops.document_bytes(rev)), as_attachment=True, download_name=document.filename(rev),
                     mimetype=DOCX)
