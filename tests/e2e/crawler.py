"""Breadth-first crawl of the portal as one user: axe-core, headings, skip link, focus, reflow and empty forms."""
from __future__ import annotations

import os
import queue
import re
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

from axe_playwright_python.base import AXE_SCRIPT
from playwright.sync_api import BrowserContext, Page, sync_playwright
from playwright.sync_api import Error as PlaywrightError

CHECKS_JS = Path(__file__).with_name("checks.js")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
PAGE_CAP = int(os.environ.get("E2E_PAGE_CAP", "120"))  # pages per user: a bound against endless lists, not a target
URLS_PER_PATTERN = 2
DOWNLOAD_SUFFIXES = (".docx", ".pdf", ".ics", ".csv", ".xlsx", ".odt", ".zip", ".png", ".svg", ".json")
#: Never followed: logging out would end the crawl, the language switch changes every later page.
NEVER_PATHS = ("/logga-ut", "/sprak", "/static/")
#: A form whose action or buttons say one of these is never submitted, not even empty.
NEVER_SUBMIT = re.compile(
    r"logga[ -]ut|spr[aå]k|english|svenska|ta[ -]bort|radera|delete|remove|avsluta|inaktivera", re.IGNORECASE)
DESKTOP = {"width": 1280, "height": 800}
MOBILE = {"width": 375, "height": 800}
REFLOW = {"width": 320, "height": 800}
TAB_STOPS = 5  # real Tab presses forward from <main>; every other control is then focused by script
SHIFT_TAB_STOPS = 3  # real Shift+Tab presses back from <main> into the header and the main menu

#: Lines printed at the end of the run by the terminal-summary hook in conftest (visible without -s).
SUMMARY: list[str] = []


@dataclass
class Finding:
    """One problem on one page, readable in a failure message."""

    kind: str  # axe, headings, skip-link, focus, reflow, text-200, form-errors, http, form-accepted-empty
    user: str
    url: str
    rule: str
    detail: str = ""
    targets: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        text = f"[{self.user}] {self.url}  {self.rule}"
        if self.detail:
            text += f": {self.detail}"
        for target in self.targets[:8]:
            text += f"\n        → {target}"
        if len(self.targets) > 8:
            text += f"\n        → … och {len(self.targets) - 8} till"
        return text


@dataclass
class CrawlReport:
    """What a crawl as one user saw and found."""

    user: str
    pages: list[str] = field(default_factory=list)
    forms: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    rules_run: set[str] = field(default_factory=set)
    rules_applied: set[str] = field(default_factory=set)
    needs_review: set[str] = field(default_factory=set)
    same_as_checked: int = 0  # pages identical to one already checked for another user
    axe_runs: int = 0
    tab_stops: int = 0

    def of_kind(self, *kinds: str) -> list[Finding]:
        return [f for f in self.findings if f.kind in kinds]


_SHAPELESS = re.compile(r"^(\d+|[0-9a-f]{8}-[0-9a-f-]{27,}|[0-9a-f]{16,}|\d{4}-\d{2}(-\d{2})?)$", re.IGNORECASE)


def url_pattern(url: str) -> str:
    """The endpoint-like shape of a URL: numeric, id and date segments become {id}; the query is dropped."""
    path = urlsplit(url).path
    return "/".join("{id}" if _SHAPELESS.match(segment) else segment for segment in path.split("/")) or "/"


def short(url: str, base: str) -> str:
    url = urldefrag(url)[0]
    return (url[len(base):] or "/") if url.startswith(base) else url


def is_followable(url: str, base: str) -> bool:
    if not (url == base or url.startswith(base + "/")):
        return False
    path = urlsplit(url).path.lower()
    return not path.startswith(NEVER_PATHS) and not path.endswith(DOWNLOAD_SUFFIXES)


def prepare(context: BrowserContext, axe: bool = True) -> BrowserContext:
    """Give every document of the context the page-side checks and axe-core (init scripts are exempt from CSP)."""
    context.add_init_script(path=str(CHECKS_JS))
    if axe:
        context.add_init_script(script=AXE_SCRIPT)
    return context


def log_in(page: Page, base: str, email: str, password: str) -> None:
    page.goto(base + "/logga-in")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Logga in").click()
    if urlsplit(page.url).path != "/":
        raise AssertionError(f"inloggningen som {email} misslyckades: {page.url}")


def serious_violations(page: Page) -> list[tuple]:
    """axe-core's serious and critical violations on the page as it stands: (rule, help, first targets)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


class Fingerprints:
    """Page fingerprints already checked, shared by the crawls running in parallel threads."""

    def __init__(self):
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def claim(self, fingerprint: str) -> bool:
        """True for the first caller with this fingerprint: that crawl checks the page, the others skip it."""
        with self._lock:
            if fingerprint in self._seen:
                return False
            self._seen.add(fingerprint)
            return True


class Crawler:
    """Visits the portal breadth-first as the user logged in to the page's context and records every finding."""

    def __init__(self, page: Page, base: str, user: str, screenshots: Path | None = None,
                 fingerprints: Fingerprints | None = None):
        self.page = page
        self.base = base
        self.report = CrawlReport(user=user)
        self.screenshots = screenshots
        self.fingerprints = fingerprints or Fingerprints()
        self._per_pattern: dict[str, int] = {}
        self._seen: set[str] = set()
        self._forms_done: set[tuple] = set()
        self._tabbed_patterns: set[str] = set()

    def _add(self, kind: str, rule: str, detail: str = "", targets: list[str] | None = None, url: str | None = None):
        # Paths only, so messages stay short and do not depend on the server's port.
        where = short(url or self.page.url, self.base)
        self.report.findings.append(Finding(kind, self.report.user, where, rule, detail, targets or []))

    def _admit(self, url: str) -> bool:
        url = urldefrag(url)[0]
        if url in self._seen:
            return False
        pattern = url_pattern(url)
        if self._per_pattern.get(pattern, 0) >= URLS_PER_PATTERN:
            return False
        self._seen.add(url)
        self._per_pattern[pattern] = self._per_pattern.get(pattern, 0) + 1
        return True

    def crawl(self, start: str = "/") -> CrawlReport:
        queue = deque([self.base + start])
        self._admit(self.base + start)
        while queue and len(self.report.pages) < PAGE_CAP:
            for link in self.visit(queue.popleft()):
                if is_followable(link, self.base) and self._admit(link):
                    queue.append(urldefrag(link)[0])
        return self.report

    def visit(self, url: str) -> list[str]:
        page = self.page
        try:
            response = page.goto(url, wait_until="load")
        except PlaywrightError as exc:
            if "Download is starting" in str(exc) or "net::ERR_ABORTED" in str(exc):
                self.report.skipped.append(short(url, self.base) + " (nedladdning)")
                return []
            raise
        if response is None:
            return []
        headers = response.headers
        if "attachment" in headers.get("content-disposition", "") or \
                not headers.get("content-type", "").startswith("text/html"):
            self.report.skipped.append(short(url, self.base) + f" ({headers.get('content-type', '?')})")
            return []
        final = urldefrag(page.url)[0]
        self._seen.add(final)  # after a redirect, do not visit the landing page again
        if response.status >= 400:
            self._add("http", f"HTTP {response.status}", "en länk leder till en felsida", url=url)
        self.report.pages.append(short(final, self.base))
        if self.screenshots is not None and urlsplit(final).path == "/" and len(self.report.pages) == 1:
            self.take_screenshots()
        facts = page.evaluate("() => ({headings: __a11y.headings(), links: __a11y.links(), forms: __a11y.forms(), "
                              "fingerprint: __a11y.fingerprint()})")
        if not self.fingerprints.claim(facts["fingerprint"]):
            self.report.same_as_checked += 1
            return facts["links"]
        pattern = url_pattern(final)
        first_of_pattern = pattern not in self._tabbed_patterns
        self._tabbed_patterns.add(pattern)
        self.check_document(facts["headings"], layout=first_of_pattern)
        self.check_keyboard(full=first_of_pattern)
        self.submit_forms_empty(final, facts["forms"])
        return facts["links"]

    # -- checks on the loaded document --

    def check_document(self, heading_problems: list[str], context: str = "", layout: bool = True) -> None:
        """axe-core and headings on every page; reflow and text size once per URL pattern (same template)."""
        self.run_axe(context)
        for problem in heading_problems:
            self._add("headings", "rubriknivåer", context + problem)
        if layout:
            self.check_reflow(context)

    def run_axe(self, context: str = "") -> None:
        results = self.page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
        self.report.axe_runs += 1
        for group in ("violations", "passes", "incomplete", "inapplicable"):
            self.report.rules_run.update(rule["id"] for rule in results.get(group, []))
        self.report.rules_applied.update(rule["id"] for rule in results["violations"] + results["passes"])
        self.report.needs_review.update(rule["id"] for rule in results.get("incomplete", []))
        for violation in results["violations"]:
            targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]]
            self._add("axe", f"{violation['id']} ({violation.get('impact')})", context + violation["help"], targets)

    def check_keyboard(self, full: bool) -> None:
        """The first Tab reaches the skip link and Enter on it moves focus to <main>. On the first page of each
        URL pattern, a few real Tab and Shift+Tab stops from <main>, then every tabbable element, must show a
        focus indicator."""
        page = self.page
        page.keyboard.press("Tab")
        state = page.evaluate("__a11y.focus()")
        if not state["skip"]:
            self._add("skip-link", "första tabbstoppet", f"är {state['where']}, inte länken Hoppa till innehåll")
            return
        if not state["visible"]:
            self._add("focus", "synligt fokus", "länken Hoppa till innehåll har ingen synlig fokusmarkering")
        page.keyboard.press("Enter")
        state = page.evaluate("__a11y.focus()")
        if state["id"] != "innehall":
            self._add("skip-link", "Hoppa till innehåll", f"flyttar fokus till {state['where']}, inte till <main>")
            return
        if not full:
            return
        page.evaluate("__a11y.startFocusLog()")
        for _ in range(TAB_STOPS):
            page.keyboard.press("Tab")
        page.evaluate("document.getElementById('innehall').focus()")
        for _ in range(SHIFT_TAB_STOPS):
            page.keyboard.press("Shift+Tab")
        log = [entry for entry in page.evaluate("__a11y.focusLog") if entry.get("id") != "innehall"]
        sweep = page.evaluate("__a11y.sweepFocus()")
        self.report.tab_stops += len(log) + sweep["count"]
        invisible = sorted({entry["where"] for entry in log if not entry["visible"]} | set(sweep["invisible"]))
        if invisible:
            self._add("focus", "synligt fokus", "fokus syns inte på", invisible)

    def check_reflow(self, context: str = "") -> None:
        page = self.page
        page.set_viewport_size(REFLOW)
        result = page.evaluate("__a11y.overflow()")
        page.set_viewport_size(DESKTOP)
        if result["scrollWidth"] > result["width"] or result["clipped"]:
            self._add("reflow", "320 px bredd",
                      f"{context}sidan är {result['scrollWidth']} px bred i ett {result['width']} px fönster",
                      result["offenders"] + result["clipped"])
        result = page.evaluate("__a11y.overflowWithText200()")
        if result["scrollWidth"] > result["width"] or result["clipped"]:
            self._add("text-200", "text 200 %",
                      f"{context}sidan är {result['scrollWidth']} px bred i ett {result['width']} px fönster",
                      result["offenders"] + result["clipped"])

    def take_screenshots(self) -> None:
        assert self.screenshots is not None
        self.screenshots.mkdir(parents=True, exist_ok=True)
        for size in (DESKTOP, MOBILE):
            self.page.set_viewport_size(size)
            self.page.screenshot(path=self.screenshots / f"start-{self.report.user}-{size['width']}.png",
                                 full_page=True)
        self.page.set_viewport_size(DESKTOP)

    # -- forms --

    def submit_forms_empty(self, source: str, forms: list[dict]) -> None:
        """Submit each new form with required fields once, empty, and check the page that shows its errors."""
        page = self.page
        submitted = False
        for form in forms:
            if not form["required"] or not form["textLike"] or form["method"] not in ("get", "post"):
                continue
            action = urldefrag(form["action"])[0]
            if NEVER_SUBMIT.search(action + " " + form["buttons"]) or not is_followable(action, self.base):
                continue
            key = (form["method"], url_pattern(action), tuple(sorted(form["required"])))
            if key in self._forms_done:
                continue
            self._forms_done.add(key)
            if submitted:  # back to the untouched page: the form indexes refer to it
                page.goto(source)
            submitted = True
            label = f"{form['method'].upper()} {short(action, self.base)}"
            try:
                with page.expect_navigation(timeout=15_000) as navigation:
                    page.evaluate("index => __a11y.submitEmpty(index)", form["index"])
                response = navigation.value
            except PlaywrightError as exc:  # no new page (a download, a script that stops it, a hang)
                self._add("http", "tomt formulär", f"{label} gav ingen ny sida: {str(exc).splitlines()[0]}",
                          url=source)
                continue
            self.report.forms.append(label)
            status = response.status if response else 0
            if status >= 500:
                self._add("http", f"HTTP {status}", f"tomt formulär {label} gav serverfel", url=source)
                continue
            if form["method"] == "post" and status < 400:
                self._add("form-accepted-empty", "tomt formulär godtogs",
                          f"{label} svarade {status} trots tomma obligatoriska fält {form['required']}", url=source)
                continue
            context = f"efter tomt {label}: "
            self.check_document(page.evaluate("__a11y.headings()"), context)
            for problem in page.evaluate("__a11y.errorsTied()"):
                self._add("form-errors", "felmeddelanden", context + problem)


# --- running several crawls at once ----------------------------------------------------------------------


@dataclass
class CrawlJob:
    """One user's crawl: who, how to log in (None: stay logged out), where to start."""

    user: str
    login: Callable[[Page], None] | None
    start: str = "/"
    screenshots: Path | None = None


def crawl_many(base: str, jobs: list[CrawlJob], *, launch: dict, context_options: dict,
               workers: int = 2) -> dict[str, CrawlReport]:
    """Run the crawls on `workers` threads, each with its own Playwright and browser (the sync API is per
    thread) and a fresh context per job; reports come back in the order of the jobs."""
    pending: queue.Queue[CrawlJob] = queue.Queue()
    for job in jobs:
        pending.put(job)
    reports: dict[str, CrawlReport] = {}
    errors: list[BaseException] = []
    fingerprints = Fingerprints()

    def work() -> None:
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(**launch)
                while True:
                    try:
                        job = pending.get_nowait()
                    except queue.Empty:
                        break
                    context = prepare(browser.new_context(**context_options))
                    page = context.new_page()
                    if job.login is not None:
                        job.login(page)
                    reports[job.user] = Crawler(page, base, job.user, job.screenshots, fingerprints).crawl(job.start)
                    context.close()
                browser.close()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the calling thread below
            errors.append(exc)

    threads = [threading.Thread(target=work, name=f"crawl-{n}") for n in range(max(1, min(workers, len(jobs))))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return {job.user: reports[job.user] for job in jobs}
