"""A referral with the keyboard alone: Arbetsförmedlingen sends it from the person page (a mistake first), AMI
opens it (received), accepts it and closes it with an outcome."""
from __future__ import annotations

import re

from tests.e2e.test_keyboard import at, flash, follow, heading, log_in_by_keyboard, open_from_menu

AF = "handlaggare@af-hallsberg.example"
AMI = "ami.handlaggare@lekeberg.example"
#: The person tests/referrals/demo_like.py registers at Arbetsförmedlingen with a consent naming AMI.
PERSON = "Nora Demoqvist"


def test_send_receive_accept_and_close_a_referral_by_keyboard(own_server, new_keys):
    server = own_server
    keys = new_keys()
    log_in_by_keyboard(keys, server, AF)
    open_from_menu(keys, "Deltagare", "/deltagare")
    keys.fill("Sök på namn eller personnummer", "Nora")
    with keys.navigates():
        keys.press("Enter")
    follow(keys, PERSON, "/deltagare/{id}")
    follow(keys, "Skicka remiss", "/remisser/ny")
    assert PERSON in keys.page.locator("main").inner_text()

    keys.choose("Överlämning", "Överlämning")
    keys.select_option("Mottagande organisation", "Lekebergs kommun, AMI")
    keys.check("Utbildning")
    keys.fill("Vilket stöd eller vilken insats ni ber om", "Studievägledning och praktik.")
    keys.tab_to(re.compile("^Skicka$"), tag="button")
    with keys.navigates():
        keys.press("Enter")
    # The mistake is announced and tied to its field; what was typed is still there.
    alert = keys.page.get_by_role("alert").inner_text()
    assert "Skriv varför remissen skickas." in alert
    assert keys.focused()["id"] == "felsammanfattning"
    assert "Studievägledning och praktik." in keys.page.locator("textarea").nth(1).input_value()
    keys.fill(re.compile("^Varför remissen skickas$"), "Vill börja studera men behöver stöd.")
    keys.tab_to(re.compile("^Skicka$"), tag="button")
    with keys.navigates():
        keys.press("Enter")
    at(keys, r"/remisser/\d+")
    assert "är skickad till Lekebergs kommun, AMI" in flash(keys)
    reference = re.search(r"R-\d{6}", heading(keys)).group(0)

    receiver = new_keys()
    log_in_by_keyboard(receiver, server, AMI)
    assert "Remisser att ta emot" in receiver.page.locator("main").inner_text()
    open_from_menu(receiver, "Remisser", "/remisser/")
    follow(receiver, reference, r"/remisser/\d+")
    assert "Mottagen" in receiver.page.locator(".lead").inner_text()
    assert PERSON in receiver.page.locator("main").inner_text()
    follow(receiver, re.compile("^Acceptera$"), r"/remisser/\d+")
    assert "Remissen är accepterad." in flash(receiver)

    receiver.choose(re.compile("Studier|Arbete|Praktik"), "Studier")
    receiver.fill("Anteckning om utfallet", "Börjar på Komvux i januari.")
    follow(receiver, re.compile("^Avsluta$"), r"/remisser/\d+")
    assert "Remissen är avslutad." in flash(receiver)
    assert "Avslutad" in receiver.page.locator(".lead").inner_text()
    timeline = receiver.page.get_by_role("heading", name="Händelser").locator("xpath=following-sibling::ol[1]")
    assert [item.split(" – ")[0] for item in timeline.locator("li").all_inner_texts()] == [
        "Skickad", "Mottagen", "Accepterad", "Avslutad"]
