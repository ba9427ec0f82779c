"""Admin views: organisations (system admin), staff accounts (org/system admin) and the audit-trail search."""
from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from portal import audit
from portal.admin import bp
from portal.admin.forms import (
    AuditSearchForm,
    EditOrganisationForm,
    EditUserForm,
    OrganisationForm,
    UserFilterForm,
    UserForm,
    choice,
)
from portal.audit import AuditEvent
from portal.auth import operations as accounts
from portal.auth.models import User
from portal.db import db, paginate
from portal.forms import attach_error, fingerprint, is_stale
from portal.orgs import Organisation, OrgError, create_organisation, update_organisation
from portal.permissions import (
    ROLES,
    assignable_roles,
    audit_scope_org_id,
    can_manage_user,
    can_manage_users_of,
    check,
    is_system_admin,
    requires,
)

USERS_PER_PAGE = 25
EVENTS_PER_PAGE = 50



# --- Organisationer ------------------------------------------------------------------------------


def _load_org(org_id: int) -> Organisation:
    return db.session.get(Organisation, org_id) or abort(404)


def _parent_choices(exclude: Organisation | None = None) -> list:
    rows = db.session.execute(select(Organisation.id, Organisation.name).order_by(Organisation.name)).all()
    return [choice("", _("Ingen (fristående organisation)"))] + [
        choice(str(oid), name) for oid, name in rows if exclude is None or oid != exclude.id
    ]


def _chosen_org(value: str | None) -> Organisation | None:
    return db.session.get(Organisation, int(value)) if value and value.isdigit() else None


@bp.route("/organisationer")
@requires("org.manage")
def orgs():
    parent = aliased(Organisation)
    user_counts = (
        select(User.organisation_id, func.count(User.id).label("users"))
        .group_by(User.organisation_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Organisation, parent.name, func.coalesce(user_counts.c.users, 0))
        .outerjoin(parent, Organisation.parent_id == parent.id)
        .outerjoin(user_counts, user_counts.c.organisation_id == Organisation.id)
        .order_by(Organisation.name, Organisation.id)
    ).all()
    return render_template("admin/orgs.html", rows=rows)


@bp.route("/organisationer/ny", methods=["GET", "POST"])
@requires("org.manage")
def orgs_new():
    form = OrganisationForm()
    form.parent.choices = _parent_choices()
    if form.validate_on_submit():
        try:
            org = create_organisation(name=form.name.data, code=form.code.data, kind=form.kind.data,
                                      orgnr=form.orgnr.data, parent=_chosen_org(form.parent.data), by=current_user)
        except OrgError as exc:
            attach_error(form, exc.field, str(exc))
        else:
            flash(_("Organisationen %(name)s har skapats.", name=org.name), "success")
            return redirect(url_for("admin.orgs"))
    status = 400 if form.is_submitted() else 200
    return render_template("admin/org_form.html", form=form, org=None), status


@bp.route("/organisationer/<int:org_id>", methods=["GET", "POST"])
@requires("org.manage")
def orgs_edit(org_id: int):
    org = _load_org(org_id)
    form = EditOrganisationForm(obj=org)
    if not form.is_submitted():
        form.parent.data = str(org.parent_id or "")  # the select holds ids; obj gave the Organisation
    del form.code  # the code is fixed: scripts and URLs refer to it
    form.parent.choices = _parent_choices(exclude=org)
    current = fingerprint(org.name, org.kind, org.orgnr, org.parent_id, org.is_active)
    if not form.is_submitted():
        form.version.data = current
    elif is_stale(form, current):
        return render_template("admin/org_form.html", form=form, org=org), 409
    if form.validate_on_submit():
        try:
            update_organisation(org, name=form.name.data, kind=form.kind.data, orgnr=form.orgnr.data,
                                parent=_chosen_org(form.parent.data), is_active=form.is_active.data,
                                by=current_user)
        except OrgError as exc:
            attach_error(form, exc.field, str(exc))
        else:
            flash(_("Ändringarna av %(name)s har sparats.", name=org.name), "success")
            return redirect(url_for("admin.orgs"))
    status = 400 if form.is_submitted() else 200
    return render_template("admin/org_form.html", form=form, org=org), status


# --- Användare -----------------------------------------------------------------------------------


def _load_user(user_id: int) -> User:
    """Load a staff account the current admin may manage: 404 if missing, audited 403 if not theirs."""
    user = db.session.get(User, user_id) or abort(404)
    check(can_manage_user(current_user, user), "user.manage:not_own_organisation", obj=user)
    return user


def _role_choices() -> list:
    return [choice(role, ROLES[role]) for role in assignable_roles(current_user)]


def _org_choices(first_label: str, active_only: bool) -> list:
    stmt = select(Organisation.id, Organisation.name).order_by(Organisation.name)
    if active_only:
        stmt = stmt.where(Organisation.is_active.is_(True))
    return [choice("", first_label)] + [choice(str(oid), name) for oid, name in db.session.execute(stmt)]


@bp.route("/anvandare")
@requires("user.manage")
def users():
    filters = UserFilterForm(request.args)
    stmt = select(User).order_by(User.name, User.id)
    if is_system_admin(current_user):
        filters.org.choices = _org_choices(_("Alla organisationer"), active_only=False)
        if filters.org.data and filters.org.data.isdigit():
            stmt = stmt.where(User.organisation_id == int(filters.org.data))
    else:
        del filters.org
        stmt = stmt.where(User.organisation_id == current_user.organisation_id)
    query = (filters.q.data or "").strip()
    if query:
        stmt = stmt.where(or_(User.name.icontains(query, autoescape=True),
                              User.email.icontains(query, autoescape=True)))
    page = paginate(stmt, per_page=USERS_PER_PAGE)
    manageable = {u.id for u in page.items if can_manage_user(current_user, u)}
    args = {k: v for k, v in request.args.items() if k != "page" and v}
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
        if request.method == "GET" and request.args.get("org", "").isdigit():
            form.organisation.data = request.args["org"]
    else:
        del form.organisation
    if form.validate_on_submit():
        organisation = _chosen_org(form.organisation.data) if system_admin else current_user.organisation
        if organisation is None:
            attach_error(form, "organisation", _("Välj vilken organisation användaren hör till."))
        else:
            check(can_manage_users_of(current_user, organisation), "user.manage:not_own_organisation",
                  obj=organisation)
            try:
                user = accounts.create_user(email=form.email.data, name=form.name.data, organisation=organisation,
                                            roles=form.roles.data, password=form.password.data, by=current_user)
            except accounts.AccountError as exc:
                attach_error(form, exc.field, str(exc))
            else:
                flash(_("Kontot för %(name)s har skapats.", name=user.name), "success")
                return redirect(url_for("admin.users_edit", user_id=user.id))
    status = 400 if form.is_submitted() else 200
    return render_template("admin/user_new.html", form=form), status


def _render_user(user: User, form: EditUserForm, status: int = 200):
    return render_template("admin/user_edit.html", user=user, form=form, roles=ROLES), status


def _edit_form(user: User, *, from_request: bool = True) -> EditUserForm:
    """The name-and-roles form: what was posted, or (GET, or after a button) the user's current values."""
    form = EditUserForm(obj=user) if from_request else EditUserForm(formdata=None, obj=user)
    if not (from_request and form.is_submitted()):
        form.roles.data = user.role_names  # obj gave the UserRole rows; the checkboxes hold role names
        form.version.data = _user_version(user)
    form.roles.choices = _role_choices()
    return form


def _user_version(user: User) -> str:
    return fingerprint(user.name, user.role_names)


@bp.route("/anvandare/<int:user_id>", methods=["GET", "POST"])
@requires("user.manage")
def users_edit(user_id: int):
    user = _load_user(user_id)
    form = _edit_form(user)
    if form.is_submitted() and is_stale(form, _user_version(user)):
        return _render_user(user, form, 409)
    if form.validate_on_submit():
        try:
            accounts.update_user(user, name=form.name.data, roles=form.roles.data, by=current_user)
        except accounts.AccountError as exc:
            attach_error(form, exc.field, str(exc))
        else:
            flash(_("Ändringarna för %(name)s har sparats.", name=user.name), "success")
            return redirect(url_for("admin.users_edit", user_id=user.id))
    return _render_user(user, form, 400 if form.is_submitted() else 200)


def _set_active(user_id: int, active: bool):
    user = _load_user(user_id)
    try:
        accounts.set_active(user, active, by=current_user)
    except accounts.AccountError as exc:
        form = _edit_form(user, from_request=False)
        attach_error(form, exc.field, str(exc))
        return _render_user(user, form, 400)
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


def _local_midnight_utc(day) -> datetime:
    """The start of a Swedish calendar day, in UTC (the audit trail stores UTC)."""
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Europe/Stockholm"))
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


def _search_events(form: AuditSearchForm):
    stmt = select(AuditEvent).order_by(AuditEvent.seq.desc())
    scope = audit_scope_org_id(current_user)
    if scope is not None:
        stmt = stmt.where(AuditEvent.organisation_id == scope)
    action = (form.action.data or "").strip()
    if action:
        stmt = stmt.where(or_(AuditEvent.action == action,
                              AuditEvent.action.startswith(action.rstrip(".") + ".", autoescape=True)))
    email = (form.email.data or "").strip()
    if email:
        stmt = stmt.where(AuditEvent.user_id.in_(select(User.id).where(User.email.icontains(email, autoescape=True))))
    if form.date_from.data:
        stmt = stmt.where(AuditEvent.occurred_dt >= _local_midnight_utc(form.date_from.data))
    if form.date_to.data:
        stmt = stmt.where(AuditEvent.occurred_dt < _local_midnight_utc(form.date_to.data + timedelta(days=1)))
    if form.person_id.data:
        stmt = stmt.where(AuditEvent.person_id == form.person_id.data)
    if (form.object_type.data or "").strip():
        stmt = stmt.where(AuditEvent.object_type == form.object_type.data.strip())
    if (form.object_id.data or "").strip():
        stmt = stmt.where(AuditEvent.object_id == form.object_id.data.strip())
    return paginate(stmt, per_page=EVENTS_PER_PAGE)


@bp.route("/granskningslogg", endpoint="audit")
@requires("audit.search")
def audit_log():
    form = AuditSearchForm(request.args)
    valid = form.validate()
    if valid and form.date_from.data and form.date_to.data and form.date_to.data < form.date_from.data:
        attach_error(form, "date_to", _("Slutdatumet kan inte vara före startdatumet."))
        valid = False
    if not valid:
        return render_template("admin/audit.html", form=form, page=None, users={}, orgs={},
                               labels=audit.ACTION_LABELS, args={}), 400
    page = _search_events(form)
    # Who and where, for the shown page only: two bounded queries instead of one per row.
    user_ids = {e.user_id for e in page.items if e.user_id}
    org_ids = {e.organisation_id for e in page.items if e.organisation_id}
    users = dict(db.session.execute(select(User.id, User.email).where(User.id.in_(user_ids))).all()) \
        if user_ids else {}
    orgs = dict(db.session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(org_ids)))
                .all()) if org_ids else {}
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    # One event for the whole search, after it ran, so the search does not list itself.
    audit.record("audit.search", details={"filters": args, "page": page.page, "hits": page.total})
    return render_template("admin/audit.html", form=form, page=page, users=users, orgs=orgs,
                           labels=audit.ACTION_LABELS, args=args)


@bp.route("/granskningslogg/kontrollera", methods=["POST"])
@requires("audit.search")
def audit_verify():
    result = audit.verify()
    audit.record("audit.verify", details={"ok": result.ok, "checked": result.checked,
                                          "broken_seq": result.broken_seq})
    return render_template("admin/audit_verify.html", result=result)
