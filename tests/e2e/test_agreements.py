"""Agreement pages in a real browser: keyboard login, the demo agreement, and no axe-core violations."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.demo import DEMO_PASSWORD
from tests.e2e.crawler import serious_violations


def _login(page, server, email):
    page.goto(server + "/logga-in")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(server + "/")


@pytest.mark.parametrize("email", ["kaa.samordnare@lekeberg.example", "styrgrupp@af-hallsberg.example"])
def test_agreement_pages_have_no_serious_violations(server, page, email):
    _login(page, server, email)
    page.get_by_role("link", name="Överenskommelser").first.click()
    page.get_by_role("link", name="Överenskommelse inom Dua – Lekebergs kommun och Arbetsförmedlingen").click()
    # A click starts the navigation; expect() waits for the page it leads to (reading at once may read none).
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Överenskommelse inom Dua"))
    agreement_url = page.url
    assert serious_violations(page) == []
    page.get_by_role("link", name="Revision 1", exact=True).click()
    expect(page.locator("main")).to_contain_text("Rutiner vid Utbildningskontrakt (UBK)")
    assert serious_violations(page) == []
    page.goto(agreement_url)
    page.get_by_role("link", name="Arbetslöshet bland utrikes födda i Lekebergs kommun").click()
    chart = page.get_by_role("img", name="Utveckling: Arbetslöshet bland utrikes födda i Lekebergs kommun")
    expect(chart).to_have_count(1)
    assert serious_violations(page) == []
    page.goto(agreement_url + "/jamfor")
    assert serious_violations(page) == []
    if "samordnare" in email:
        page.goto(agreement_url + "/revisioner/2/redigera")
        assert serious_violations(page) == []


def _approve(page, server, email, party, answer):
    """A steering-group member of `party` approves revision 2 for it and sees `answer`."""
    page.context.clear_cookies()
    _login(page, server, email)
    page.goto(server + "/overenskommelser/")
    page.get_by_role("link", name="Överenskommelse inom Dua – Lekebergs kommun och Arbetsförmedlingen").click()
    page.get_by_role("link", name="Revision 2", exact=True).click()
    page.get_by_role("link", name=f"Godkänn för {party}").click()
    assert serious_violations(page) == []
    page.get_by_label("Beslutsdatum").fill("2018-01-15")
    page.get_by_role("button", name=f"Godkänn för {party}").click()
    # the period 2017-12-31 – 2018-12-31 has passed: the page asks to confirm, beside the box
    assert "Bekräfta att ni ändå antar den" in page.locator(".error-summary, [role=alert]").first.inner_text()
    page.get_by_label("Giltighetstiden har gått ut, men vi antar revisionen ändå").check()
    page.get_by_role("button", name=f"Godkänn för {party}").click()
    page.wait_for_url("**/revisioner/2")
    expect(page.locator("body")).to_contain_text(answer)
    assert serious_violations(page) == []


def test_two_parties_adopt_revision_two(own_server, page):
    server = own_server
    _login(page, server, "kaa.samordnare@lekeberg.example")
    page.goto(server + "/overenskommelser/")
    page.get_by_role("link", name="Överenskommelse inom Dua – Lekebergs kommun och Arbetsförmedlingen").click()
    page.get_by_role("link", name="Revision 2", exact=True).click()
    page.get_by_role("button", name="Föreslå för antagande").click()
    expect(page.locator("body")).to_contain_text("Revisionen är föreslagen")

    _approve(page, server, "styrgrupp@lekeberg.example", "Lekebergs kommun",
             "Den antas när även Arbetsförmedlingen Hallsberg har godkänt den")
    table = page.get_by_role("table", name="Parternas godkännanden av revision 2")
    assert "Lars Holm i portalen" in table.inner_text() and "Väntar på godkännande" in table.inner_text()

    _approve(page, server, "styrgrupp@af-hallsberg.example", "Arbetsförmedlingen Hallsberg",
             "Revision 2 är antagen av alla parter")
    table = page.get_by_role("table", name="Parternas godkännanden av revision 2")
    assert "Olof Dahl i portalen" in table.inner_text() and "Väntar" not in table.inner_text()
    page.get_by_role("link", name="Tillbaka till överenskommelsen").click()
    rows = page.locator("table", has_text="Revisioner av överenskommelsen").locator("tbody tr")
    assert rows.nth(0).inner_text().startswith("Revision 2\tAntagen")
    assert rows.nth(1).inner_text().startswith("Revision 1\tErsatt av revision 2")


def test_importing_the_seed_agreement_shows_a_preview_and_writes_nothing(server, page):
    """Revision 1 as the portal wrote it, read into the draft (revision 2): where each part goes, what differs,
    and what is not read. AGREEMENT_SCREENSHOTS=docs/screenshots keeps the page as agreement-import-preview.png."""
    import os
    from pathlib import Path

    _login(page, server, "kaa.samordnare@lekeberg.example")
    page.goto(server + "/overenskommelser/")
    page.get_by_role("link", name="Överenskommelse inom Dua – Lekebergs kommun och Arbetsförmedlingen").click()
    agreement_url = page.url
    seed = page.request.get(agreement_url + "/revisioner/1/dokument.docx").body()
    page.goto(agreement_url + "/revisioner/2")
    page.get_by_role("link", name="Läs in från Word").click()
    page.get_by_label("Överenskommelse i Word-format (.docx)").set_input_files(files=[{
        "name": "overenskommelse-revision-1.docx", "buffer": seed,
        "mimeType": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}])
    page.get_by_role("button", name="Förhandsgranska").click()
    table = page.get_by_role("table", name="Var varje del av dokumentet hamnar")
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(9)  # every section but the signatures, each to its own section of the draft
    changed = [rows.nth(i).inner_text() for i in range(rows.count()) if "Ja" in rows.nth(i).inner_text()]
    assert len(changed) == 2 and any("Överenskommelsens varaktighet" in row for row in changed)
    assert "Underskrifterna lästes inte in" in page.content() and "Måltabellen lästes inte in" in page.content()
    assert page.get_by_role("button", name="Läs in i utkastet").count() == 1
    assert serious_violations(page) == []
    keep = os.environ.get("AGREEMENT_SCREENSHOTS")
    if keep:
        page.screenshot(path=str(Path(keep) / "agreement-import-preview.png"), full_page=True)
