"""Screenshots of the login page and each demo role's start page at 1280 and 375 px, into docs/screenshots/.

Run from the checkout: `python scripts/start_screenshots.py` (Debian's Chromium through Playwright; the demo is
served from a throwaway SQLite database by tests/e2e/serve.py).
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portal.demo import DEMO_PASSWORD  # noqa: E402
from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
#: One demo user per role (the kommun's where it has one) and Arbetsförmedlingen's caseworker and steering member.
ROLES = {
    "handlaggare": "ami.handlaggare@lekeberg.example",
    "handlaggare-af": "handlaggare@af-hallsberg.example",
    "samordnare": "kaa.samordnare@lekeberg.example",
    "styrgrupp": "styrgrupp@af-hallsberg.example",
    "org_admin": "admin@lekeberg.example",
    "system_admin": "systemadmin@dua-portalen.example",
}
WIDTHS = (1280, 375)
#: After a coordinator proposes revision 2 and Arbetsförmedlingen withdraws a consent: the cards those events add.
AFTER_EVENTS = {"styrgrupp": "styrgrupp@lekeberg.example", "handlaggare": "ami.handlaggare@lekeberg.example"}


def _serve(workdir: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{workdir / 'shots.sqlite3'}", "SECRET_KEY": "shots",
           "PORTAL_ENV": "development", "RATELIMIT_ENABLED": "0", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "tests.e2e.serve", str(port)], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            return proc, base
        except OSError:
            time.sleep(0.1)
    proc.terminate()
    raise RuntimeError("the demo server did not start")


def _log_in(browser, base: str, email: str, width: int):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="sv-SE")
    page = context.new_page()
    page.goto(base + "/logga-in")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Logga in").click()
    return context, page


def _events(browser, base: str) -> None:
    """Through the pages, as users would: propose the draft revision, withdraw one consent AMI took."""
    context, page = _log_in(browser, base, "kaa.samordnare@lekeberg.example", 1280)
    page.goto(base + "/overenskommelser/1/revisioner/2")
    page.get_by_role("button", name="Föreslå för antagande").click()
    page.wait_for_load_state()
    context.close()
    context, page = _log_in(browser, base, "handlaggare@af-hallsberg.example", 1280)
    page.goto(base + "/deltagare")
    page.locator("main table a").first.click()
    page.wait_for_load_state()
    page.goto(page.url.rstrip("/") + "/samtycken")
    page.get_by_role("link", name="Återkalla").first.click()
    page.locator("textarea").first.fill("Den unge ringde och återkallade samtycket.")
    page.get_by_role("button", name="Återkalla samtycket").click()
    page.wait_for_load_state()
    context.close()


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        proc, base = _serve(Path(tmp))
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
                for width in WIDTHS:
                    context = browser.new_context(viewport={"width": width, "height": 900}, locale="sv-SE")
                    page = context.new_page()
                    page.goto(base + "/logga-in")
                    page.screenshot(path=str(OUT / f"login-{width}.png"), full_page=True)
                    context.close()
                    for role, email in ROLES.items():
                        context = browser.new_context(viewport={"width": width, "height": 900}, locale="sv-SE")
                        page = context.new_page()
                        page.goto(base + "/logga-in")
                        page.get_by_label("E-postadress").fill(email)
                        page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
                        with page.expect_navigation():
                            page.get_by_role("button", name="Logga in").click()
                        page.goto(base + "/")  # without the one-off welcome message
                        page.screenshot(path=str(OUT / f"start-{role}-{width}.png"), full_page=True)
                        context.close()
                _events(browser, base)
                for width in WIDTHS:
                    for role, email in AFTER_EVENTS.items():
                        context, page = _log_in(browser, base, email, width)
                        page.goto(base + "/")
                        page.screenshot(path=str(OUT / f"start-{role}-efter-handelser-{width}.png"), full_page=True)
                        context.close()
                browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    print("\n".join(sorted(str(path.relative_to(ROOT)) for path in OUT.glob("*.png"))))


if __name__ == "__main__":
    main()
