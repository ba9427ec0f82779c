"""The people and consent pages pass axe (WCAG 2.1 AA) in a real browser, including a form with errors."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from portal.demo import DEMO_PASSWORD

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def _login(page, server, email):
    page.goto(server + "/logga-in")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(server + "/")


def _violations(page):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=WCAG)
    return [(v["id"], v["help"]) for v in results.response["violations"]]


@pytest.mark.parametrize("path", ["/deltagare", "/deltagare/ny", "{Elsa}", "{Elsa}/samtycken",
                                  "{Elsa}/samtycken/nytt", "{Elsa}/utlamnande", "{Elsa}/andra", "{Saga}",
                                  "/deltagare/samtycken/utgar", "/deltagare/samtycken/aterkallade", "/meddelanden",
                                  "{Wilma}"])
def test_people_pages_pass_axe(server, page, person_path, path):
    _login(page, server, "ami.handlaggare@lekeberg.example")
    if path.startswith("{"):
        name, rest = path[1:].split("}")
        path = person_path(name) + rest
    response = page.goto(server + path)
    assert response.status == 200
    assert _violations(page) == []


def test_consent_form_with_errors_passes_axe_and_focus_reaches_summary(server, page, person_path):
    _login(page, server, "ami.handlaggare@lekeberg.example")
    page.goto(server + person_path("Elsa") + "/samtycken/nytt")
    page.get_by_role("button", name="Registrera samtycket").click()
    expect(page.locator("main")).to_contain_text("Formuläret innehåller fel")
    content = page.content()
    assert "Välj minst en organisation" in content and "Ladda upp den inskannade" in content
    assert _violations(page) == []
