"""A real browser logs in with the keyboard and sees the Swedish start page."""
from __future__ import annotations

from portal.demo import DEMO_PASSWORD


def test_keyboard_login_and_logout(server, page):
    page.goto(server + "/")
    assert "/logga-in" in page.url
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Hoppa till innehåll"
    page.get_by_label("E-postadress").focus()
    page.keyboard.type("kaa.samordnare@lekeberg.example")
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(server + "/")
    assert page.get_by_role("heading", level=1).inner_text() == "Välkommen till DUA-portalen"
    page.get_by_role("button", name="Logga ut").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/logga-in")
    assert "Du är utloggad." in page.content()
