"""Signing an API call in: `Authorization: Bearer dua_<id>_<secret>` → the acting user, limited to the token's scopes.

No session and no CSRF: every call carries its token. The user is made Flask-Login's current user for the request
(so operations get `by=`, the gate a viewer, the audit trail an actor), and `portal.permissions.permissions_of`
gives that user only what both its roles and the token's scopes grant.
"""
from __future__ import annotations

from flask import current_app, g, request
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import current_user

from portal.api import tokens
from portal.api.errors import MAX_BODY, ApiError
from portal.permissions import PUBLIC, deny, has


def _presented() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def rate_key() -> str:
    """Flask-Limiter's key: the token's id (each token its own budget), else the caller's address."""
    presented = _presented()
    parsed = tokens.parse(presented) if presented else None
    return f"api-token:{parsed[0]}" if parsed else f"api-ip:{get_remote_address()}"


#: Calls with a key that is not (or no longer) valid, per address: the per-key budget cannot count them.
BAD_KEY_LIMIT = "30 per minute"


def authenticate():
    """Before every API call (except the public document and its page): the token, or a 401 saying what is wrong.
    Every call's body is held to 1 MB here, the read endpoints' too (the pages keep their larger limit)."""
    request.max_content_length = MAX_BODY
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise ApiError(413)
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None or getattr(view, "access", (None,))[0] == PUBLIC:
        return None
    presented = _presented()
    if presented is None:
        raise ApiError(401, "unauthorized")
    token = tokens.find(presented)
    state = token.state() if token is not None else "unknown"
    if state != "active":
        _count_bad_key()
    if token is None:
        raise ApiError(401, "invalid_token", _l("API-nyckeln känns inte igen."))
    if state == "revoked":
        raise ApiError(401, "token_revoked", _l("API-nyckeln är återkallad."))
    if state == "expired":
        raise ApiError(401, "token_expired", _l("API-nyckeln har gått ut. Be om en ny."))
    user = token.user
    if not user.is_active or not user.organisation.is_active:
        raise ApiError(401, "account_inactive", _l("Kontot som nyckeln hör till är inaktiverat."))
    g.api_token = token
    g.api_user_id = user.id
    g.api_scopes = frozenset(token.scopes)
    g._login_user = user  # Flask-Login's current user for this request only; no session is opened
    tokens.touch(token)
    return None


def _count_bad_key() -> None:
    """A wrong, revoked or expired key counts against its caller's address: a flood of made-up keys meets 429."""
    from limits import parse

    from portal.auth import limiter

    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    if not limiter.limiter.hit(parse(current_app.config.get("API_BAD_KEY_LIMIT", BAD_KEY_LIMIT)),
                               "api-bad-key", get_remote_address()):
        raise ApiError(429)


def require(permission: str | None) -> None:
    """The endpoint's permission: the token's scopes and the user's roles must both grant it (403, audited)."""
    if permission is not None and not has(current_user, permission):
        deny(f"api:{permission}")
