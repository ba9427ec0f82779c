"""Browser fixtures: a real portal server on a throwaway database with demo data, and Debian's Chromium."""
from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import closing, contextmanager
from pathlib import Path

import pytest

from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def workdir():
    path = Path(tempfile.mkdtemp(prefix="dua-e2e-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@contextmanager
def portal_server(workdir, name: str = "e2e", **extra_env):
    """Migrate a fresh SQLite database, load the demo and serve it on 127.0.0.1 in a separate process."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{workdir / (name + '.sqlite3')}",
        "SECRET_KEY": "e2e-secret",
        "PORTAL_ENV": "development",
        "RATELIMIT_ENABLED": "0",
        **extra_env,
    }
    port = _free_port()
    log = open(workdir / f"{name}-server.log", "w")  # noqa: SIM115 - closed below
    # One process migrates, seeds and serves (werkzeug, threaded): see tests/e2e/serve.py.
    proc = subprocess.Popen([sys.executable, "-m", "tests.e2e.serve", str(port)],
                            env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.terminate()
                raise RuntimeError("e2e-servern startade inte:\n" + (workdir / f"{name}-server.log").read_text()) \
                    from None
            time.sleep(0.1)
    try:
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


@pytest.fixture(scope="session")
def server(workdir):
    """The demo, served once for every test that only reads it or changes what the others do not look at."""
    with portal_server(workdir) as base:
        yield base


@pytest.fixture
def own_server(workdir, request):
    """A demo of the test's own, for a walk that changes what other tests read (e.g. adopts revision 2)."""
    with portal_server(workdir, request.node.name[:40]) as base:
        yield base


@pytest.fixture(scope="session")
def person_path(server, workdir):
    """The path of a demo person's page by first name: person URLs carry a random ref, read from the database."""
    with closing(sqlite3.connect(workdir / "e2e.sqlite3")) as conn:
        refs = dict(conn.execute("SELECT first_name, ref FROM people").fetchall())
    return lambda first_name: f"/deltagare/{refs[first_name]}"


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # launch() always starts from a fresh, temporary user-data dir of its own.
    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="sv-SE")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def new_keys(browser, request):
    """Opens keyboard drivers (see tests/e2e/keyboard.py), each in a fresh context of its own (its own login); the
    journey's focus stops are counted over all of them."""
    from tests.e2e.crawler import SUMMARY, prepare
    from tests.e2e.keyboard import Keys

    contexts, drivers = [], []

    def open_driver() -> Keys:
        context = prepare(browser.new_context(viewport={"width": 1280, "height": 800}, locale="sv-SE"), axe=False)
        contexts.append(context)
        drivers.append(Keys(context.new_page()))
        return drivers[-1]

    yield open_driver
    for context in contexts:
        context.close()
    if drivers:
        sessions = f" i {len(drivers)} webbläsarsessioner" if len(drivers) > 1 else ""
        SUMMARY.append(f"tangentbordsresa {request.node.name}: {sum(d.stops for d in drivers)} fokusstopp{sessions}, "
                       "alla med synlig markering")


@pytest.fixture
def keys(new_keys):
    """A fresh context driven by the keyboard alone; counts its focus stops."""
    return new_keys()


def pytest_terminal_summary(terminalreporter):
    """Print what the accessibility crawl checked, also when pytest captures output."""
    from tests.e2e.crawler import SUMMARY

    if SUMMARY:
        terminalreporter.section("tillgänglighet")
        for line in SUMMARY:
            terminalreporter.write_line(line)


def pytest_sessionfinish(session):
    """Under pytest-xdist (`make e2e` runs two workers) each worker hands its summary lines to the controller."""
    from tests.e2e.crawler import SUMMARY

    if hasattr(session.config, "workeroutput"):
        session.config.workeroutput["e2e_summary"] = list(SUMMARY)


def pytest_testnodedown(node, error):
    from tests.e2e.crawler import SUMMARY

    SUMMARY.extend(getattr(node, "workeroutput", {}).get("e2e_summary", []))
