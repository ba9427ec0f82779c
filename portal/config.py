"""Settings for the portal, read from environment variables; production refuses unsafe settings."""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """Raised when the portal must not start with the settings it was given."""


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "ja"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{name} måste vara ett heltal, men är {value!r}.") from None


ENVIRONMENTS = ("development", "production")
MIN_SECRET_KEY_LENGTH = 32


def _database_url(url: str) -> str:
    """Accept the common spellings of a PostgreSQL URL; the portal's driver is psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _dev_secret_key(instance_path: Path) -> str:
    """Generate a secret key once and keep it in instance/, so dev sessions survive restarts."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        key = key_file.read_text().strip()
        if key:
            return key
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # Created readable by the owner only, never briefly world-readable.
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def load(instance_path: Path, overrides: dict | None = None) -> dict:
    """Build the settings dict from the environment, then apply overrides (tests pass these)."""
    overrides = dict(overrides or {})
    env = str(overrides.get("PORTAL_ENV", os.environ.get("PORTAL_ENV", "development"))).strip().lower()
    if env not in ENVIRONMENTS:
        # A typo such as "prod" must not silently start a development server with a generated key.
        raise ConfigError(
            f"Okänt värde på PORTAL_ENV: {env!r}. Ange 'production' eller 'development'."
        )
    production = env == "production"
    default_db = f"sqlite:///{instance_path / 'portal.sqlite3'}"
    cfg: dict = {
        "PORTAL_ENV": env,
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL") or default_db,
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Off by default only in development (plain http on 127.0.0.1); production refuses to run without it.
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", production),
        "SESSION_COOKIE_NAME": "dua_session",
        # Browsers that once reached the portal over https never try plain http again (a year, subdomains too).
        # Only in production: a development server on http://127.0.0.1 would otherwise lock out its own host.
        "STRICT_TRANSPORT_SECURITY": "max-age=31536000; includeSubDomains" if production else None,
        "IDLE_TIMEOUT": timedelta(minutes=_int("IDLE_TIMEOUT_MINUTES", 30)),
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        "REQUIRE_TWO_FACTOR": _bool("REQUIRE_TWO_FACTOR", production),
        # How many reverse proxies (nginx, load balancer) stand in front of the portal. Behind one, set 1 so
        # per-IP throttling and the audit trail see the client's address rather than the proxy's.
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", 0),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        # If Redis goes down, keep throttling in this process's memory rather than failing every login.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "LOGIN_LIMIT_PER_ACCOUNT": os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per 15 minutes"),
        "LOGIN_LIMIT_PER_IP": os.environ.get("LOGIN_LIMIT_PER_IP", "30 per 15 minutes"),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "localhost"),
        "MAIL_PORT": _int("MAIL_PORT", 25),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD"),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", False),
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "dua-portalen@localhost"),
        "MAIL_TIMEOUT": _int("MAIL_TIMEOUT", 30),
        # `flask send-mail`: a failed mail is tried again after MAIL_RETRY_SECONDS, then twice as long each time,
        # and given up (listed for the system admin) after MAIL_MAX_ATTEMPTS; a claim older than
        # MAIL_CLAIM_SECONDS belongs to a sender that died and is taken over.
        "MAIL_MAX_ATTEMPTS": _int("MAIL_MAX_ATTEMPTS", 8),
        "MAIL_RETRY_SECONDS": _int("MAIL_RETRY_SECONDS", 60),
        "MAIL_CLAIM_SECONDS": _int("MAIL_CLAIM_SECONDS", 600),
        # The portal's address as users reach it: the links in e-mail start with it.
        "PORTAL_URL": os.environ.get("PORTAL_URL", "http://127.0.0.1:5000"),
        "BABEL_DEFAULT_LOCALE": "sv",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Stockholm",
        "LANGUAGES": ["sv", "en"],
        # Uploads are limited to 10 MB per file by the forms, with the message beside the field and the rest of
        # the form kept; this hard cap only stops abusive requests (they get the Swedish 413 page).
        "MAX_CONTENT_LENGTH": 32 * 1024 * 1024,
        # What one agreement import (.docx) may hold; far beyond a real agreement (agreements.importer.Limits).
        "AGREEMENT_IMPORT_MAX_BYTES": _int("AGREEMENT_IMPORT_MAX_BYTES", 10 * 1024 * 1024),
        "AGREEMENT_IMPORT_MAX_SECTIONS": _int("AGREEMENT_IMPORT_MAX_SECTIONS", 200),
        "AGREEMENT_IMPORT_MAX_PARAGRAPHS": _int("AGREEMENT_IMPORT_MAX_PARAGRAPHS", 5000),
        "WTF_CSRF_TIME_LIMIT": None,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # Local minors policy for consent (people/consent): guardian required under this age; adults alone from
        # CONSENT_ADULT_AGE; in between own consent with a maturity assessment. Both guardians if set.
        "CONSENT_GUARDIAN_REQUIRED_UNDER": int(os.environ.get("CONSENT_GUARDIAN_REQUIRED_UNDER", "15")),
        "CONSENT_ADULT_AGE": int(os.environ.get("CONSENT_ADULT_AGE", "18")),
        "CONSENT_BOTH_GUARDIANS": _bool("CONSENT_BOTH_GUARDIANS", False),
        # Sign-in with e-legitimation (docs/deploy.md, "Inloggning med e-legitimation (OIDC)"): providers from
        # instance/oidc.toml (or the file OIDC_CONFIG_FILE names) and from OIDC_PROVIDERS (JSON).
        "OIDC_PROVIDERS": os.environ.get("OIDC_PROVIDERS"),
        "OIDC_CONFIG_FILE": os.environ.get("OIDC_CONFIG_FILE"),
        "OIDC_CLOCK_LEEWAY": _int("OIDC_CLOCK_LEEWAY", 60),
        "OIDC_HTTP_TIMEOUT": _int("OIDC_HTTP_TIMEOUT", 10),
        # `make run OIDC_DEMO=1`: a test e-legitimation (flask oidc-demo-provider) beside the demo; never production.
        "OIDC_DEMO": _bool("OIDC_DEMO", False),
        "OIDC_DEMO_PORT": _int("OIDC_DEMO_PORT", 5001),
        # Argon2 cost; tests lower it so the suite stays fast.
        "PASSWORD_HASH_FAST": False,
    }
    cfg.update(overrides)
    cfg["SQLALCHEMY_DATABASE_URI"] = _database_url(cfg["SQLALCHEMY_DATABASE_URI"])
    if not cfg.get("SECRET_KEY"):
        if production:
            raise ConfigError(
                "SECRET_KEY saknas: sätt miljövariabeln SECRET_KEY till en lång slumpmässig sträng "
                "innan portalen startas i produktion."
            )
        cfg["SECRET_KEY"] = _dev_secret_key(instance_path)
    if production:
        if len(cfg["SECRET_KEY"]) < MIN_SECRET_KEY_LENGTH:
            raise ConfigError(
                f"SECRET_KEY är för kort: använd minst {MIN_SECRET_KEY_LENGTH} slumpmässiga tecken, t.ex. "
                "utdata från `python -c 'import secrets; print(secrets.token_hex(32))'`."
            )
        if cfg["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
            raise ConfigError(
                "SQLite kan inte användas i produktion: sätt DATABASE_URL till en PostgreSQL-databas "
                "(postgresql+psycopg://...)."
            )
        if not cfg["REQUIRE_TWO_FACTOR"]:
            raise ConfigError(
                "Tvåfaktorsinloggning måste vara påslagen i produktion (REQUIRE_TWO_FACTOR=1)."
            )
        if cfg["OIDC_DEMO"]:
            raise ConfigError("OIDC_DEMO (test-e-legitimationen) kan inte användas i produktion.")
        if not cfg["SESSION_COOKIE_SECURE"]:
            raise ConfigError(
                "Sessionskakan måste vara Secure i produktion: portalen ska nås över https "
                "(ta bort SESSION_COOKIE_SECURE=0)."
            )
    return cfg


def apply_proxy_fix(app) -> None:
    """Trust X-Forwarded-For/-Proto/-Host from exactly TRUSTED_PROXIES proxies (none by default)."""
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
