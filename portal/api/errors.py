"""The API's errors: JSON with a stable code and a Swedish or English message (by Accept-Language), never a page."""
from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from portal.errors import RuleError, StaleEdit

PREFIX = "/api/"
#: Bodies above this are refused with 413 before they are read (the pages keep their own, larger limit).
MAX_BODY = 1024 * 1024

#: Status → (stable code, Swedish message); the message is translated at answer time.
CODES: dict[int, tuple[str, object]] = {
    400: ("bad_request", _l("Begäran kunde inte tolkas.")),
    401: ("unauthorized", _l("Ange en giltig API-nyckel i Authorization: Bearer NYCKEL.")),
    403: ("forbidden", _l("Nyckeln ger inte behörighet till det här.")),
    404: ("not_found", _l("Det finns inget sådant, eller så får nyckeln inte se det.")),
    405: ("method_not_allowed", _l("Metoden är inte tillåten här.")),
    406: ("not_acceptable", _l("API:et svarar bara med JSON.")),
    409: ("stale_version", _l("Någon annan har ändrat uppgifterna sedan den version du skickade. Läs dem igen och "
                              "skicka den version de har nu (X-Current-Version) om ändringen fortfarande behövs.")),
    413: ("too_large", _l("Begäran är större än 1 MB.")),
    415: ("unsupported_media_type", _l("Skicka kroppen som application/json.")),
    422: ("rule_violation", _l("Ändringen bryter mot en regel i portalen.")),
    429: ("throttled", _l("För många anrop med den här nyckeln. Vänta en stund och försök igen.")),
    500: ("server_error", _l("Något gick fel hos oss. Ingenting har sparats från den här begäran.")),
}


class ApiError(Exception):
    """An answer other than success, raised anywhere in an API request: the handler turns it into JSON."""

    def __init__(self, status: int, code: str | None = None, message: str | None = None,
                 fields: dict[str, list[str]] | None = None):
        super().__init__(message or code or str(status))
        self.status, self.code, self.message, self.fields = status, code, message, fields


def is_api_request() -> bool:
    return request.path.startswith(PREFIX)


def body(status: int, code: str | None = None, message: str | None = None,
         fields: dict[str, list[str]] | None = None) -> dict:
    """The error body in the request's language (portal.i18n: Accept-Language for the API, Swedish by default).

    `message` is text already in that language (an operation's refusal); without one the status's own words."""
    default_code, default_message = CODES.get(status, ("error", _l("Något gick fel.")))
    error: dict = {"code": code or default_code, "message": str(message) if message else str(default_message)}
    if fields:
        error["fields"] = {name: [str(m) for m in messages] for name, messages in fields.items()}
    return {"error": error}


def response(status: int, code: str | None = None, message=None, fields=None, headers=None):
    from flask import jsonify

    answer = jsonify(body(status, code, message, fields))
    answer.status_code = status
    for name, value in (headers or {}).items():
        answer.headers[name] = value
    if status == 401:
        answer.headers["WWW-Authenticate"] = 'Bearer realm="dua-portalen"'
    return answer


def from_rule_error(exc: RuleError):
    """An operation's refusal: 409 for a stale version, else 422 with each message beside its field."""
    fields: dict[str, list[str]] = {}
    for field, message in exc.errors:
        fields.setdefault(field or "_", []).append(str(message))
    if isinstance(exc, StaleEdit):
        # The pages' words ("what you typed is kept below") speak of a form: a system reads the API's own.
        return response(409, "stale_version", None,
                        headers={"X-Current-Version": str(exc.current)} if exc.current is not None else None)
    return response(422, "rule_violation", exc.errors[0][1], fields)


def from_http(exc: HTTPException):
    status = exc.code or 500
    return response(status if status in CODES else 400 if status < 500 else 500)
