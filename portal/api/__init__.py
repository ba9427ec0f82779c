"""The API's shared layer under /api/v1/: token sign-in, JSON errors, cursor pages, the OpenAPI document.

An area adds its endpoints in its own `api.py`: `bp = api.blueprint("referrals")`, then `@api.operation(bp, ...)`
on each view, and `api.register(app, bp)` from the area's `init_app` — `portal` never imports an area. An operation
declares its permission (the token's scopes and the user's roles must both grant it), its query, body and response
schemas (marshmallow), which are also what the OpenAPI document is generated from (portal/api/spec.py).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps

from flask import Blueprint, Response, current_app, jsonify, request
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError

from portal.api.errors import MAX_BODY, ApiError
from portal.errors import RuleError

PREFIX = "/api/v1"
#: Calls one token may make (Flask-Limiter, fixed window); API_RATE_LIMIT overrides it.
DEFAULT_RATE_LIMIT = "600 per minute"


@dataclass
class Meta:
    """What the OpenAPI document says of one endpoint (read by portal/api/spec.py from the view function)."""

    method: str
    summary: str
    tag: str
    permission: str | None
    query: type[Schema] | None = None
    body: type[Schema] | None = None
    response: type[Schema] | None = None
    status: int = 200
    #: A file answer (e.g. the .docx) instead of JSON: its media type.
    produces: str | None = None
    description: str = ""
    errors: tuple[int, ...] = field(default=())


def blueprint(name: str) -> Blueprint:
    """An area's API blueprint under /api/v1 (registered with `register`)."""
    return Blueprint(f"api_{name}", __name__, url_prefix=PREFIX)


def _rate_limit() -> str:
    return current_app.config.get("API_RATE_LIMIT", DEFAULT_RATE_LIMIT)


def register(app, bp: Blueprint) -> None:
    """Add an area's API blueprint to the app: no CSRF (a token, never a session, signs the call), every call
    signed in by its token first (portal/api/auth.py)."""
    from portal import csrf
    from portal.api import auth

    csrf.exempt(bp)
    if not getattr(bp, "_api_ready", False):  # the module-level blueprint serves every app of the process
        bp.before_request(auth.authenticate)
        bp.register_error_handler(RuleError, _refused)
        bp.after_request(_not_cached)
        bp._api_ready = True
    app.register_blueprint(bp)


def _refused(exc: RuleError):
    """An operation said no: 409 for a stale version, 422 for a rule (nothing it did is kept: the request rolls
    back on any answer >= 400)."""
    from portal.api import errors

    return errors.from_rule_error(exc)


def _not_cached(response: Response) -> Response:
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def operation(bp: Blueprint, rule: str, *, summary: str, tag: str, permission: str | None, method: str = "GET",
              query: type[Schema] | None = None, body: type[Schema] | None = None,
              response: type[Schema] | None = None, status: int = 200, produces: str | None = None,
              description: str = "") -> Callable:
    """Declare one endpoint: the permission it needs (403 without it, audited), its input (400 with each problem
    beside its field) and its answer. The view gets `args=` (query) and `body=` (JSON) already checked, calls the
    area's one operation and returns what `response` dumps (or a Response of its own)."""
    from portal.permissions import PERMISSIONS

    if permission is not None and permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")
    errors = (400, 401, 403, 404, 405, 429) + ((409, 413, 415, 422) if method != "GET" else ())

    def decorator(fn: Callable) -> Callable:
        @wraps(fn)
        def view(**path):
            from portal.api import auth

            auth.require(permission)
            kwargs = {}
            if query is not None:
                kwargs["args"] = _load(query(), _query_values(query), "query")
            elif request.args:
                raise ApiError(400, "unknown_parameter", _l("Okänd parameter i adressen."),
                               fields={name: [str(_l("Okänd parameter."))] for name in request.args})
            if body is not None:
                kwargs["body"] = _load(body(), _json_body(), "body")
            result = fn(**path, **kwargs)
            if isinstance(result, Response):
                return result
            return jsonify(response().dump(result) if response is not None else result), status

        from portal.api import auth
        from portal.auth import limiter

        # One budget per token across every endpoint (the key is the token's id; see auth.rate_key).
        view = limiter.shared_limit(_rate_limit, scope="api", key_func=auth.rate_key)(view)
        view.api = Meta(method=method, summary=summary, tag=tag, permission=permission, query=query, body=body,
                        response=response, status=status, produces=produces, description=description,
                        errors=errors)
        # Read by tests/security/test_url_map.py: an API endpoint answers 401 without a token.
        view.access = ("api", permission)
        bp.add_url_rule(rule, endpoint=fn.__name__, view_func=view, methods=[method])
        return fn

    return decorator


def _query_values(schema: type[Schema]) -> dict:
    """The query string as a dict for the schema: a list field takes every value, any other field exactly one."""
    from marshmallow import fields as mfields

    declared = schema().fields
    values: dict = {}
    problems: dict = {}
    for name in request.args:
        got = request.args.getlist(name)
        known = next((f for f in declared.values() if (f.data_key or f.name) == name), None)
        if isinstance(known, mfields.List):
            values[name] = got
        elif len(got) > 1:
            problems[name] = [str(_l("Ange parametern en gång."))]
        else:
            values[name] = got[0]
    if problems:
        raise ApiError(400, "invalid_parameters", _l("Parametrarna i adressen är felaktiga."), fields=problems)
    return values


def _json_body():
    """The request's JSON object: 413 above 1 MB, 415 if it is not JSON, 400 when it cannot be read."""
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise ApiError(413)
    if request.mimetype != "application/json":
        raise ApiError(415)
    raw = request.get_data(cache=True)
    if len(raw) > MAX_BODY:
        raise ApiError(413)
    try:
        import json

        data = json.loads(raw.decode("utf-8")) if raw else None
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "malformed_json", _l("Kroppen är inte giltig JSON.")) from None
    if not isinstance(data, dict):
        raise ApiError(400, "malformed_json", _l("Kroppen ska vara ett JSON-objekt."))
    return data


def _load(schema: Schema, data: dict, where: str) -> dict:
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise ApiError(400, "invalid_" + where, _l("Uppgifterna i begäran är felaktiga; se fields."),
                       fields=_flatten(exc.messages)) from None


def _flatten(messages, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as {"field.sub": [message, ...]}; marshmallow's own English words stay."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                flat[name] = [_swedish(v) for v in value]
            else:
                flat.update(_flatten(value, name))
    elif isinstance(messages, list):
        flat[prefix or "_"] = [_swedish(str(v)) for v in messages]
    return flat


#: marshmallow's messages in the portal's words (Swedish msgids; English through the catalogue).
_WORDS = {
    "Unknown field.": _l("Okänt fält."),
    "Missing data for required field.": _l("Fältet måste finnas med."),
    "Field may not be null.": _l("Fältet får inte vara null."),
    "Not a valid integer.": _l("Ange ett heltal."),
    "Not a valid string.": _l("Ange en text."),
    "Not a valid date.": _l("Ange ett datum som ÅÅÅÅ-MM-DD."),
    "Not a valid list.": _l("Ange en lista."),
    "Not a valid boolean.": _l("Ange true eller false."),
    "Invalid input type.": _l("Fel typ av värde."),
    "Not a valid datetime.": _l("Ange tidpunkt som ÅÅÅÅ-MM-DDTtt:mm:ss."),
    "Not a valid mapping type.": _l("Ange ett objekt."),
    "Invalid type.": _l("Fel typ av värde."),
    "Invalid value.": _l("Ogiltigt värde."),
    "Not a valid utf-8 string.": _l("Ange en text i UTF-8."),
    "String does not match expected pattern.": _l("Värdet har fel form."),
}

#: marshmallow's messages that carry values (the validators' choices and limits), by their English shape.
_SHAPES = [
    (re.compile(r"Must be one of: (?P<choices>.*)\.$"), _l("Välj ett av: %(choices)s.")),
    (re.compile(r"Must be greater than or equal to (?P<min>\S+) and less than or equal to (?P<max>\S+)\.$"),
     _l("Ange ett värde från %(min)s till %(max)s.")),
    (re.compile(r"Must be greater than or equal to (?P<min>\S+)\.$"), _l("Ange minst %(min)s.")),
    (re.compile(r"Must be less than or equal to (?P<max>\S+)\.$"), _l("Ange högst %(max)s.")),
    (re.compile(r"Longer than maximum length (?P<max>\d+)\.$"), _l("Högst %(max)s tecken eller värden.")),
    (re.compile(r"Shorter than minimum length (?P<min>\d+)\.$"), _l("Minst %(min)s tecken eller värden.")),
    (re.compile(r"Length must be between (?P<min>\d+) and (?P<max>\d+)\.$"),
     _l("Mellan %(min)s och %(max)s tecken eller värden.")),
]


def _swedish(message: str) -> str:
    """A marshmallow message in the portal's words (Swedish, or English through the catalogue)."""
    word = _WORDS.get(message)
    if word is not None:
        return str(word)
    for shape, words in _SHAPES:
        found = shape.match(message)
        if found:
            return str(words) % found.groupdict()
    return message


def init_app(app) -> None:
    """The API's ground: limits, the JSON errors for /api/, the OpenAPI document and its page, the token pages."""
    from portal import audit
    from portal.api import docs, organisations, views
    from portal.templating import add_nav

    app.config.setdefault("API_RATE_LIMIT", DEFAULT_RATE_LIMIT)
    register(app, docs.bp)
    register(app, organisations.bp)
    app.register_blueprint(views.bp)
    add_nav("api_keys.organisation_keys", _l("API-nycklar"), "api.token.manage",
            _l("Nycklar som låter organisationens andra system använda portalens API."))
    audit.register_action_labels({
        "api.token.create": _l("API-nyckel skapad"),
        "api.token.revoke": _l("API-nyckel återkallad"),
    })
