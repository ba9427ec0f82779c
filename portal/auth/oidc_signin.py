"""Who an OIDC sign-in is: match by the provider's subject, link at first sign-in, and the org admin's settings."""
from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import audit
from portal.auth import operations as accounts
from portal.auth.models import ProviderUserCreation, User, UserIdentity
from portal.auth.oidc import OidcFailure, Provider
from portal.db import db, utcnow
from portal.errors import RuleError, check_version, fingerprint
from portal.orgs import Organisation, OrgError, normalise_orgnr
from portal.permissions import can_manage_users_of, check, has

#: The role of an account a provider creates at first sign-in; an org admin gives more afterwards.
CREATED_ROLE = "handlaggare"

#: What the login page says for each reason a sign-in stopped (the reason itself goes to the audit trail).
MESSAGES: dict[str, object] = {
    "unknown_provider": _l("Det finns ingen sådan inloggningstjänst. Välj en av knapparna på sidan."),
    "provider_unreachable": _l("Inloggningstjänsten svarar inte just nu. Försök igen om en stund eller logga in "
                               "på annat sätt."),
    "provider_refused": _l("Inloggningen avbröts hos inloggningstjänsten. Försök igen."),
    "bad_state": _l("Inloggningen kunde inte slutföras: svaret hörde inte till en pågående inloggning i den här "
                    "webbläsaren (det kan ha använts redan eller ändrats). Börja om."),
    "no_code": _l("Inloggningen kunde inte slutföras: svaret från inloggningstjänsten saknade kod. Börja om."),
    "code_refused": _l("Inloggningstjänsten godtog inte inloggningen (koden kan redan ha använts). Börja om."),
    "no_id_token": _l("Inloggningstjänsten skickade ingen identitetsuppgift. Kontakta din administratör."),
    "bad_signature": _l("Identitetsuppgiften från inloggningstjänsten gick inte att bekräfta. Börja om."),
    "wrong_audience": _l("Identitetsuppgiften från inloggningstjänsten var inte utfärdad till DUA-portalen."),
    "wrong_issuer": _l("Identitetsuppgiften kom från en annan utfärdare än den som är inställd."),
    "bad_nonce": _l("Identitetsuppgiften hörde inte till den här inloggningen. Börja om."),
    "bad_claims": _l("Identitetsuppgiften från inloggningstjänsten var ogiltig. Börja om."),
    "expired": _l("Identitetsuppgiften från inloggningstjänsten har gått ut. Börja om."),
    "assurance": _l("Du loggade in med en för låg tillitsnivå. DUA-portalen kräver e-legitimation på "
                    "tillitsnivå 3 (t.ex. SITHS-kort eller Freja OrgID)."),
    "email_unverified": _l("Inloggningstjänsten har inte bekräftat din e-postadress, så ditt konto kan inte "
                           "kopplas. Kontakta din administratör."),
    "no_email": _l("Inloggningstjänsten skickade ingen e-postadress, så ditt konto kan inte kopplas. Kontakta din "
                   "administratör."),
    "unknown_user": _l("Det finns inget konto i DUA-portalen för dig. Be din organisations administratör att "
                       "lägga upp ett."),
    "inactive": _l("Ditt konto är inaktiverat. Kontakta din organisations administratör."),
    "wrong_organisation": _l("Ditt konto hör till en organisation som inte loggar in via den här "
                             "inloggningstjänsten. Välj din egen organisations inloggning."),
    "identity_mismatch": _l("Ditt konto är redan kopplat till en annan identitet hos den här inloggningstjänsten. "
                            "Kontakta din administratör."),
}


def message_for(reason: str) -> str:
    return str(MESSAGES.get(reason, MESSAGES["bad_claims"]))


def served_organisations(provider: Provider) -> list[Organisation]:
    """The active organisations the configuration says this provider serves."""
    return list(db.session.scalars(select(Organisation).where(Organisation.code.in_(provider.organisations),
                                                              Organisation.is_active.is_(True))))


def _check_orgnr(provider: Provider, claims: dict, organisation: Organisation) -> None:
    """The token's organisation number must be the user's organisation's; it never picks the organisation (a
    kommun's units share it)."""
    if not provider.orgnr_claim:
        return
    try:
        carried = normalise_orgnr(str(claims.get(provider.orgnr_claim) or ""))
    except OrgError:
        raise OidcFailure("wrong_organisation", "orgnr") from None
    if carried != organisation.orgnr:
        raise OidcFailure("wrong_organisation", "orgnr")


def _check_account(provider: Provider, claims: dict, user: User, served: list[Organisation]) -> None:
    if not user.is_active:
        raise OidcFailure("inactive")
    if user.organisation_id not in {org.id for org in served}:
        raise OidcFailure("wrong_organisation")
    _check_orgnr(provider, claims, user.organisation)


def user_for(provider: Provider, claims: dict) -> User:
    """The account this sign-in is, or OidcFailure. Matched by the subject stored at the first sign-in; at that
    first sign-in by a verified e-mail address to an active account of a served organisation, or created when an
    org admin allowed this provider to."""
    if provider.acr and claims.get("acr") not in provider.acr:
        raise OidcFailure("assurance", str(claims.get("acr"))[:100])
    served = served_organisations(provider)
    subject = str(claims["sub"])
    identity = db.session.scalar(select(UserIdentity).where(UserIdentity.provider == provider.name,
                                                            UserIdentity.subject == subject))
    if identity is not None:
        _check_account(provider, claims, identity.user, served)
        identity.last_used_dt = utcnow()
        return identity.user
    email = claims.get(provider.email_claim)
    if not email or not isinstance(email, str):
        raise OidcFailure("no_email")
    if claims.get("email_verified") is not True:
        raise OidcFailure("email_unverified")
    user = accounts.by_email(email)
    if user is None:
        user = _create_user(provider, claims, email, served)
    else:
        _check_account(provider, claims, user, served)
        linked = db.session.scalar(select(UserIdentity).where(UserIdentity.provider == provider.name,
                                                              UserIdentity.user_id == user.id))
        if linked is not None:
            raise OidcFailure("identity_mismatch")
    db.session.add(UserIdentity(provider=provider.name, subject=subject, user=user, last_used_dt=utcnow()))
    db.session.flush()
    audit.record("user.identity_link", obj=user, by=user, organisation_id=user.organisation_id,
                 details={"provider": provider.name})
    return user


def _create_user(provider: Provider, claims: dict, email: str, served: list[Organisation]) -> User:
    allowed_ids = set(db.session.scalars(select(ProviderUserCreation.organisation_id)
                                         .where(ProviderUserCreation.provider == provider.name)))
    candidates = [org for org in served if org.id in allowed_ids]
    if provider.orgnr_claim:
        try:
            carried = normalise_orgnr(str(claims.get(provider.orgnr_claim) or ""))
        except OrgError:
            carried = None
        candidates = [org for org in candidates if org.orgnr == carried]
    if len(candidates) != 1:  # none allowed, or the token cannot tell which unit: no guessing
        raise OidcFailure("unknown_user")
    name = claims.get("name") if isinstance(claims.get("name"), str) else None
    try:
        # No password anybody knows: the account signs in with e-legitimation until an admin says otherwise.
        user = accounts.create_user(email=email, name=name or "", organisation=candidates[0], roles=[CREATED_ROLE],
                                    password=secrets.token_urlsafe(32), by=None, check_password_rules=False)
    except RuleError:
        raise OidcFailure("unknown_user", "create_refused") from None
    return user


def record_failure(provider_name: str, failure: OidcFailure, claims: dict | None = None) -> None:
    """Audit a stopped sign-in; kept although the request rolls back. The subject is not kept (it may be a
    personnummer at some providers); the e-mail the provider sent is."""
    email = claims.get("email") if claims and isinstance(claims.get("email"), str) else None
    user = accounts.by_email(email) if email else None
    audit.record_independent(
        "login.failed", by=None, object_type="User" if user else None, object_id=user.id if user else None,
        organisation_id=user.organisation_id if user else None,
        details={"method": "oidc", "provider": provider_name[:60], "reason": failure.reason,
                 "detail": failure.detail[:100], "email": (email or "")[:254]})


# --- The organisation's sign-in settings (org admin) --------------------------------------------------------


def providers_serving(organisation: Organisation, providers: dict[str, Provider]) -> list[Provider]:
    return [p for p in providers.values() if organisation.code in p.organisations]


def creating_providers(organisation: Organisation) -> list[str]:
    return sorted(db.session.scalars(select(ProviderUserCreation.provider)
                                     .where(ProviderUserCreation.organisation_id == organisation.id)))


def version_of(organisation: Organisation) -> str:
    """What the sign-in settings form was built from (see portal.errors.check_version)."""
    return fingerprint(organisation.password_login_allowed, creating_providers(organisation))


def may_manage_signin(actor, organisation: Organisation) -> bool:
    return has(actor, "signin.manage") and can_manage_users_of(actor, organisation)


def update_signin_settings(organisation: Organisation, *, password_login_allowed: bool, creating: list[str],
                           providers: dict[str, Provider], by, expected_version: str | None = None) -> None:
    """Switch password login on or off and choose which providers may create accounts at first sign-in."""
    if by is not None:
        check(may_manage_signin(by, organisation), "signin.manage:not_own_organisation", obj=organisation)
    check_version(expected_version, version_of(organisation))
    serving = {p.name for p in providers_serving(organisation, providers)}
    unknown = sorted(set(creating) - serving)
    if unknown:
        raise OrgError(_l("Inloggningstjänsten %(p)s loggar inte in organisationens personal.", p=", ".join(unknown)),
                       field="creating")
    if not password_login_allowed and not serving:
        raise OrgError(_l("Lösenordsinloggning kan inte stängas av: ingen inloggningstjänst för e-legitimation är "
                          "inställd för organisationen."), field="password_login_allowed")
    before = (organisation.password_login_allowed, creating_providers(organisation))
    organisation.password_login_allowed = password_login_allowed
    db.session.execute(ProviderUserCreation.__table__.delete()
                       .where(ProviderUserCreation.organisation_id == organisation.id,
                              ProviderUserCreation.provider.not_in(creating)))
    for name in sorted(set(creating) - set(before[1])):
        db.session.add(ProviderUserCreation(organisation_id=organisation.id, provider=name,
                                            allowed_by_id=by.id if by is not None else None))
    db.session.flush()
    after = (password_login_allowed, sorted(set(creating)))
    if before != after:
        audit.record("org.signin_settings", obj=organisation, by=by, organisation_id=organisation.id,
                     details={"password_login_allowed": password_login_allowed, "creating_providers": after[1]})
