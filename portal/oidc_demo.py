"""The demo's e-legitimation: oidc-provider-mock on 127.0.0.1 beside `make run OIDC_DEMO=1`, knowing the demo staff."""
from __future__ import annotations

import click

from portal import demo

DEMO_PROVIDER = "demo"
DEFAULT_PORT = 5001
#: Tillitsnivå 3 in the Swedish e-legitimation framework (what SITHS and Freja OrgID give).
LOA3 = "http://id.elegnamnden.se/loa/1.0/loa3"


def provider_settings(port: int) -> dict:
    """The demo provider as the portal sees it: it serves every demo organisation and asks for LOA3."""
    return {"label": "Demo-e-legitimation (testmiljö)", "issuer": f"http://127.0.0.1:{port}",
            "client_id": "dua-portalen-demo", "client_secret": "demo",
            "organisations": [code for code, *_ in demo.ORGANISATIONS], "orgnr_claim": "orgnr", "acr": [LOA3]}


def demo_identities() -> list[tuple[str, dict]]:
    """(subject, claims) for each demo account: the provider vouches for the e-mail, the orgnr and LOA3."""
    orgnr = {code: number for code, _name, _kind, number, _parent in demo.ORGANISATIONS}
    return [(email, {"email": email, "email_verified": True, "name": name, "orgnr": orgnr[org_code], "acr": LOA3})
            for email, name, org_code, _roles in demo.USERS]


def configure(app) -> None:
    """With OIDC_DEMO set, offer the demo provider beside any configured ones (before auth reads the providers)."""
    if app.config.get("OIDC_DEMO"):
        port = int(app.config.get("OIDC_DEMO_PORT") or DEFAULT_PORT)
        app.config.setdefault("OIDC_EXTRA_PROVIDERS", {})[DEMO_PROVIDER] = provider_settings(port)


def init_app(app) -> None:
    @app.cli.command("oidc-demo-provider")
    @click.option("--port", default=None, type=int, help=f"Port på 127.0.0.1 (standard OIDC_DEMO_PORT eller "
                                                         f"{DEFAULT_PORT}).")
    def oidc_demo_provider(port: int | None):
        """Starta en test-e-legitimation (oidc-provider-mock) på 127.0.0.1 med demoanvändarna, för OIDC_DEMO=1."""
        if app.config["PORTAL_ENV"] == "production":
            raise click.ClickException("Test-e-legitimationen får inte startas i produktion.")
        try:
            import oidc_provider_mock
            from werkzeug.debug import DebuggedApplication
            from werkzeug.serving import run_simple
        except ImportError:
            raise click.ClickException("oidc-provider-mock saknas: kör pip install -e '.[dev]'.") from None
        port = port or app.config.get("OIDC_DEMO_PORT") or DEFAULT_PORT
        provider = oidc_provider_mock.app(require_nonce=True, user_claims=[
            oidc_provider_mock.User(sub=subject, claims=claims) for subject, claims in demo_identities()])
        # The mock switches Werkzeug's interactive debugger on for itself; a demo has no use for it.
        if isinstance(provider.wsgi_app, DebuggedApplication):
            provider.wsgi_app, provider.debug = provider.wsgi_app.app, False
        click.echo(f"Test-e-legitimation på http://127.0.0.1:{port} (välj en demoanvändare där).")
        run_simple("127.0.0.1", port, provider, threaded=True, use_reloader=False, use_debugger=False)
