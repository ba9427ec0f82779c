"""The API's people: look a person up by personnummer, and read one, always through THE gate.

A lookup answers the same whether the number is unknown to the portal or known only to others: the person is
found only among those the caller's organisation may see now (its access rows), as the person search does.
"""
from __future__ import annotations

from flask import abort
from marshmallow import fields, validate
from sqlalchemy import select

from portal import api
from portal.api import schemas
from portal.db import db
from portal.people import holders
from portal.people.access import visible_ids_query
from portal.people.gate import gate
from portal.people.identity import parse_id_number
from portal.people.models import Person
from portal.people.vocabulary import DEFAULT_PURPOSE, PURPOSES

bp = api.blueprint("people")
TAG = "Deltagare"


class LookupBody(schemas.Strict):
    number = fields.String(required=True, validate=validate.Length(min=1, max=20),
                           metadata={"description": "Personnummer eller samordningsnummer (10 eller 12 siffror)."})
    purpose = fields.String(load_default=DEFAULT_PURPOSE, validate=validate.OneOf(list(PURPOSES)),
                            metadata={"description": "Syftet med uppgifterna (samordning, remiss, mote)."})


class PurposeArgs(schemas.Strict):
    purpose = fields.String(load_default=DEFAULT_PURPOSE, validate=validate.OneOf(list(PURPOSES)))


class LookupResult(schemas.Out):
    items = fields.List(fields.Nested(schemas.PersonView), required=True,
                        metadata={"description": "Personen, om organisationen får se den nu; annars tom."})


@api.operation(bp, "/people/lookup", method="POST", summary="Slå upp en deltagare med personnummer", tag=TAG,
               permission="person.view", body=LookupBody, response=LookupResult,
               description="Numret skickas i kroppen, aldrig i adressen (så hamnar det inte i loggar). Svaret är "
                           "detsamma om numret är okänt för portalen eller bara känt av andra organisationer: en "
                           "tom lista. Inget ändras (POST för att numret inte ska stå i adressen).")
def lookup(body):
    parsed = parse_id_number(body["number"])  # a PersonError beside "number": 422
    person = holders.by_number(parsed.kind, parsed.normal)
    visible = person is not None and db.session.scalar(
        select(Person.id).where(Person.id == person.id,
                                Person.id.in_(visible_ids_query(api_user(), body["purpose"])))) is not None
    views = [gate(api_user(), person, body["purpose"], records=False)] if visible else []
    return {"items": [schemas.person_view(v) for v in views]}


@api.operation(bp, "/people/<ref>", summary="En deltagare, som grinden låter organisationen se den", tag=TAG,
               permission="person.view", query=PurposeArgs, response=schemas.PersonView,
               description="En organisation som samtycket inte täcker får pseudonymen och skälet, aldrig namnet.")
def get_person(ref: str, args):
    person = holders.by_ref(ref)
    if person is None:
        abort(404)
    return schemas.person_view(gate(api_user(), person, args["purpose"], records=False))


def api_user():
    from flask_login import current_user

    return current_user._get_current_object()
