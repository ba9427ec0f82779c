"""Screenshots of the person page and of the consent form for a 13-, 16- and 19-year-old, at 1280 and 375 px.

They land in tests/e2e/screenshots/ (ignored by git); `SCREENSHOT_DIR=docs/screenshots` writes the ones the
documentation links to. Each page is checked for what the screenshot is meant to show, and for no sideways scroll.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from portal.demo import DEMO_PASSWORD
from tests.e2e.crawler import log_in

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / os.environ.get("SCREENSHOT_DIR", "tests/e2e/screenshots")
WIDTHS = (1280, 375)

#: (file name, who looks, whose page, path after the person's, what must be on it, what must not)
PAGES = [
    ("person", "ami.handlaggare@lekeberg.example", "Elsa", "",
     ["Samtycke", "Får se", "Arbetsförmedlingen Hallsberg", "Registrera samtycke"], []),
    ("person-empty", "ami.handlaggare@lekeberg.example", "Ida", "",
     ["Det finns inget samtycke som rör din organisation."], ["Får se"]),
    ("person-refused", "handlaggare@af-hallsberg.example", "Wilma", "",
     ["Vad du kan göra", "DUA-samordnaren i din organisation", "Tillbaka till deltagarlistan"],
     ["Wilma", "<a href"]),
    ("consent-13", "ami.handlaggare@lekeberg.example", "Ida", "/samtycken/nytt",
     ["Vårdnadshavare 1 som samtycker", "Den unges egen inställning"], ["Mognadsbedömning"]),
    ("consent-16", "ami.handlaggare@lekeberg.example", "Omar", "/samtycken/nytt",
     ["Mognadsbedömning", "Vårdnadshavare 1 som samtycker"], []),
    ("consent-19", "handlaggare@lekeberg.example", "Wilma", "/samtycken/nytt",
     ["Personen är myndig och lämnar samtycket själv."], ["Vårdnadshavare 1", "Mognadsbedömning"]),
]


@pytest.mark.parametrize(("name", "email", "first_name", "tail", "present", "absent"), PAGES,
                         ids=[row[0] for row in PAGES])
def test_page_screenshots(browser, server, person_path, name, email, first_name, tail, present, absent):
    OUT.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="sv-SE")
        try:
            page = context.new_page()
            log_in(page, server, email, DEMO_PASSWORD)
            page.goto(server + person_path(first_name) + tail)
            main = page.locator("main").inner_text()
            for text in present:
                assert text in main, (name, width, text)
            for text in absent:
                assert text not in main, (name, width, text)
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (name, width)
            page.screenshot(path=OUT / f"{name}-{width}.png", full_page=True)
        finally:
            context.close()


def test_consent_form_errors_screenshot(browser, server, person_path):
    """A 16-year-old's consent sent without organisation and maturity assessment: every error in the summary,
    the maturity error beside the maturity field (not beside a guardian's)."""
    OUT.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="sv-SE")
        try:
            page = context.new_page()
            log_in(page, server, "ami.handlaggare@lekeberg.example", DEMO_PASSWORD)
            page.goto(server + person_path("Omar") + "/samtycken/nytt")
            page.get_by_label("Samordning av insatser").check()
            page.get_by_label("Utbildning", exact=True).check()
            page.get_by_label("Digitalt samtycke").check()
            with page.expect_navigation():
                page.get_by_role("button", name="Registrera samtycket").click()
            summary = page.locator("#felsammanfattning li").all_inner_texts()
            assert len(summary) == 2 and summary[0].startswith("Organisationer"), summary
            assert "mognadsbedömning" in page.locator("#maturity_assessment-fel").inner_text()
            assert page.locator("#guardian_1-fel").count() == 0
            page.screenshot(path=OUT / f"consent-16-errors-{width}.png", full_page=True)
        finally:
            context.close()


def test_the_agreement_editor_shows_whole_headings(browser, server):
    """The editor's "Rubrik" boxes are as wide as the page allows: no section heading is cut off; "Ordning" is
    a short box that still shows its number."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE")
    try:
        page = context.new_page()
        log_in(page, server, "kaa.samordnare@lekeberg.example", DEMO_PASSWORD)
        page.goto(server + "/overenskommelser/1/revisioner/2/redigera")
        cut = page.evaluate("""() => [...document.querySelectorAll('[name$="-title"], [name$="-position"]')]
          .filter((box) => box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1)
          .map((box) => box.value)""")
        assert cut == []
        widths = page.evaluate("""() => [...document.querySelectorAll('[name^="section-"][name$="-title"]')]
          .map((box) => box.getBoundingClientRect().width)""")
        assert widths and min(widths) >= 400, widths
        page.screenshot(path=OUT / "agreement-edit-1280.png", full_page=True)
    finally:
        context.close()
