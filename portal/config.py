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


def _dev_secret_key(instance_path: Path) -> str:
    """Generate a secret key once and keep it in instance/, so dev sessions survive restarts."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def load(instance_path: Path, overrides: dict | None = None) -> dict:
    """Build the settings dict from the environment, then apply overrides (tests pass these)."""
    overrides = dict(overrides or {})
    env = overrides.get("PORTAL_ENV", os.environ.get("PORTAL_ENV", "development"))
    production = env == "production"
    default_db = f"sqlite:///{instance_path / 'portal.sqlite3'}"
    cfg: dict = {
        "PORTAL_ENV": env,
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL", default_db),
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", production),
        "SESSION_COOKIE_NAME": "dua_session",
        "IDLE_TIMEOUT": timedelta(minutes=int(os.environ.get("IDLE_TIMEOUT_MINUTES", "30"))),
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        "REQUIRE_TWO_FACTOR": _bool("REQUIRE_TWO_FACTOR", production),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        "LOGIN_LIMIT_PER_ACCOUNT": os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per 15 minutes"),
        "LOGIN_LIMIT_PER_IP": os.environ.get("LOGIN_LIMIT_PER_IP", "30 per 15 minutes"),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "localhost"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD"),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", False),
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "dua-portalen@localhost"),
        "BABEL_DEFAULT_LOCALE": "sv",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Stockholm",
        "LANGUAGES": ["sv", "en"],
        "MAX_CONTENT_LENGTH": 11 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # Local minors policy for consent (people/consent): guardian required under this age; adults alone from
        # CONSENT_ADULT_AGE; in between own consent with a maturity assessment. Both guardians if set.
        "CONSENT_GUARDIAN_REQUIRED_UNDER": int(os.environ.get("CONSENT_GUARDIAN_REQUIRED_UNDER", "15")),
        "CONSENT_ADULT_AGE": int(os.environ.get("CONSENT_ADULT_AGE", "18")),
        "CONSENT_BOTH_GUARDIANS": _bool("CONSENT_BOTH_GUARDIANS", False),
        # Argon2 cost; tests lower it so the suite stays fast.
        "PASSWORD_HASH_FAST": False,
    }
    cfg.update(overrides)
    if not cfg.get("SECRET_KEY"):
        if production:
            raise ConfigError(
                "SECRET_KEY saknas: sätt miljövariabeln SECRET_KEY till en lång slumpmässig sträng "
                "innan portalen startas i produktion."
            )
        cfg["SECRET_KEY"] = _dev_secret_key(instance_path)
    if production:
        if cfg["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
            raise ConfigError(
                "SQLite kan inte användas i produktion: sätt DATABASE_URL till en PostgreSQL-databas "
                "(postgresql+psycopg://...)."
            )
        if not cfg["REQUIRE_TWO_FACTOR"]:
            raise ConfigError(
                "Tvåfaktorsinloggning måste vara påslagen i produktion (REQUIRE_TWO_FACTOR=1)."
            )
    return cfg
