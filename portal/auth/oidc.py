"""Sign-in with e-legitimation through OIDC: the providers' configuration and the code flow with Authlib's client."""
from __future__ import annotations

import json
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from authlib.oidc.core import CodeIDToken
from flask import current_app, session
from joserfc import jwt
from joserfc.errors import ClaimError, ExpiredTokenError, InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from portal.config import ConfigError

#: What talking to a provider can raise when it is down, slow or answers nonsense (JSON errors are ValueErrors).
UNREACHABLE = (requests.RequestException, ValueError, KeyError, RuntimeError)
#: Signature algorithms an ID token may use; never "none" or a shared-secret HMAC, whatever the provider lists.
SAFE_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
NEXT_KEY = "oidc_next"


@dataclass(frozen=True)
class Provider:
    """One identity provider (a municipality's SITHS/Freja/EFOS broker) and what the portal asks of its tokens."""

    name: str
    label: str
    client_id: str
    client_secret: str
    #: The provider's discovery document (…/.well-known/openid-configuration).
    discovery_url: str
    #: Codes of the organisations whose staff sign in here; an account elsewhere is refused.
    organisations: tuple[str, ...]
    scopes: tuple[str, ...] = ("openid", "profile", "email")
    email_claim: str = "email"
    #: The claim carrying the organisation number, checked against the user's organisation (never used to find it).
    orgnr_claim: str | None = None
    #: Accepted assurance levels (`acr`), e.g. LOA3; empty accepts any.
    acr: tuple[str, ...] = ()
    #: Expected issuer; by default the one the discovery document names.
    issuer: str | None = None
    extra: dict = field(default_factory=dict, compare=False)


class OidcFailure(Exception):
    """The flow stopped: `reason` is what the audit trail records, the view turns it into a Swedish message."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


def _provider(name: str, raw: dict, secrets_from) -> Provider:
    def need(key):
        value = raw.get(key)
        if not value:
            raise ConfigError(f"OIDC-leverantören {name!r} saknar {key!r}.")
        return value

    secret = raw.get("client_secret") or (secrets_from(raw["client_secret_env"]) if raw.get("client_secret_env")
                                          else None)
    issuer = raw.get("issuer")
    discovery = raw.get("discovery_url") or (issuer.rstrip("/") + "/.well-known/openid-configuration"
                                             if issuer else None)
    if not discovery:
        raise ConfigError(f"OIDC-leverantören {name!r} saknar 'issuer' eller 'discovery_url'.")
    organisations = raw.get("organisations") or need("organisations")
    acr = raw.get("acr") or ()
    return Provider(
        name=name, label=raw.get("label") or name, client_id=need("client_id"), client_secret=secret or "",
        discovery_url=discovery, organisations=tuple(organisations),
        scopes=tuple(raw.get("scopes") or Provider.scopes), email_claim=raw.get("email_claim") or "email",
        orgnr_claim=raw.get("orgnr_claim") or None, acr=(acr,) if isinstance(acr, str) else tuple(acr),
        issuer=issuer, extra={k: v for k, v in raw.items() if k not in Provider.__dataclass_fields__},
    )


def load_providers(config: dict, instance_path: str | Path, environ) -> dict[str, Provider]:
    """The providers in instance/oidc.toml (or OIDC_CONFIG_FILE) and in OIDC_PROVIDERS (JSON); the latter wins."""
    raw: dict = {}
    path = Path(config.get("OIDC_CONFIG_FILE") or Path(instance_path) / "oidc.toml")
    if path.exists():
        try:
            raw.update(tomllib.loads(path.read_text(encoding="utf-8")).get("providers", {}))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path} kan inte läsas: {exc}") from None
    inline = config.get("OIDC_PROVIDERS")
    if isinstance(inline, str) and inline.strip():
        try:
            inline = json.loads(inline)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"OIDC_PROVIDERS är inte giltig JSON: {exc}") from None
    raw.update(inline or {})
    # Providers the app adds itself (the demo's, portal/oidc_demo.py), never over a configured one.
    for name, settings in (config.get("OIDC_EXTRA_PROVIDERS") or {}).items():
        raw.setdefault(name, settings)
    return {name: _provider(name, dict(settings), environ.get) for name, settings in raw.items()}


def init_app(app, environ) -> None:
    providers = load_providers(app.config, app.instance_path, environ)
    registry = OAuth(app)
    timeout = app.config.get("OIDC_HTTP_TIMEOUT", 10)
    for provider in providers.values():
        registry.register(provider.name, client_id=provider.client_id, client_secret=provider.client_secret,
                          server_metadata_url=provider.discovery_url,
                          client_kwargs={"scope": " ".join(provider.scopes), "code_challenge_method": "S256",
                                         "default_timeout": timeout})
    app.extensions["portal_oidc"] = (providers, registry)


def providers() -> dict[str, Provider]:
    return current_app.extensions["portal_oidc"][0]


def provider(name: str) -> Provider:
    found = providers().get(name)
    if found is None:
        raise OidcFailure("unknown_provider")
    return found


def _client(provider: Provider):
    return current_app.extensions["portal_oidc"][1].create_client(provider.name)


def now() -> float:
    """The clock the ID token's exp/iat are checked against (a test moves it to see an expired token refused)."""
    return time.time()


def authorize_redirect(provider: Provider, redirect_uri: str):
    """Send the browser to the provider: a fresh state, nonce and PKCE verifier are kept in the session."""
    extra = {"acr_values": " ".join(provider.acr)} if provider.acr else {}
    try:
        return _client(provider).authorize_redirect(redirect_uri, **extra)
    except (*UNREACHABLE, AuthlibBaseError) as exc:
        raise OidcFailure("provider_unreachable", type(exc).__name__) from None


def finish(provider: Provider, args) -> dict:
    """Check the callback (state once only), redeem the code with the PKCE verifier, and return the validated
    ID token's claims. Any failure raises OidcFailure; nothing is logged in here."""
    client = _client(provider)
    state = args.get("state") or ""
    data = client.framework.get_state_data(session, state) if state else None
    if state:
        client.framework.clear_state_data(session, state)  # a state is good for one callback only
    if args.get("error"):  # the user cancelled or the provider refused; some providers then drop the state
        raise OidcFailure("provider_refused", str(args.get("error"))[:100])
    if not data:
        raise OidcFailure("bad_state")
    code = args.get("code")
    if not code:
        raise OidcFailure("no_code")
    try:
        token = client.fetch_access_token(code=code, redirect_uri=data["redirect_uri"],
                                          code_verifier=data.get("code_verifier"))
    except AuthlibBaseError as exc:  # invalid_grant: a spent, foreign or made-up code
        raise OidcFailure("code_refused", str(getattr(exc, "error", "") or type(exc).__name__)[:100]) from None
    except UNREACHABLE as exc:
        raise OidcFailure("provider_unreachable", type(exc).__name__) from None
    if "id_token" not in token:
        raise OidcFailure("no_id_token")
    return validate_id_token(provider, token, nonce=data.get("nonce"))


def _keys(client, *, force: bool = False) -> KeySet:
    try:
        return KeySet.import_key_set(client.fetch_jwk_set(force=force))
    except UNREACHABLE as exc:
        raise OidcFailure("provider_unreachable", type(exc).__name__) from None
    except JoseError as exc:
        raise OidcFailure("bad_signature", type(exc).__name__) from None


def validate_id_token(provider: Provider, token: dict, *, nonce: str | None) -> dict:
    """The ID token's signature (the provider's published keys), issuer, audience, expiry, nonce and at_hash."""
    client = _client(provider)
    try:
        metadata = client.load_server_metadata()
    except UNREACHABLE as exc:
        raise OidcFailure("provider_unreachable", type(exc).__name__) from None
    listed = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
    registry = JWSRegistry(algorithms=[a for a in listed if a in SAFE_ALGORITHMS], strict_check_header=False)
    try:
        decoded = jwt.decode(token["id_token"], key=_keys(client), registry=registry)
    except InvalidKeyIdError:  # the provider rolled its keys since we fetched them: fetch once more
        try:
            decoded = jwt.decode(token["id_token"], key=_keys(client, force=True), registry=registry)
        except (JoseError, ValueError) as exc:
            raise OidcFailure("bad_signature", type(exc).__name__) from None
    except (JoseError, ValueError) as exc:
        raise OidcFailure("bad_signature", type(exc).__name__) from None
    issuer = provider.issuer or metadata.get("issuer")
    # Authlib's ID token class only asks for `azp` when the audience is someone else: the audience must be us.
    options = {"iss": {"essential": True, "values": [issuer]}, "aud": {"essential": True,
                                                                     "values": [provider.client_id]}}
    claims = CodeIDToken(decoded.claims, decoded.header, options,
                         {"nonce": nonce, "client_id": provider.client_id, "access_token": token.get("access_token")})
    leeway = int(current_app.config.get("OIDC_CLOCK_LEEWAY", 60))
    try:
        claims.validate(now=int(now()), leeway=leeway)
    except ExpiredTokenError:
        raise OidcFailure("expired") from None
    except ClaimError as exc:
        reason = {"aud": "wrong_audience", "nonce": "bad_nonce", "iss": "wrong_issuer"}.get(exc.claim, "bad_claims")
        raise OidcFailure(reason, exc.claim) from None
    except JoseError as exc:
        raise OidcFailure("bad_claims", type(exc).__name__) from None
    if not nonce:
        raise OidcFailure("bad_nonce")
    return dict(claims)
