"""The e-legitimation sign-in pages: a provider's button starts the code flow, its callback finishes the login."""
from __future__ import annotations

from flask import redirect, request, session, url_for
from flask_login import current_user

from portal.auth import attempt_failed, bp, limiter, oidc, oidc_signin
from portal.auth.views import _finish_login, _per_ip, _safe_next, login_page
from portal.db import db
from portal.permissions import public

#: The status the login page answers with when a sign-in stopped, by reason.
_STATUS = {"unknown_provider": 404, "provider_unreachable": 502}


def _stopped(name: str, failure: oidc.OidcFailure, claims: dict | None = None):
    """Audit, forget everything the half-done flow left in the session, and say why on the login page."""
    db.session.rollback()  # a link or an account made before a later check refused must not stay
    oidc_signin.record_failure(name, failure, claims)
    session.pop(oidc.NEXT_KEY, None)
    attempt_failed()
    return login_page(status=_STATUS.get(failure.reason, 403 if claims else 400),
                      oidc_error=oidc_signin.message_for(failure.reason))


@bp.route("/logga-in/e-legitimation/<name>", methods=["GET"])
@public
@limiter.limit(_per_ip, methods=["GET"])
def oidc_start(name: str):
    """A link, not a form: the login page's CSP (form-action 'self') stops a form from being redirected to the
    provider. Starting a flow grants nothing; the callback's state, bound to this browser, is what counts."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    try:
        provider = oidc.provider(name)
        session[oidc.NEXT_KEY] = _safe_next(request.args.get("next"))
        return oidc.authorize_redirect(provider, url_for("auth.oidc_callback", name=name, _external=True))
    except oidc.OidcFailure as failure:
        return _stopped(name, failure)


@bp.route("/logga-in/e-legitimation/<name>/klar", methods=["GET"])
@public
@limiter.limit(_per_ip, methods=["GET"])
def oidc_callback(name: str):
    claims = None
    try:
        provider = oidc.provider(name)
        claims = oidc.finish(provider, request.args)
        user = oidc_signin.user_for(provider, claims)
    except oidc.OidcFailure as failure:
        return _stopped(name, failure, claims)
    next_url = session.get(oidc.NEXT_KEY)
    return _finish_login(user, next_url, via=provider.name)
