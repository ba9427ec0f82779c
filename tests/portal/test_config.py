"""Settings: production refuses unsafe settings with a clear Swedish message; development keeps a secret key."""
from __future__ import annotations

import pytest

from portal import config
from portal.config import ConfigError

PG = "postgresql+psycopg://portal@db.example/portal"
GOOD_KEY = "k" * 40
ENV_VARS = ("PORTAL_ENV", "SECRET_KEY", "DATABASE_URL", "REQUIRE_TWO_FACTOR", "SESSION_COOKIE_SECURE",
            "IDLE_TIMEOUT_MINUTES", "MAIL_PORT")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def _production(monkeypatch, **env):
    values = {"PORTAL_ENV": "production", "SECRET_KEY": GOOD_KEY, "DATABASE_URL": PG, **env}
    for name, value in values.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)


def test_production_with_safe_settings_starts_with_two_factor_and_secure_cookies(clean_env, tmp_path):
    _production(clean_env)
    cfg = config.load(tmp_path)
    assert cfg["REQUIRE_TWO_FACTOR"] is True
    assert cfg["SESSION_COOKIE_SECURE"] is True
    assert cfg["SESSION_COOKIE_HTTPONLY"] is True and cfg["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY saknas"),
        ({"SECRET_KEY": "kort"}, "SECRET_KEY är för kort"),
        ({"DATABASE_URL": None}, "SQLite kan inte användas i produktion"),
        ({"DATABASE_URL": "sqlite:////srv/portal.db"}, "SQLite kan inte användas i produktion"),
        ({"REQUIRE_TWO_FACTOR": "0"}, "Tvåfaktorsinloggning måste vara påslagen i produktion"),
        ({"SESSION_COOKIE_SECURE": "0"}, "Sessionskakan måste vara Secure i produktion"),
    ],
)
def test_production_refuses_unsafe_settings(clean_env, tmp_path, env, message):
    _production(clean_env, **env)
    with pytest.raises(ConfigError, match=message):
        config.load(tmp_path)


def test_create_app_refuses_to_start_in_production_without_a_secret_key(clean_env, tmp_path):
    from portal import create_app

    _production(clean_env, SECRET_KEY=None)
    with pytest.raises(ConfigError, match="SECRET_KEY saknas"):
        create_app({"INSTANCE_PATH": str(tmp_path)})


def test_a_misspelt_environment_is_refused_rather_than_run_as_development(clean_env, tmp_path):
    clean_env.setenv("PORTAL_ENV", "prod")
    with pytest.raises(ConfigError, match="Okänt värde på PORTAL_ENV"):
        config.load(tmp_path)
    clean_env.setenv("PORTAL_ENV", " Production ")
    clean_env.setenv("SECRET_KEY", GOOD_KEY)
    clean_env.setenv("DATABASE_URL", PG)
    assert config.load(tmp_path)["PORTAL_ENV"] == "production"


def test_development_generates_a_secret_key_once_and_reuses_it(tmp_path):
    instance = tmp_path / "instance"
    first = config.load(instance)
    key_file = instance / "secret_key"
    assert key_file.exists() and (key_file.stat().st_mode & 0o777) == 0o600
    assert len(first["SECRET_KEY"]) >= 32
    assert config.load(instance)["SECRET_KEY"] == first["SECRET_KEY"]
    key_file.write_text("")  # an empty file is replaced, never used as the key
    assert len(config.load(instance)["SECRET_KEY"]) >= 32


def test_an_explicit_secret_key_is_used_and_nothing_is_written(clean_env, tmp_path):
    clean_env.setenv("SECRET_KEY", GOOD_KEY)
    assert config.load(tmp_path)["SECRET_KEY"] == GOOD_KEY
    assert not (tmp_path / "secret_key").exists()


def test_development_defaults(tmp_path):
    cfg = config.load(tmp_path)
    assert cfg["PORTAL_ENV"] == "development"
    assert cfg["SESSION_COOKIE_SECURE"] is False  # off only in development
    assert cfg["SESSION_COOKIE_HTTPONLY"] is True and cfg["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert cfg["REQUIRE_TWO_FACTOR"] is False
    assert cfg["IDLE_TIMEOUT"].total_seconds() == 30 * 60
    assert cfg["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    assert cfg["RATELIMIT_STORAGE_URI"] == "memory://"


@pytest.mark.parametrize("url", ["postgres://u@h/db", "postgresql://u@h/db", "postgresql+psycopg://u@h/db"])
def test_postgresql_urls_use_psycopg_3(clean_env, tmp_path, url):
    clean_env.setenv("DATABASE_URL", url)
    assert config.load(tmp_path)["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"


def test_a_bad_number_gets_a_clear_message(clean_env, tmp_path):
    clean_env.setenv("IDLE_TIMEOUT_MINUTES", "trettio")
    with pytest.raises(ConfigError, match="IDLE_TIMEOUT_MINUTES måste vara ett heltal"):
        config.load(tmp_path)


def test_overrides_win_over_the_environment(clean_env, tmp_path):
    clean_env.setenv("REQUIRE_TWO_FACTOR", "1")
    assert config.load(tmp_path, {"REQUIRE_TWO_FACTOR": False})["REQUIRE_TWO_FACTOR"] is False


def test_a_production_app_on_postgresql_starts_and_sends_a_secure_cookie(make_app, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("production needs PostgreSQL")
    app = make_app(PORTAL_ENV="production", SECRET_KEY=GOOD_KEY, REQUIRE_TWO_FACTOR=True, WTF_CSRF_ENABLED=True)
    cookie = app.test_client().get("/logga-in").headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
