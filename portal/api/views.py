"""The API-key pages: an org admin's system keys (and revoking any key of the organisation), a user's personal keys,
and the API's documentation rendered from the OpenAPI document for people."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.api import spec, tokens
from portal.api.forms import TokenForm
from portal.clock import today
from portal.db import db
from portal.forms import ButtonForm, submit
from portal.permissions import PERMISSIONS, check, login_only, public, requires

bp = Blueprint("api_keys", __name__)


def _form(allowed) -> TokenForm:
    form = TokenForm()
    form.scopes.choices = [(name, f"{name}: {PERMISSIONS[name]}") for name in sorted(allowed)]
    if not form.is_submitted():
        form.expires_on.data = today() + timedelta(days=90)
    return form


def _page(template: str, form: TokenForm, rows, issued=None, status: int = 200):
    return render_template(template, form=form, rows=rows, issued=issued, button=ButtonForm(),
                           states=tokens.STATE_LABELS, permissions=PERMISSIONS), status


@bp.route("/admin/api-nycklar", methods=["GET", "POST"])
@requires("api.token.manage")
def organisation_keys():
    organisation = current_user.organisation
    check(tokens.can_manage_system_tokens(current_user, organisation.id), "api:token-manage", obj=organisation)
    form = _form(tokens.SYSTEM_SCOPES)
    outcome = submit(form, lambda: tokens.create_system(
        organisation, by=current_user, name=form.name.data or "", scopes=form.scopes.data,
        expires_on=form.expires_on.data))
    issued = outcome.result if outcome.done else None
    if issued is not None:
        form = _form(tokens.SYSTEM_SCOPES)
    return _page("api/organisation_keys.html", form, tokens.tokens_of_organisation(organisation.id), issued,
                 outcome.status if not outcome.done else 200)


@bp.route("/konto/api-nycklar", methods=["GET", "POST"])
@login_only
def personal_keys():
    form = _form(tokens.personal_scopes(current_user))
    outcome = submit(form, lambda: tokens.create_personal(
        by=current_user, name=form.name.data or "", scopes=form.scopes.data, expires_on=form.expires_on.data))
    issued = outcome.result if outcome.done else None
    if issued is not None:
        form = _form(tokens.personal_scopes(current_user))
    return _page("api/personal_keys.html", form, tokens.tokens_of_user(current_user), issued,
                 outcome.status if not outcome.done else 200)


@bp.route("/api-nycklar/<int:token_id>/aterkalla", methods=["POST"])
@login_only
def revoke(token_id: int):
    token = db.session.get(tokens.ApiToken, token_id)
    if token is None:
        abort(404)
    check(tokens.can_revoke(current_user, token), "api:token-revoke", obj=token)
    if not ButtonForm().validate_on_submit():
        abort(400)
    tokens.revoke(token, by=current_user)
    flash(_("API-nyckeln ”%(name)s” är återkallad. Anrop med den nekas från och med nu.", name=token.name), "success")
    back = "api_keys.personal_keys" if token.user_id == current_user.id else "api_keys.organisation_keys"
    return redirect(url_for(back), 303)


@bp.route("/api-dokumentation")
@public
def documentation():
    """The OpenAPI document for people, rendered here (no script, no CDN: within the portal's CSP)."""
    document = current_app.extensions.get("dua_openapi") or spec.build()
    return render_template("api/documentation.html", document=document, schemas=document["components"]["schemas"])
