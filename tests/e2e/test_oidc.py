"""Sign-in with e-legitimation in a real browser: the demo's test provider (`flask oidc-demo-provider`, as
`make run OIDC_DEMO=1` starts it) beside a portal, and a click on the button on the login page."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ROOT, _free_port, portal_server
from tests.e2e.crawler import serious_violations


@pytest.fixture(scope="module")
def demo_provider(workdir):
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{workdir / 'idp.sqlite3'}", "SECRET_KEY": "e2e-secret",
           "PORTAL_ENV": "development"}
    log = open(workdir / "idp.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "portal", "oidc-demo-provider", "--port",
                             str(port)], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/.well-known/openid-configuration", timeout=1)
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.terminate()
                raise RuntimeError("test-e-legitimationen startade inte:\n" + (workdir / "idp.log").read_text()) \
                    from None
            time.sleep(0.1)
    yield port
    proc.terminate()
    proc.wait(timeout=10)
    log.close()


@pytest.fixture(scope="module")
def oidc_server(workdir, demo_provider):
    with portal_server(workdir, "oidc", OIDC_DEMO="1", OIDC_DEMO_PORT=str(demo_provider)) as base:
        yield base




def test_a_click_on_the_button_signs_in_through_the_provider(oidc_server, page):
    page.goto(oidc_server + "/logga-in")
    assert serious_violations(page) == []
    page.get_by_role("link", name="Logga in via Demo-e-legitimation (testmiljö)").click()
    # At the provider: the demo's staff are offered as ready-made identities.
    page.get_by_role("button", name="ami.handlaggare@lekeberg.example").click()
    page.wait_for_url(oidc_server + "/")
    assert "Välkommen, Ahmed Nilsson!" in page.content()
    page.get_by_role("link", name="Mitt konto").first.click()
    expect(page.locator("main")).to_contain_text("ami.handlaggare@lekeberg.example")


def test_cancelling_at_the_provider_comes_back_to_a_clear_message(oidc_server, page):
    page.goto(oidc_server + "/logga-in")
    page.get_by_role("link", name="Logga in via Demo-e-legitimation (testmiljö)").click()
    page.get_by_role("button", name="Deny").click()
    page.wait_for_url(oidc_server + "/logga-in/e-legitimation/demo/klar*")
    summary = page.locator("#felsammanfattning")
    assert "Inloggningen avbröts hos inloggningstjänsten" in summary.inner_text()
    assert summary.evaluate("el => el === document.activeElement")  # read out at once
    assert serious_violations(page) == []


def test_the_button_and_the_way_back_work_by_keyboard(oidc_server, keys):
    page = keys.page
    page.goto(oidc_server + "/logga-in")
    keys.skip_to_content()
    keys.tab_to("Logga in via Demo-e-legitimation (testmiljö)")
    with keys.navigates("**/oauth2/authorize*"):
        keys.press("Enter")
    # The provider's page is not ours to check for focus marks; the way back is.
    page.get_by_role("button", name="admin@lekeberg.example", exact=True).press("Enter")
    page.wait_for_url(oidc_server + "/")
    assert "Välkommen, Maria Lind!" in page.content()
