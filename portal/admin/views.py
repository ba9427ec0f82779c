"""Admin pages: organisations (system admin), staff accounts (org/system admin) and the audit-trail search."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import audit, orgs
from portal.admin import bp
from portal.admin import operations as ops
from portal.admin.forms import (
    AuditSearchForm,
    AuditVerifyForm,
    EditOrganisationForm,
    EditUserForm,
    OrganisationForm,
    SigninSettingsForm,
    UserFilterForm,
    UserForm,
    action_choices,
)
from portal.auth import oidc, oidc_signin
from portal.auth import operations as accounts
from portal.auth.models import User
from portal.db import db
from portal.errors import RuleError
from portal.forms import attach_error, choice, id_arg, show_errors
from portal.orgs import Organisation
from portal.permissions import ROLES, assignable_roles, can_manage_user, check, is_system_admin, requires

# --- Organisationer ------------------------------------------------------------------------------


def _load_org(org_id: int) -> Organisation:
    return db.session.get(Organisation, org_id) or abort(404)


def _org_choices(first_label, *, active_only: bool = False, exclude: Organisation | None = None) -> list:
    return [choice("", first_label)] + [choice(str(oid), name) for oid, name in
                                        ops.organisation_names(active_only=active_only, exclude=exclude)]


@bp.route("/organisationer", endpoint="orgs")
@requires("org.manage")
def orgs_list():
    return render_template("admin/orgs.html", rows=ops.organisation_rows())


@bp.route("/organisationer/ny", methods=["GET", "POST"])
@requires("org.manage")
def orgs_new():
    form = OrganisationForm()
    form.parent.choices = _org_choices(_("Ingen (fristående organisation)"))
    status = 400 if form.is_submitted() else 200
    if form.validate_on_submit():
        try:
            org = orgs.create_organisation(name=form.name.data, code=form.code.data, kind=form.kind.data,
                                           orgnr=form.orgnr.data, parent=ops.organisation_by_choice(form.parent.data),
                                           kommunkod=form.kommunkod.data, by=current_user)
        except RuleError as exc:
            status = show_errors(form, exc)
        else:
            flash(_("Organisationen %(name)s har skapats.", name=org.name), "success")
            return redirect(url_for("admin.orgs"))
    return render_template("admin/org_form.html", form=form, org=None), status


@bp.route("/organisationer/<int:org_id>", methods=["GET", "POST"])
@requires("org.manage")
def orgs_edit(org_id: int):
    org = _load_org(org_id)
    form = EditOrganisationForm(obj=org)
    if not form.is_submitted():
        form.parent.data = str(org.parent_id or "")  # the select holds ids; obj gave the Organisation
        form.version.data = orgs.version_of(org)
    del form.code  # the code is fixed: scripts and URLs refer to it
    form.parent.choices = _org_choices(_("Ingen (fristående organisation)"), exclude=org)
    status = 400 if form.is_submitted() else 200
    if form.validate_on_submit():
        try:
            orgs.update_organisation(org, name=form.name.data, kind=form.kind.data, orgnr=form.orgnr.data,
                                     parent=ops.organisation_by_choice(form.parent.data),
                                     is_active=form.is_active.data, kommunkod=form.kommunkod.data,
                                     by=current_user,
                                     expected_version=form.version.data)
        except RuleError as exc:
            status = show_errors(form, exc)
        else:
            flash(_("Ändringarna av %(name)s har sparats.", name=org.name), "success")
            return redirect(url_for("admin.orgs"))
    return render_template("admin/org_form.html", form=form, org=org), status


@bp.route("/organisationer/<int:org_id>/inloggning", methods=["GET", "POST"])
@requires("signin.manage")
def orgs_signin(org_id: int):
    """An org admin (or the system admin) chooses how the organisation's staff sign in."""
    org = _load_org(org_id)
    check(oidc_signin.may_manage_signin(current_user, org), "signin.manage:not_own_organisation", obj=org)
    providers = oidc.providers()
    serving = oidc_signin.providers_serving(org, providers)
    form = SigninSettingsForm()
    form.creating.choices = [choice(p.name, p.label) for p in serving]
    if not form.is_submitted():
        form.password_login_allowed.data = org.password_login_allowed
        form.creating.data = oidc_signin.creating_providers(org)
        form.version.data = oidc_signin.version_of(org)
    if not serving:
        del form.creating
    status = 400 if form.is_submitted() else 200
    if form.validate_on_submit():
        try:
            oidc_signin.update_signin_settings(
                org, password_login_allowed=form.password_login_allowed.data,
                creating=(form.creating.data or []) if serving else [], providers=providers, by=current_user,
                expected_version=form.version.data)
        except RuleError as exc:
            status = show_errors(form, exc)
        else:
            flash(_("Inloggningssätten för %(name)s har sparats.", name=org.name), "success")
            return redirect(url_for("admin.orgs_signin", org_id=org.id))
    return render_template("admin/org_signin.html", form=form, org=org, serving=serving), status


# --- Användare -----------------------------------------------------------------------------------


def _load_user(user_id: int) -> User:
    """Load a staff account the current admin may manage: 404 if missing, audited 403 if not theirs."""
    user = db.session.get(User, user_id) or abort(404)
    check(can_manage_user(current_user, user), "user.manage:not_own_organisation", obj=user)
    return user


def _role_choices() -> list:
    return [choice(role, ROLES[role]) for role in assignable_roles(current_user)]


@bp.route("/anvandare")
@requires("user.manage")
def users():
    filters = UserFilterForm(request.args)
    organisation_id = None
    if is_system_admin(current_user):
        filters.org.choices = _org_choices(_("Alla organisationer"))
        organisation_id = id_arg("org")
    else:
        del filters.org
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    if not filters.validate():  # e.g. a search text beyond its cap: said beside the field, nothing searched
        return render_template("admin/users.html", page=None, filters=filters, manageable=set(), roles=ROLES,
                               args={}), 400
    page, manageable = ops.users_page(current_user, query=filters.q.data or "", organisation_id=organisation_id)
    return render_template("admin/users.html", page=page, filters=filters, manageable=manageable, roles=ROLES,
                           args=args)


@bp.route("/anvandare/ny", methods=["GET", "POST"])
@requires("user.manage")
def users_new():
    form = UserForm()
    form.roles.choices = _role_choices()
    system_admin = is_system_admin(current_user)
    if system_admin:
        form.organisation.choices = _org_choices(_("Välj organisation"), active_only=True)
        if request.method == "GET" and id_arg("org"):
            form.organisation.data = str(id_arg("org"))
    else:
        del form.organisation
    status = 400 if form.is_submitted() else 200
    if form.validate_on_submit():
        organisation = ops.organisation_by_choice(form.organisation.data) if system_admin \
            else current_user.organisation
        if organisation is None:
            attach_error(form, "organisation", _("Välj vilken organisation användaren hör till."))
        else:
            try:
                user = accounts.create_user(email=form.email.data, name=form.name.data, organisation=organisation,
                                            roles=form.roles.data, password=form.password.data, by=current_user)
            except RuleError as exc:
                status = show_errors(form, exc)
            else:
                flash(_("Kontot för %(name)s har skapats.", name=user.name), "success")
                return redirect(url_for("admin.users_edit", user_id=user.id))
    return render_template("admin/user_new.html", form=form), status


def _render_user(user: User, form: EditUserForm, status: int = 200):
    return render_template("admin/user_edit.html", user=user, form=form, roles=ROLES), status


def _edit_form(user: User, *, from_request: bool = True) -> EditUserForm:
    """The name-and-roles form: what was posted, or (GET, or after a button) the user's current values."""
    form = EditUserForm(obj=user) if from_request else EditUserForm(formdata=None, obj=user)
    if not (from_request and form.is_submitted()):
        form.roles.data = user.role_names  # obj gave the UserRole rows; the checkboxes hold role names
        form.version.data = accounts.version_of(user)
    form.roles.choices = _role_choices()
    return form


@bp.route("/anvandare/<int:user_id>", methods=["GET", "POST"])
@requires("user.manage")
def users_edit(user_id: int):
    user = _load_user(user_id)
    form = _edit_form(user)
    status = 400 if form.is_submitted() else 200
    if form.validate_on_submit():
        try:
            accounts.update_user(user, name=form.name.data, roles=form.roles.data, by=current_user,
                                 expected_version=form.version.data)
        except RuleError as exc:
            status = show_errors(form, exc)
        else:
            flash(_("Ändringarna för %(name)s har sparats.", name=user.name), "success")
            return redirect(url_for("admin.users_edit", user_id=user.id))
    return _render_user(user, form, status)


def _set_active(user_id: int, active: bool):
    user = _load_user(user_id)
    try:
        accounts.set_active(user, active, by=current_user)
    except RuleError as exc:
        form = _edit_form(user, from_request=False)
        return _render_user(user, form, show_errors(form, exc))
    if active:
        flash(_("Kontot för %(name)s är aktivt igen.", name=user.name), "success")
    else:
        flash(_("Kontot för %(name)s är inaktiverat och alla dess inloggningar har avslutats.", name=user.name),
              "success")
    return redirect(url_for("admin.users_edit", user_id=user.id))


@bp.route("/anvandare/<int:user_id>/inaktivera", methods=["POST"])
@requires("user.manage")
def users_deactivate(user_id: int):
    return _set_active(user_id, False)


@bp.route("/anvandare/<int:user_id>/aktivera", methods=["POST"])
@requires("user.manage")
def users_activate(user_id: int):
    return _set_active(user_id, True)


@bp.route("/anvandare/<int:user_id>/tvafaktor", methods=["POST"])
@requires("user.manage")
def users_reset_two_factor(user_id: int):
    user = _load_user(user_id)
    accounts.reset_two_factor(user, by=current_user)
    flash(_("Tvåfaktorinloggningen för %(name)s är återställd. Användaren loggas ut och får koppla en ny app "
            "vid nästa inloggning.", name=user.name), "success")
    return redirect(url_for("admin.users_edit", user_id=user.id))


# --- Granskningslogg -----------------------------------------------------------------------------


@bp.route("/granskningslogg", endpoint="audit")
@requires("audit.search")
def audit_log():
    form = AuditSearchForm(request.args)
    form.action.choices = action_choices(audit.ACTION_LABELS, request.args.get("action"))
    valid = form.validate()
    if valid and form.date_from.data and form.date_to.data and form.date_to.data < form.date_from.data:
        attach_error(form, "date_to", _("Slutdatumet kan inte vara före startdatumet."))
        valid = False
    if not valid:
        return render_template("admin/audit.html", form=form, page=None, users={}, orgs={}, people={},
                               labels=audit.ACTION_LABELS, args={}, verify_form=AuditVerifyForm(formdata=None)), 400
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    filters = ops.AuditFilters(action=form.action.data or "", email=form.email.data or "",
                               date_from=form.date_from.data, date_to=form.date_to.data,
                               person=form.person.data or "", object_type=form.object_type.data or "",
                               object_id=form.object_id.data or "")
    result = ops.search_audit(current_user, filters, shown_filters=args)
    return render_template("admin/audit.html", form=form, page=result.page, users=result.users, orgs=result.orgs,
                           people=result.people, objects=result.objects, details=result.details,
                           labels=audit.ACTION_LABELS, args=args, verify_form=AuditVerifyForm(formdata=None))


@bp.route("/granskningslogg/kontrollera", methods=["POST"])
@requires("audit.search")
def audit_verify():
    form = AuditVerifyForm()
    status, result = 400, None
    if form.validate_on_submit():
        try:
            result = ops.verify_audit(current_user, head=form.head.data)
        except RuleError as exc:
            status = show_errors(form, exc)
        else:
            status = 200
    return render_template("admin/audit_verify.html", result=result, form=form), status


# --- E-post som inte gått fram ---------------------------------------------------------------------------


@bp.route("/e-post", endpoint="mail")
@requires("mail.monitor")
def mail_failures():
    """Mail the sender gave up on or will try again, with the SMTP server's answer: for the system admin."""
    from portal import mail

    return render_template("admin/mail.html", rows=mail.undelivered())
