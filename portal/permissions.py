"""The one permission table (role → named permissions), how views declare access, and the ground's record rules.

An area adds rows to PERMISSIONS and ROLE_PERMISSIONS; its record rules (which organisation may do what with which
of its records) live in the area's own `rules.py` and use `has`, `works_for` and `check` from here.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import NoReturn

from flask import current_app, g, has_request_context
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.errors import NotPermitted

ROLES: dict[str, object] = {
    "handlaggare": _l("Handläggare"),
    "samordnare": _l("Samordnare"),
    "styrgrupp": _l("Styrgruppsledamot"),
    "org_admin": _l("Organisationsadministratör"),
    "system_admin": _l("Systemadministratör"),
}

#: Every named permission, with what it lets a user do (shown on the admin pages).
PERMISSIONS: dict[str, object] = {
    "org.manage": _l("Skapa och ändra organisationer"),
    "user.manage": _l("Hantera användare"),
    "audit.search": _l("Söka i granskningsloggen"),
    "mail.monitor": _l("Se e-post som portalen inte har kunnat skicka"),
    "signin.manage": _l("Ställa in hur organisationens personal loggar in"),
    "person.view": _l("Se deltagare"),
    "person.register": _l("Registrera deltagare"),
    "consent.register": _l("Registrera och återkalla samtycken"),
    "disclosure.register": _l("Registrera utlämnande utan samtycke (annat lagstöd)"),
    "disclosure.review": _l("Granska organisationens utlämnanden utan samtycke"),
    "person.extract": _l("Ta fram registerutdrag och loggutdrag för en person"),
    "agreement.read": _l("Läsa överenskommelser"),
    "agreement.revise": _l("Revidera överenskommelser"),
    "agreement.adopt": _l("Anta överenskommelser"),
    "agreement.comment": _l("Kommentera förslag till överenskommelse"),
    "referral.view": _l("Se organisationens remisser"),
    "referral.send": _l("Skicka remisser"),
    "referral.handle": _l("Ta emot, acceptera, avböja, avsluta och kommentera remisser"),
    "referral.assign": _l("Fördela remisser och ställa in svarstiden"),
    "kaa.work": _l("Arbeta med kommunens aktivitetsansvar (KAA): register, kontakter och insatser"),
    "kaa.report": _l("Se KAA-registrets halvårsrapporter (bara antal)"),
    "meeting.view": _l("Se möten, dagordningar och minnesanteckningar i serier där organisationen ingår"),
    "meeting.propose": _l("Föreslå punkter till dagordningen"),
    "meeting.manage": _l("Samordna mötesserier: datum, medlemmar, dagordning och publicering"),
    "minutes.write": _l("Skriva och fastställa minnesanteckningar"),
    "routine.run": _l("Starta rutiner för deltagare och slutföra eller hoppa över steg"),
    "routine.offer": _l("Lägga upp platser i rutiner och göra urval bland sökande"),
    "plan.write": _l("Skriva individuella handlingsplaner"),
    "api.token.manage": _l("Skapa och återkalla organisationens API-nycklar för andra system"),
}

#: THE table. Nothing else decides which role may do what.
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "handlaggare": frozenset({
        "person.view", "person.register", "consent.register", "agreement.read",
        "disclosure.register", "referral.view", "referral.send", "referral.handle", "kaa.work",
        "meeting.view", "meeting.propose",
        "routine.run", "plan.write",
    }),
    "samordnare": frozenset({
        "person.view", "person.register", "consent.register", "agreement.read", "agreement.revise",
        "disclosure.register", "disclosure.review",
        "referral.view", "referral.send", "referral.handle", "referral.assign", "kaa.work", "kaa.report",
        "meeting.view", "meeting.propose", "meeting.manage", "minutes.write",
        "routine.run", "plan.write", "routine.offer",
    }),
    "styrgrupp": frozenset({
        "agreement.read", "agreement.adopt", "agreement.comment", "kaa.report", "meeting.view", "meeting.propose",
    }),
    # person.extract (GDPR art. 15 register/log extract) sits with the org admin, who acts as the organisation's
    # registrar/DPO contact and already searches its audit log; caseworkers do not get it (an extract shows
    # colleagues' access), and a system admin never does (no young person's data). The extract covers only the
    # admin's own organisation, and producing it is itself audited.
    "org_admin": frozenset({
        "user.manage", "audit.search", "agreement.read",
        "person.extract", "signin.manage", "api.token.manage",
    }),
    # A system admin manages organisations and staff accounts but sees no young person's data.
    "system_admin": frozenset({
        "org.manage", "user.manage", "audit.search", "mail.monitor", "signin.manage",
    }),
}

#: Roles an API system token's service user may carry (portal/api/tokens.py): what caseworkers, coordinators and
#: the steering group may do, never an administrator's.
SERVICE_ROLES = ("handlaggare", "samordnare", "styrgrupp")

LOGIN_ONLY = "login"
PUBLIC = "public"


def roles_with(permission: str) -> list[str]:
    """The roles the table gives this permission (for "the users who may …" queries: the table decides)."""
    return sorted(role for role, granted in ROLE_PERMISSIONS.items() if permission in granted)


def permissions_of(user) -> frozenset[str]:
    """All permissions the user's roles give; an anonymous or inactive user has none."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    granted: set[str] = set()
    for role in user.role_names:
        granted |= ROLE_PERMISSIONS.get(role, frozenset())
    # A request made with an API token may do only what the token's scopes name (portal.api.auth sets them).
    if has_request_context() and g.get("api_user_id") == user.id:
        granted &= g.api_scopes
    return frozenset(granted)


def has(user, permission: str) -> bool:
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")
    return permission in permissions_of(user)


def _declare(view: Callable, access: tuple[str, str | None]) -> Callable:
    view.access = access  # read by the url_map test and by the before_request guard
    return view


def requires(permission: str) -> Callable[[Callable], Callable]:
    """Declare that a view needs a named permission: anonymous → login, missing → 403 (audited)."""
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if not has(current_user, permission):
                deny(f"permission:{permission}")
            return view(*args, **kwargs)

        return _declare(wrapper, ("permission", permission))

    return decorator


def login_only(view: Callable) -> Callable:
    """Declare a page that any logged-in user may open (start page, logout, change password)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()
        return view(*args, **kwargs)

    return _declare(wrapper, (LOGIN_ONLY, None))


def public(view: Callable) -> Callable:
    """Declare a page open to everyone; only the allowlist in tests/security may use this."""
    return _declare(view, (PUBLIC, None))


def deny(reason: str, *, obj=None, person_id: int | None = None) -> NoReturn:
    """Refuse: in a request this becomes the 403 page, and the refusal is recorded even though the request
    rolls back (the handler is in portal.main); outside a request the caller gets NotPermitted."""
    raise NotPermitted(reason, obj=obj, person_id=person_id)


def check(allowed: bool, reason: str, *, obj=None, person_id: int | None = None) -> None:
    """Ask a record rule, in a loader or an operation: refuse (403, audited) unless `allowed`."""
    if not allowed:
        deny(reason, obj=obj, person_id=person_id)


def check_by(by, rule: Callable[..., bool], record, reason: str, *, person_id: int | None = None) -> None:
    """What an operation asks first: the record rule for its acting user (403, audited, when it says no).

    A trusted script (the CLI, the demo seeder: `by=None`) is not asked; a view always passes the logged-in user.
    """
    if by is not None:
        check(rule(by, record), reason, obj=record, person_id=person_id)


def works_for(user, org_ids) -> bool:
    """The user works for one of these organisations, or for a unit whose parent is one of them.

    Only that one step up is followed. Areas whose records bind a kommun as a whole (an agreement binds the
    kommun and its units carry it out) use this; case records never do: a kommun's units are kept apart.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    org = user.organisation
    return org.id in org_ids or (org.parent_id is not None and org.parent_id in org_ids)


def own_and_parent_ids(organisation) -> set[int]:
    """The organisation and the kommun it is a unit of: the ids `works_for` accepts for its staff."""
    return {organisation.id} | ({organisation.parent_id} if organisation.parent_id else set())


# --- Record rules: which organisation may see or change which record -------------------------------


def is_system_admin(actor) -> bool:
    """Whoever may manage organisations as well as users administers the whole portal."""
    return has(actor, "org.manage") and has(actor, "user.manage")


def can_manage_user(actor, target) -> bool:
    """A system admin manages every staff account; an org admin those of their own organisation,
    except a system admin's account (an org admin could otherwise strip or lock out a system admin)."""
    if is_system_admin(actor):
        return True
    return (has(actor, "user.manage") and target.organisation_id == actor.organisation_id
            and "system_admin" not in target.role_names)


def assignable_roles(actor) -> list[str]:
    """Roles an admin may hand out: only a system admin may create another system admin."""
    if not has(actor, "user.manage"):
        return []
    if is_system_admin(actor):
        return list(ROLES)
    return [r for r in ROLES if r != "system_admin"]


def can_manage_users_of(actor, organisation) -> bool:
    """A system admin manages the users of every organisation; an org admin only of their own."""
    if is_system_admin(actor):
        return True
    return has(actor, "user.manage") and organisation.id == actor.organisation_id


def audit_scope_org_id(actor) -> int | None:
    """Which organisation's audit events the actor may search: None means all (system admin)."""
    if is_system_admin(actor):
        return None
    return actor.organisation_id

