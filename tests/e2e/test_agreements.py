"""Agreement pages in a real browser: keyboard login, the demo agreement, and no axe-core violations."""
from __future__ import annotations

import pytest

from portal.demo import DEMO_PASSWORD


def _login(page, server, email):
    page.goto(server + "/logga-in")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(server + "/")


def _serious(page):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("email", ["kaa.samordnare@lekeberg.example", "styrgrupp@af-hallsberg.example"])
def test_agreement_pages_have_no_serious_violations(server, page, email):
    _login(page, server, email)
    page.get_by_role("link", name="Överenskommelser").first.click()
    page.get_by_role("link", name="Överenskommelse inom Dua – Lekebergs kommun och Arbetsförmedlingen").click()
    agreement_url = page.url
    assert page.get_by_role("heading", level=1).inner_text().startswith("Överenskommelse inom Dua")
    assert _serious(page) == []
    page.get_by_role("link", name="Revision 1", exact=True).click()
    assert "Rutiner vid Utbildningskontrakt (UBK)" in page.content()
    assert _serious(page) == []
    page.goto(agreement_url)
    page.get_by_role("link", name="Arbetslöshet bland utrikes födda i Lekebergs kommun").click()
    chart = page.get_by_role("img", name="Utveckling: Arbetslöshet bland utrikes födda i Lekebergs kommun")
    assert chart.count() == 1
    assert _serious(page) == []
    page.goto(agreement_url + "/jamfor")
    assert _serious(page) == []
    if "samordnare" in email:
        page.goto(agreement_url + "/revisioner/2/redigera")
        assert _serious(page) == []
