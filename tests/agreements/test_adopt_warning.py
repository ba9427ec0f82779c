"""Adopting a revision is a serious action: the page says what will happen, to which parties, behind a warning."""
from __future__ import annotations

import lxml.html

from tests.agreements.helpers import url


def test_adopting_restates_the_parties_and_what_is_locked_behind_a_warning_button(client, proposed, login_as):
    login_as(org="kommun", roles=("styrgrupp",))
    page = client.get(url(proposed, 2, "/anta"))
    assert page.status_code == 200
    tree = lxml.html.fromstring(page.get_data(as_text=True))
    warning = " ".join(tree.xpath("//*[contains(@class, 'warning-text')]")[0].text_content().split())
    assert all(party.name in warning for party in proposed.parties) and "kan inte längre ändras" in warning
    button = tree.xpath("//main//form//button[@type='submit']")[0]
    assert "warning" in button.get("class") and button.text_content().strip().startswith("Godkänn för ")
