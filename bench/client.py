"""Logging in through the login form, one checked request per page, and wrk runs with a session cookie."""
from __future__ import annotations

import json
import re
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

from bench.pages import Page

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')

#: wrk calls done() once at the end; it prints what the bench needs as one JSON line (latencies in µs).
WRK_SCRIPT = """
wrk.method = [[{method}]]
wrk.body = [[{body}]]
{headers}
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format('BENCH-JSON {{"p50": %.0f, "p95": %.0f, "p99": %.0f, "requests": %d, ' ..
    '"duration_us": %d, "non2xx": %d, "errors": %d}}\\n', latency:percentile(50), latency:percentile(95),
    latency:percentile(99), summary.requests, summary.duration, summary.errors.status, errors))
end
"""


@dataclass
class Session:
    """A logged-in browser: its cookie header and the CSRF token of its session."""

    cookie: str
    csrf: str


def login(base: str, email: str, password: str) -> Session:
    """Log in as a user would (GET the form, POST it with its CSRF token), then take a page's token for POSTs."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    token = CSRF.search(opener.open(f"{base}/logga-in").read().decode()).group(1)
    answer = opener.open(f"{base}/logga-in", urlencode({"csrf_token": token, "email": email,
                                                        "password": password}).encode())
    if "/logga-in" in answer.geturl():
        raise SystemExit(f"Inloggningen som {email} misslyckades.")
    # The session's CSRF token appears in any form; the start page has the logout button.
    csrf = CSRF.search(opener.open(f"{base}/").read().decode()).group(1)
    return Session("; ".join(f"{c.name}={c.value}" for c in jar), csrf)


def _body(page: Page, session: Session | None) -> str:
    if page.method != "POST":
        return ""
    return urlencode({**page.form, "csrf_token": session.csrf if session else ""})


def check(base: str, page: Page, session: Session | None) -> dict:
    """Ask for the page once: it must answer 200; returns its SQL statement count and size."""
    request = urllib.request.Request(base + page.path, method=page.method,
                                     data=_body(page, session).encode() if page.method == "POST" else None)
    if session:
        request.add_header("Cookie", session.cookie)
    if page.method == "POST":
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    opener = urllib.request.build_opener(_NoRedirect)
    started = time.perf_counter()
    try:
        response = opener.open(request)
    except urllib.error.HTTPError as exc:
        raise SystemExit(f"{page.name}: {page.method} {page.path} svarade {exc.code}, inte 200.") from None
    body = response.read()
    seconds = time.perf_counter() - started
    if response.status != 200:
        raise SystemExit(f"{page.name}: {page.method} {page.path} svarade {response.status}, inte 200.")
    statements = response.headers.get("X-SQL-Statements")
    return {"status": response.status, "bytes": len(body), "sql": int(statements) if statements else None,
            "seconds": seconds}


def settle(base: str, workers: int, *, quick: float = 0.05, within: float = 120.0) -> None:
    """Wait until every worker is idle: when wrk stops, the requests it sent to a slow page are still queued and
    would otherwise be served during the next page's run. Idle = `workers` concurrent bare requests all quick."""
    def timed(_):
        started = time.perf_counter()
        urllib.request.urlopen(base + "/_bench/tom", timeout=within).read()
        return time.perf_counter() - started

    deadline = time.perf_counter() + within
    with ThreadPoolExecutor(workers) as pool:
        while time.perf_counter() < deadline:
            if max(pool.map(timed, range(workers))) < quick:
                return
            time.sleep(0.1)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect (e.g. to the login page) is an answer to report, not to follow


def wrk(base: str, page: Page, session: Session | None, *, clients: int, seconds: float) -> dict:
    """Drive the page with `clients` connections for `seconds`; returns p50/p95/p99 (ms), requests/s and errors."""
    headers = []
    if session:
        headers.append(f'wrk.headers["Cookie"] = [[{session.cookie}]]')
    if page.method == "POST":
        headers.append('wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"')
    script = WRK_SCRIPT.format(method=page.method, body=_body(page, session), headers="\n".join(headers))
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        done = subprocess.run(["wrk", "-t1", f"-c{clients}", f"-d{seconds}s", "--timeout", "30s", "-s", handle.name,
                               base + page.path], capture_output=True, text=True, check=True)
    finally:
        Path(handle.name).unlink()
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH-JSON ")), None)
    if line is None:
        raise SystemExit(f"wrk gav inget resultat för {page.name}:\n{done.stdout}\n{done.stderr}")
    raw = json.loads(line.removeprefix("BENCH-JSON "))
    if not raw["requests"]:  # not one answer within the run: a page slower than the run is long
        return {"p50_ms": None, "p95_ms": None, "p99_ms": None, "requests": 0, "rps": 0.0,
                "non2xx": raw["non2xx"], "errors": raw["errors"]}
    return {"p50_ms": raw["p50"] / 1000, "p95_ms": raw["p95"] / 1000, "p99_ms": raw["p99"] / 1000,
            "requests": raw["requests"], "rps": raw["requests"] / (raw["duration_us"] / 1e6),
            "non2xx": raw["non2xx"], "errors": raw["errors"]}
