"""The marshmallow schemas every area's API shares: strict input, errors, organisations, a person through the gate."""
from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate

INT_MAX = 2**31 - 1


class Strict(Schema):
    """Input: an unknown field, a wrong type or a null where none is allowed is a 400 beside the field."""

    class Meta:
        unknown = RAISE


class Out(Schema):
    """Output: exactly the fields listed (the spec says additionalProperties: false, so clients may rely on it)."""

    class Meta:
        unknown = RAISE


class StrictBool(fields.Boolean):
    """true or false, nothing else (marshmallow would read "yes", 1 or "on" as true)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise ValidationError("Ange true eller false.")
        return value


def Id(**kwargs) -> fields.Integer:  # noqa: N802 - reads as a field type
    """A row id in a JSON body: a whole number within the database's INTEGER (a string "5" is refused)."""
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=INT_MAX), **kwargs)


def Text(limit: int, **kwargs) -> fields.String:  # noqa: N802 - reads as a field type
    return fields.String(validate=validate.Length(max=limit), **kwargs)


class ErrorDetail(Out):
    code = fields.String(required=True, metadata={"description": "Stabil kod, t.ex. rule_violation."})
    message = fields.String(required=True, metadata={"description": "På svenska, eller engelska med "
                                                                   "Accept-Language: en."})
    fields_ = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), data_key="fields",
                          metadata={"description": "Meddelanden per fält i begäran."})


class Error(Out):
    error = fields.Nested(ErrorDetail, required=True)


class OrganisationRef(Out):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class Organisation(Out):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    code = fields.String(required=True)
    kind = fields.String(required=True, metadata={"description": "kommun, arbetsformedlingen, skola, socialtjanst, "
                                                                 "forsakringskassan, region eller annan."})
    orgnr = fields.String(required=True)
    parent_id = fields.Integer(required=True, allow_none=True)
    kommunkod = fields.String(required=True, allow_none=True)
    is_active = fields.Boolean(required=True)


class PersonView(Out):
    """A person as the gate lets the token's organisation see them now: the name only where it is allowed."""

    ref = fields.String(required=True, metadata={"description": "Personens id i portalens adresser."})
    pseudonym = fields.String(required=True)
    allowed = fields.Boolean(required=True, metadata={"description": "false: bara pseudonym och skäl visas."})
    reason = fields.String(required=True, metadata={"description": "Varför identiteten inte visas (annars tom)."})
    first_name = fields.String(required=True, allow_none=True)
    last_name = fields.String(required=True, allow_none=True)
    id_number = fields.String(required=True, allow_none=True,
                              metadata={"description": "Personnummer eller samordningsnummer, där det får visas."})
    birth_date = fields.Date(required=True, allow_none=True)
    home_kommun = fields.String(required=True, allow_none=True)
    is_protected = fields.Boolean(required=True)


def person_view(view) -> dict | None:
    """A gate PersonView as the API shows it: a refused view carries the pseudonym and why, never a name."""
    if view is None:
        return None
    shown = view.allowed
    return {"ref": view.ref, "pseudonym": view.pseudonym, "allowed": shown, "reason": "" if shown else view.reason,
            "first_name": view.first_name if shown else None, "last_name": view.last_name if shown else None,
            "id_number": view.number if shown and view.number else None,
            "birth_date": view.birth_date if shown else None,
            "home_kommun": view.home_kommun if shown and view.home_kommun else None,
            "is_protected": bool(view.is_protected) if shown else False}


def page_schema(item: type[Schema], name: str) -> type[Schema]:
    """The schema of one page of a list: its items and the cursor of the next page (null on the last)."""
    return type(name, (Out,), {
        "items": fields.List(fields.Nested(item), required=True),
        "next_cursor": fields.String(required=True, allow_none=True,
                                     metadata={"description": "Skicka som cursor för nästa sida; null på sista."}),
    })
