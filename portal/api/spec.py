"""The OpenAPI 3.1 document, generated from the endpoints the app has (apispec with marshmallow), never by hand."""
from __future__ import annotations

import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app

from portal.api import PREFIX, Meta
from portal.api.errors import CODES
from portal.api.schemas import INT_MAX, Error
from portal.permissions import PERMISSIONS

_ARGUMENT = re.compile(r"<(?:(?P<converter>[a-z]+)(?:\([^)]*\))?:)?(?P<name>\w+)>")

DESCRIPTION = """DUA-portalens API för myndigheternas egna system (Extens, Treserva, Arbetsförmedlingens system).

Varje anrop bär en API-nyckel: `Authorization: Bearer dua_<id>_<hemlighet>`. En personlig nyckel agerar som sin
ägare; en systemnyckel som organisationens tjänstekonto. Nyckeln får bara det som både dess behörigheter (scopes)
och kontots roller ger. Samma regler, samma samtyckesgrind och samma loggning som i portalens sidor gäller.

Fel är JSON: `{"error": {"code": "...", "message": "...", "fields": {...}}}` på svenska, eller engelska med
`Accept-Language: en`. Listor bläddras med `limit` (1–100) och `cursor` (svarets `next_cursor`)."""


def _path(rule) -> tuple[str, list[dict]]:
    """The rule's path in OpenAPI's braces, and its path parameters."""
    parameters = []

    def brace(match) -> str:
        name, converter = match.group("name"), match.group("converter") or "string"
        schema = ({"type": "integer", "minimum": 0, "maximum": INT_MAX} if converter == "int"
                  else {"type": "string", "minLength": 1, "maxLength": 100, "pattern": "^[^/]+$"})
        parameters.append({"in": "path", "name": name, "required": True, "schema": schema})
        return "{" + name + "}"

    return _ARGUMENT.sub(brace, rule.rule), parameters


def _operation(meta: Meta, endpoint: str, path_parameters: list[dict]) -> dict:
    permission = meta.permission
    description = meta.description
    if permission:
        description = (description + "\n\n" if description else "") + \
            f"Kräver behörigheten `{permission}` ({PERMISSIONS[permission]})."
    operation: dict = {"operationId": endpoint.replace(".", "_"), "summary": meta.summary, "tags": [meta.tag],
                       "description": description, "parameters": list(path_parameters)}
    if meta.query is not None:
        operation["parameters"].append({"in": "query", "schema": meta.query})
    if meta.body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": meta.body}}}
    if meta.produces:
        success = {"description": "Filen", "content": {meta.produces: {"schema": {"type": "string",
                                                                                    "format": "binary"}}}}
    elif meta.response is not None:
        success = {"description": "OK", "content": {"application/json": {"schema": meta.response}}}
    else:
        success = {"description": "OK"}
    responses = {str(meta.status): success}
    for code in meta.errors:
        responses[str(code)] = {"description": str(CODES[code][1]),
                                "content": {"application/json": {"schema": "Error"}}}
    operation["responses"] = responses
    return operation


def build(app=None) -> dict:
    """The document for this app: every endpoint declared with `portal.api.operation`, in path order."""
    app = app or current_app
    spec = APISpec(title="DUA-portalen API", version="1", openapi_version="3.1.0",
                   plugins=[MarshmallowPlugin()],
                   info={"description": DESCRIPTION},
                   servers=[{"url": "/"}])
    spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer",
                                                   "description": "dua_<id>_<hemlighet>"})
    spec.components.schema("Error", schema=Error)
    paths: dict[str, dict] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        view = app.view_functions.get(rule.endpoint)
        meta = getattr(view, "api", None)
        if meta is None or not rule.rule.startswith(PREFIX):
            continue
        path, parameters = _path(rule)
        paths.setdefault(path, {})[meta.method.lower()] = _operation(meta, rule.endpoint, parameters)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    document = spec.to_dict()
    document["security"] = [{"bearerAuth": []}]
    return document
