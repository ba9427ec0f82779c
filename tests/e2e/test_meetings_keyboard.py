"""A meeting with the keyboard alone: a member proposes an item, the coordinator accepts it, moves it up with the
"Flytta upp" button, publishes the agenda, writes the minutes and finalises them."""
from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import urlsplit

from tests.e2e.test_keyboard import at, follow, heading, log_in_by_keyboard, open_from_menu

#: Neither is used by the accessibility crawl's own logins for this journey's writes (the crawl never posts here).
PROPOSER = "ami.handlaggare@lekeberg.example"
COORDINATOR = "kaa.samordnare@lekeberg.example"
TITLE = "Sommarjobb för unga (tangentbord)"


def _coming_vagen_meeting(keys) -> str:
    """The first Vägen meeting at least four days ahead (the demo's proposed agenda), as its link text."""
    dates = keys.page.locator("main table a").all_inner_texts()
    return next(d for d in dates if date.fromisoformat(d) >= date.today() + timedelta(days=4))


def _to_meeting(keys, server) -> str:
    open_from_menu(keys, "Möten", "/moten/")
    follow(keys, re.compile("^Vägen$"), "/moten/{id}")
    day = _coming_vagen_meeting(keys)
    follow(keys, re.compile(f"^{day}$"), "/moten/mote/{id}")
    return urlsplit(keys.page.url).path


def _titles(keys) -> list[str]:
    return keys.page.locator("ol.agenda > li h3").all_inner_texts()


def test_propose_reorder_publish_and_take_minutes_by_keyboard(server, keys, new_keys):
    log_in_by_keyboard(keys, server, PROPOSER)
    meeting_path = _to_meeting(keys, server)
    keys.fill("Rubrik", TITLE)
    keys.fill("Planerad tid i minuter", "15")
    follow(keys, "Föreslå punkten", meeting_path)
    assert "Punkten är föreslagen." in keys.page.get_by_role("status").first.inner_text()
    assert TITLE in _titles(keys)

    coordinator = new_keys()
    log_in_by_keyboard(coordinator, server, COORDINATOR)
    assert _to_meeting(coordinator, server) == meeting_path
    follow(coordinator, f'Godkänn punkten "{TITLE}"', meeting_path)
    before = _titles(coordinator)
    position = before.index(TITLE)
    follow(coordinator, f"Flytta upp: {TITLE}", meeting_path)
    after = _titles(coordinator)
    assert after.index(TITLE) == position - 1 and after[position] == before[position - 1]
    follow(coordinator, "Publicera dagordningen", meeting_path)
    assert "Dagordningen är publicerad" in coordinator.page.locator("main").inner_text()

    follow(coordinator, re.compile("^Minnesanteckningar$"), meeting_path + "/minnesanteckningar", )
    follow(coordinator, "Skriv minnesanteckningar", meeting_path + "/minnesanteckningar/skriv")
    coordinator.tab_to("Anteckningar", tag="textarea")
    coordinator.type("Alla verksamheter rapporterade.")
    follow(coordinator, "Spara minnesanteckningarna", meeting_path + "/minnesanteckningar")
    assert "Alla verksamheter rapporterade." in coordinator.page.locator("main").inner_text()
    follow(coordinator, "Fastställ minnesanteckningarna", meeting_path + "/minnesanteckningar")
    assert "Fastställda" in coordinator.page.locator("main").inner_text()
    assert heading(coordinator).startswith("Minnesanteckningar")
    at(coordinator, meeting_path + "/minnesanteckningar")
