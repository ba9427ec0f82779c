"""Every change to staff accounts and every login step goes through a function here (rule + audit)."""
from __future__ import annotations

import secrets

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update
from sqlalchemy.orm.attributes import set_committed_value

from portal import audit
from portal.auth import totp
from portal.auth.models import RecoveryCode, User, UserRole
from portal.auth.passwords import hash_password, password_problems, verify_password
from portal.db import db, utcnow
from portal.errors import RuleError, check_version, fingerprint
from portal.orgs import Organisation
from portal.permissions import ROLES, assignable_roles, can_manage_user, can_manage_users_of, check


class AccountError(RuleError):
    """A rule for staff accounts was broken; `field` names the form field the message belongs beside."""


def version_of(user: User) -> str:
    """What the name-and-roles form was built from (see portal.errors.check_version)."""
    return fingerprint(user.name, user.role_names)


def _check_may_manage(by, user: User) -> None:
    """An admin changes only the accounts the record rule gives them (CLI and demo act with by=None)."""
    if by is not None:
        check(can_manage_user(by, user), "user.manage:not_own_organisation", obj=user)


def normalise_email(value: str) -> str:
    try:
        return validate_email((value or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise AccountError(_l("Ange en giltig e-postadress, t.ex. namn@lekeberg.se."), field="email") from exc


def by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == (email or "").strip().lower()))


def _check_roles(roles: list[str]) -> list[str]:
    roles = sorted(set(roles))
    if not roles:
        raise AccountError(_l("Välj minst en roll."), field="roles")
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise AccountError(_l("Okänd roll: %(r)s.", r=", ".join(unknown)), field="roles")
    return roles


def _check_may_grant(by, changed: set[str]) -> None:
    """An admin may only hand out or take away the roles `assignable_roles` gives them (CLI and demo: by=None)."""
    if by is None:
        return
    refused = sorted(changed - set(assignable_roles(by)))
    if refused:
        names = ", ".join(str(ROLES[r]) for r in refused)
        raise AccountError(_l("Du får inte ge eller ta bort rollen %(r)s.", r=names), field="roles")


def create_user(*, email: str, name: str, organisation: Organisation, roles: list[str], password: str,
                by, check_password_rules: bool = True) -> User:
    """Create a staff account; the e-mail must be unused and the password must follow the rules.

    `by` is the acting admin, or None for a trusted script (the CLI, the demo seeder, test fixtures).
    """
    if by is not None:
        check(can_manage_users_of(by, organisation), "user.manage:not_own_organisation", obj=organisation)
    email = normalise_email(email)
    name = (name or "").strip() or email.split("@")[0]
    roles = _check_roles(roles)
    _check_may_grant(by, set(roles))
    if not organisation.is_active:
        raise AccountError(_l("Organisationen är inaktiv och kan inte få nya användare."), field="organisation")
    if by_email(email) is not None:
        raise AccountError(_l("E-postadressen används redan av ett annat konto."), field="email")
    if check_password_rules:
        problems = password_problems(password, email=email, name=name)
        if problems:
            raise AccountError(" ".join(problems), field="password")
    user = User(email=email, name=name, organisation=organisation, password_hash=hash_password(password),
                is_active_account=True, session_version=1, password_changed_dt=utcnow())
    user.roles = [UserRole(role=r) for r in roles]
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", obj=user, by=by, organisation_id=organisation.id,
                 details={"email": email, "roles": roles})
    return user


def update_user(user: User, *, name: str, roles: list[str], by, expected_version: str | None = None) -> User:
    """Change a staff account's name and roles; an admin cannot take away their own admin role.

    A form opened before someone else saved the account is refused (StaleEdit) when it sends
    `expected_version`, the version_of() it was built from.
    """
    _check_may_manage(by, user)
    check_version(expected_version, version_of(user))
    roles = _check_roles(roles)
    before = user.role_names
    _check_may_grant(by, set(roles) ^ set(before))
    admin_roles = {"org_admin", "system_admin"}
    if by is not None and by.id == user.id and (set(before) & admin_roles) - set(roles):
        raise AccountError(_l("Du kan inte ta bort din egen administratörsroll."), field="roles")
    user.name = (name or "").strip() or user.name
    if before != roles:
        user.roles = [r for r in user.roles if r.role in roles] + [
            UserRole(role=r) for r in roles if r not in before
        ]
    db.session.flush()
    audit.record("user.update", obj=user, by=by, organisation_id=user.organisation_id,
                 details={"roles_before": before, "roles": roles})
    return user


def set_active(user: User, active: bool, *, by) -> User:
    """Deactivate (or reactivate) an account; deactivation ends every open session at once."""
    _check_may_manage(by, user)
    if by is not None and by.id == user.id and not active:
        raise AccountError(_l("Du kan inte inaktivera ditt eget konto."))
    if user.is_active_account == active:
        return user  # a repeated click changes nothing and records nothing
    user.is_active_account = active
    user.session_version += 1
    db.session.flush()
    audit.record("user.deactivate" if not active else "user.activate", obj=user, by=by,
                 organisation_id=user.organisation_id)
    return user


def change_password(user: User, *, current: str, new: str, repeat: str) -> User:
    if not verify_password(user.password_hash, current or ""):
        raise AccountError(_l("Det nuvarande lösenordet är fel."), field="current")
    if new != repeat:
        raise AccountError(_l("Lösenorden stämmer inte överens."), field="repeat")
    if new == current:
        raise AccountError(_l("Det nya lösenordet måste skilja sig från det nuvarande."), field="new")
    problems = password_problems(new, email=user.email, name=user.name)
    if problems:
        raise AccountError(" ".join(problems), field="new")
    user.password_hash = hash_password(new)
    user.password_changed_dt = utcnow()
    user.session_version += 1  # other sessions end; the current one is renewed by the view
    db.session.flush()
    audit.record("user.password_change", obj=user, by=user)
    return user


def check_password(email: str, password: str) -> User | None:
    """The password step of login. Returns the user, or None; the failure is audited either way."""
    user = by_email(email)
    ok = verify_password(user.password_hash if user else None, password or "")
    if user is None or not ok or not user.is_active:
        reason = "unknown_user" if user is None else ("inactive" if ok else "bad_password")
        audit.record_independent(
            "login.failed",
            by=None,
            object_type="User" if user else None,
            object_id=user.id if user else None,
            organisation_id=user.organisation_id if user else None,
            details={"email": (email or "")[:254], "reason": reason},
        )
        return None
    if not user.organisation.password_login_allowed:
        audit.record_independent("login.failed", by=None, obj=user, organisation_id=user.organisation_id,
                                 details={"email": user.email, "reason": "password_login_off"})
        raise AccountError(_l("Din organisation har stängt av inloggning med lösenord. Logga in med "
                              "e-legitimation med knappen för din organisation."))
    return user


def check_second_factor(user: User, code: str) -> bool:
    """A TOTP code (never reused) or an unused recovery code completes login; a failure is audited."""
    code = (code or "").strip()
    compact = code.replace(" ", "")
    if totp.is_totp_shaped(compact):
        counter = totp.matching_counter(user.totp_secret or "", compact, user.totp_last_counter)
        if counter is not None and _claim_totp_counter(user, counter):
            return True
    elif code and _use_recovery_code(user, code):
        audit.record("login.recovery_code_used", obj=user, by=user)
        return True
    audit.record_independent("login.failed", by=None, obj=user, organisation_id=user.organisation_id,
                             details={"email": user.email, "reason": "bad_second_factor"})
    return False


def _claim_totp_counter(user: User, counter: int) -> bool:
    """Mark the code's time-step used in one conditional UPDATE, so two requests cannot both use one code."""
    result = db.session.execute(
        update(User)
        .where(User.id == user.id,
               or_(User.totp_last_counter.is_(None), User.totp_last_counter < counter))
        .values(totp_last_counter=counter)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    set_committed_value(user, "totp_last_counter", counter)
    return True


def _use_recovery_code(user: User, code: str) -> bool:
    """Spend an unused recovery code; the conditional UPDATE makes each code work exactly once."""
    result = db.session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == totp.hash_recovery_code(code),
               RecoveryCode.used_dt.is_(None))
        .values(used_dt=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def record_login(user: User, *, via: str | None = None) -> None:
    """A completed login; `via` names the OIDC provider when the user signed in with e-legitimation."""
    user.last_login_dt = utcnow()
    audit.record("login", obj=user, by=user, details={"method": "oidc", "provider": via} if via else None)


def record_logout(user: User) -> None:
    """Log out: the session cookie is signed, not stored, so bumping the version is what makes a copy of it
    useless afterwards (the user's sessions in other browsers end too)."""
    user.session_version += 1
    db.session.flush()
    audit.record("logout", obj=user, by=user)


def start_totp_enrolment(user: User) -> str:
    """Begin enrolment: returns a random nonce for the session. Nothing is stored on the account, so an
    abandoned enrolment changes nothing; `enrolment_secret` turns the nonce into the secret to scan."""
    return secrets.token_urlsafe(16)


def enrolment_secret(user: User, nonce: str) -> str:
    return totp.derived_secret(current_app.secret_key, user.id, nonce)


def _check_owner(user: User, current: str | None) -> None:
    """Setting up two-factor login again needs the password or a code from the app in use now (not yet used):
    a session left open on a shared screen must not be enough to move the second factor to another phone."""
    current = (current or "").strip()
    compact = current.replace(" ", "")
    if totp.is_totp_shaped(compact):
        # A password is at least 12 characters, so six digits can only be a code.
        counter = totp.matching_counter(user.totp_secret or "", compact, user.totp_last_counter)
        if counter is not None and _claim_totp_counter(user, counter):
            return
    elif current and verify_password(user.password_hash, current):
        return
    audit.record_independent("user.owner_check_failed", by=user, obj=user, details={"step": "totp_enrolment"})
    raise AccountError(_l("Lösenordet eller koden stämmer inte."), field="current")


def confirm_totp_enrolment(user: User, secret: str, code: str, *, current: str | None = None) -> list[str]:
    """Enable TOTP with `secret` after a correct code and return fresh recovery codes (shown once).

    When two-factor login is on already, `current` (the password or a code from the app in use) must prove the
    owner, and the account's other sessions end (the caller renews its own).
    """
    again = user.is_totp_enabled
    if again:
        _check_owner(user, current)
    counter = totp.matching_counter(secret or "", code, None)
    if not secret or counter is None:
        raise AccountError(_l("Koden stämmer inte. Kontrollera klockan i telefonen och försök igen."), field="code")
    user.totp_secret = secret
    user.is_totp_enabled = True
    user.totp_last_counter = counter
    if again:
        user.session_version += 1
    codes = totp.new_recovery_codes()
    db.session.execute(RecoveryCode.__table__.delete().where(RecoveryCode.user_id == user.id))
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=totp.hash_recovery_code(c)) for c in codes)
    db.session.flush()
    audit.record("user.totp_enabled", obj=user, by=user, details={"again": again})
    return codes


def reset_two_factor(user: User, *, by) -> User:
    """An admin resets a lost authenticator: the user enrols again at next login."""
    _check_may_manage(by, user)
    user.totp_secret = None
    user.is_totp_enabled = False
    user.totp_last_counter = None
    user.session_version += 1
    db.session.execute(RecoveryCode.__table__.delete().where(RecoveryCode.user_id == user.id))
    db.session.flush()
    audit.record("user.totp_reset", obj=user, by=by, organisation_id=user.organisation_id)
    return user
