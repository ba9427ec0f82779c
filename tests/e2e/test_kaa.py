"""KAA pages in a real browser: the worklist, an enrolment, a contact by keyboard, the import and the report, with
no serious axe-core violations."""
from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from portal.demo import DEMO_PASSWORD
from tests.e2e.crawler import log_in, serious_violations


def test_kaa_worklist_enrolment_and_contact(server, page):
    log_in(page, server, "ami.handlaggare@lekeberg.example", DEMO_PASSWORD)
    page.get_by_role("link", name="KAA: att kontakta").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Att kontakta")  # waits for the page
    assert serious_violations(page) == []
    page.get_by_role("link", name="Liam Öberg").click()
    expect(page.locator("main")).to_contain_text("Skyddade personuppgifter")
    assert "Skyddade personuppgifter" in page.content() and "Skyddad adress" not in page.content()
    assert serious_violations(page) == []
    page.get_by_label("Kontaktsätt").select_option(label="Telefon")
    page.get_by_label("Med vem").select_option(label="Vårdnadshavare")
    options = page.get_by_label("Vårdnadshavare", exact=True).locator("option").all_inner_texts()
    assert any("Sofia" in o for o in options) and not any("Mikael" in o for o in options)
    page.get_by_label("Vårdnadshavare", exact=True).select_option(index=1)
    page.get_by_label("Resultat").select_option(label="Kontakt etablerad")
    page.get_by_label("Resultat").press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Spara kontakten"
    with page.expect_navigation():
        page.keyboard.press("Enter")  # saved by keyboard
    assert "Kontakten är registrerad" in page.content()


def test_kaa_import_and_report(server, page, tmp_path: Path):
    log_in(page, server, "kaa.samordnare@lekeberg.example", DEMO_PASSWORD)
    page.goto(server + "/kaa/inlasning")
    assert serious_violations(page) == []
    upload = tmp_path / "lista.csv"
    upload.write_bytes("personnummer;förnamn;efternamn\n20090231-1234;Fel;Nummer\n".encode("cp1252"))
    page.get_by_label("CSV-fil").set_input_files(str(upload))
    with page.expect_navigation():
        page.get_by_role("button", name="Läs in").click()
    assert "Ogiltigt personnummer" in page.content()
    assert serious_violations(page) == []
    page.goto(server + "/kaa/rapport")
    assert page.get_by_role("img").count() >= 1 and "Nådda (kontakt etablerad)" in page.content()
    assert serious_violations(page) == []
