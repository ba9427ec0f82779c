"""WCAG 2.1 AA on every page a user can reach: one crawl per role with axe-core and structural checks."""
from __future__ import annotations

import json
import os
import re
import time
from functools import partial
from pathlib import Path

import pytest

from portal.demo import DEMO_PASSWORD, ORGANISATIONS, USERS
from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.crawler import AXE_TAGS, DESKTOP, SUMMARY, CrawlJob, CrawlReport, Finding, crawl_many, log_in

SCREENSHOTS = Path(__file__).parent / "screenshots"
ROLES = ("handlaggare", "samordnare", "styrgrupp", "org_admin", "system_admin")
ANONYMOUS = "utloggad"


def crawl_users() -> dict[str, str]:
    """One demo user per role in the kommun, plus a caseworker of Arbetsförmedlingen (another organisation)."""
    kinds = {code: kind for code, _name, kind, _orgnr, _parent in ORGANISATIONS}
    root = ORGANISATIONS[0][0]
    chosen = {}
    for role in ROLES:
        candidates = [email for email, _name, org, roles in USERS if role in roles]
        chosen[role] = next((email for email, _n, org, roles in USERS if role in roles and org == root),
                            candidates[0])
    chosen["handlaggare_af"] = next(email for email, _name, org, roles in USERS
                                    if "handlaggare" in roles and kinds[org] == "arbetsformedlingen")
    return chosen


@pytest.fixture(scope="module")
def crawl(server) -> dict[str, CrawlReport]:
    """Crawl logged out, then as each user (one login, one browser context each), a few crawls at a time."""
    started = time.monotonic()
    jobs = [CrawlJob(ANONYMOUS, login=None, start="/logga-in")]
    for label, email in crawl_users().items():
        login = partial(lambda page, email: log_in(page, server, email, DEMO_PASSWORD), email=email)
        jobs.append(CrawlJob(label, login=login, start="/", screenshots=SCREENSHOTS))
    reports = crawl_many(server, jobs, workers=int(os.environ.get("E2E_WORKERS", "3")),
                         launch={"executable_path": CHROMIUM, "headless": True, "args": CHROMIUM_ARGS},
                         context_options={"viewport": DESKTOP, "locale": "sv-SE"})
    _summarise(reports, time.monotonic() - started)
    _write_report(reports)
    return reports


def _write_report(reports: dict[str, CrawlReport]) -> None:
    """Everything the crawl saw, for reading after a failure: tests/e2e/screenshots/genomsokning.json."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    data = {user: {"pages": r.pages, "forms": r.forms, "skipped": r.skipped,
                   "findings": [vars(f) for f in r.findings]} for user, r in reports.items()}
    (SCREENSHOTS / "genomsokning.json").write_text(json.dumps(data, ensure_ascii=False, indent=1))


def _summarise(reports: dict[str, CrawlReport], seconds: float) -> None:
    every = list(reports.values())
    rules_run = set().union(*(r.rules_run for r in every))
    rules_applied = set().union(*(r.rules_applied for r in every))
    review = set().union(*(r.needs_review for r in every))
    SUMMARY.append(f"axe-core med taggarna {', '.join(AXE_TAGS)}; genomsökning på {seconds:.0f} s")
    for r in every:
        SUMMARY.append(f"  {r.user:<15} {len(r.pages):>3} sidor, {len(r.forms):>2} tomma formulär, "
                       f"{r.axe_runs:>3} axe-körningar, {r.tab_stops:>3} tabbstopp, {len(r.findings)} fynd"
                       + (f", {r.same_as_checked} sidor som redan kontrollerats" if r.same_as_checked else "")
                       + (f", hoppade över {len(r.skipped)}" if r.skipped else ""))
    SUMMARY.append(f"  totalt {sum(len(r.pages) for r in every)} sidor och {sum(len(r.forms) for r in every)} "
                   f"formulär; {len(rules_run)} axe-regler körda, {len(rules_applied)} tillämpliga, "
                   f"{sum(len(r.of_kind('axe')) for r in every)} överträdelser"
                   + (f"; att granska manuellt: {', '.join(sorted(review))}" if review else ""))


def _findings(crawl: dict[str, CrawlReport], *kinds: str) -> list[Finding]:
    return sorted((f for r in crawl.values() for f in r.of_kind(*kinds)), key=lambda f: (f.rule, f.url, f.user))


def _explain(findings: list[Finding], what: str) -> str:
    return f"{len(findings)} {what}:\n" + "\n".join("  " + str(finding) for finding in findings)


def test_every_user_and_the_public_pages_are_crawled(crawl):
    assert set(crawl) == {ANONYMOUS, *ROLES, "handlaggare_af"}
    assert {"/logga-in", "/tillganglighet"} <= set(crawl[ANONYMOUS].pages)
    assert any(form.startswith("POST /logga-in") for form in crawl[ANONYMOUS].forms), "inloggningen skickades inte tom"
    for label in (*ROLES, "handlaggare_af"):
        assert crawl[label].pages[0] == "/", f"{label} kom inte till startsidan"
        assert "/konto" in crawl[label].pages, f"{label} hittade inte Mitt konto"


def test_axe_finds_no_wcag_violations(crawl):
    findings = _findings(crawl, "axe")
    assert not findings, _explain(findings, "överträdelser av WCAG 2.1 A/AA enligt axe-core")


def test_headings_are_in_order(crawl):
    findings = _findings(crawl, "headings")
    assert not findings, _explain(findings, "sidor med rubriknivåer i fel ordning")


def test_skip_link_first_and_focus_always_visible(crawl):
    findings = _findings(crawl, "skip-link", "focus")
    assert not findings, _explain(findings, "problem med hopplänken eller fokusmarkeringen")


def test_pages_reflow_at_320_px(crawl):
    findings = _findings(crawl, "reflow")
    assert not findings, _explain(findings, "sidor som kräver vågrät rullning i 320 px bredd")


def test_text_at_200_percent_does_not_overflow(crawl):
    findings = _findings(crawl, "text-200")
    assert not findings, _explain(findings, "sidor där innehåll flödar över med 200 % textstorlek")


def test_form_errors_are_tied_to_fields_and_announced(crawl):
    assert any(crawl[label].forms for label in ROLES), "inget formulär skickades tomt som inloggad"
    findings = _findings(crawl, "form-errors")
    assert not findings, _explain(findings, "formulär vars fel inte är kopplade eller upplästa")


def test_links_and_empty_forms_never_give_error_pages(crawl):
    findings = _findings(crawl, "http", "form-accepted-empty")
    assert not findings, _explain(findings, "länkar eller tomma formulär med fel svar")


def test_start_page_screenshots_for_every_role(crawl):
    for label in (*ROLES, "handlaggare_af"):
        for width in (1280, 375):
            shot = SCREENSHOTS / f"start-{label}-{width}.png"
            assert shot.exists() and shot.stat().st_size > 1000, f"skärmbild saknas: {shot.name}"


def test_accessibility_statement_describes_these_tests(server, page):
    """The statement promises what this harness does; keep the two in step."""
    from axe_playwright_python.base import AXE_SCRIPT

    from tests.e2e.crawler import PAGE_CAP, REFLOW, URLS_PER_PATTERN

    axe_version = re.search(r"axe v(\d+\.\d+)", AXE_SCRIPT[:200]).group(1)
    page.goto(server + "/tillganglighet")
    text = " ".join(page.locator("main").inner_text().split())
    numbers = {1: "en", 2: "två", 3: "tre"}
    for promise in (f"axe-core (version {axe_version})", "WCAG 2.0 och 2.1 på nivå A och AA",
                    f"högst {numbers[URLS_PER_PATTERN]} adresser av varje slag", f"högst {PAGE_CAP} sidor",
                    f"{REFLOW['width']} pixlars bredd", "200 procent", "1280 och 375 pixlars bredd",
                    "tillganglighet@dua-portalen.example", "Hoppa till innehåll"):
        assert promise in text, f"tillgänglighetsredogörelsen säger inte: {promise}"
