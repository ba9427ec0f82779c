"""Where the OIDC providers come from: instance/oidc.toml and OIDC_PROVIDERS, with clear Swedish refusals."""
from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from portal import config, oidc_demo
from portal.auth.oidc import load_providers
from portal.config import ConfigError

TOML = """
[providers.lekeberg]
label = "Lekebergs kommun (SITHS)"
issuer = "https://idp.lekeberg.example"
client_id = "dua-portalen"
client_secret_env = "LEKEBERG_OIDC_SECRET"
organisations = ["lekeberg-ami", "lekeberg-ifo"]
orgnr_claim = "orgAffiliation"
acr = "http://id.elegnamnden.se/loa/1.0/loa3"
"""


def test_the_file_in_instance_is_read_and_the_secret_comes_from_the_environment(tmp_path):
    (tmp_path / "oidc.toml").write_text(TOML, encoding="utf-8")
    providers = load_providers({}, tmp_path, {"LEKEBERG_OIDC_SECRET": "hemligt"})
    lekeberg = providers["lekeberg"]
    assert lekeberg.client_secret == "hemligt"
    assert lekeberg.discovery_url == "https://idp.lekeberg.example/.well-known/openid-configuration"
    assert lekeberg.organisations == ("lekeberg-ami", "lekeberg-ifo")
    assert lekeberg.acr == ("http://id.elegnamnden.se/loa/1.0/loa3",)
    assert lekeberg.orgnr_claim == "orgAffiliation" and lekeberg.email_claim == "email"
    assert lekeberg.scopes == ("openid", "profile", "email")


def test_oidc_providers_json_adds_to_the_file_and_wins(tmp_path):
    (tmp_path / "oidc.toml").write_text(TOML, encoding="utf-8")
    inline = json.dumps({"lekeberg": {"issuer": "https://annan.example", "client_id": "x", "client_secret": "y",
                                      "organisations": ["lekeberg"]},
                         "af": {"discovery_url": "https://af.example/.well-known/openid-configuration",
                                "client_id": "af", "client_secret": "z", "organisations": ["af-hallsberg"]}})
    providers = load_providers({"OIDC_PROVIDERS": inline}, tmp_path, {})
    assert set(providers) == {"lekeberg", "af"}
    assert providers["lekeberg"].issuer == "https://annan.example"


@pytest.mark.parametrize("settings,message", [
    ('{"x": ', "OIDC_PROVIDERS är inte giltig JSON"),
    ('{"x": {"issuer": "https://a.example", "organisations": ["a"]}}', "saknar 'client_id'"),
    ('{"x": {"issuer": "https://a.example", "client_id": "c"}}', "saknar 'organisations'"),
    ('{"x": {"client_id": "c", "organisations": ["a"]}}', "saknar 'issuer' eller 'discovery_url'"),
])
def test_a_broken_configuration_stops_the_start_with_a_clear_message(tmp_path, settings, message):
    with pytest.raises(ConfigError, match=message):
        load_providers({"OIDC_PROVIDERS": settings}, tmp_path, {})


def test_a_broken_file_stops_the_start(tmp_path):
    (tmp_path / "oidc.toml").write_text("[providers.x\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="oidc.toml kan inte läsas"):
        load_providers({}, tmp_path, {})


def test_the_demo_provider_is_added_only_when_asked_and_never_in_production(tmp_path, monkeypatch):
    assert load_providers({}, tmp_path, {}) == {}
    app = SimpleNamespace(config={"OIDC_DEMO": True, "OIDC_DEMO_PORT": 5123})
    oidc_demo.configure(app)
    demo = load_providers(app.config, tmp_path, {})["demo"]
    assert demo.issuer == "http://127.0.0.1:5123" and "lekeberg-ami" in demo.organisations
    for name, value in {"PORTAL_ENV": "production", "SECRET_KEY": "k" * 40, "OIDC_DEMO": "1",
                        "DATABASE_URL": "postgresql+psycopg://p@db.example/p"}.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match="OIDC_DEMO"):
        config.load(tmp_path)
