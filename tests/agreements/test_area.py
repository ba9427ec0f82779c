"""The area's contract with the portal: init_app registers pages, menu, demo data and the audit page's words;
every action the area records has words; the area's modules stay small enough to find a rule in."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

import agreements
from portal import audit
from portal.demo import SEEDERS
from portal.templating import NAVIGATION

AREA = Path(agreements.__file__).parent
#: audit.record("agreement.something", ...) anywhere in the area.
RECORDED = re.compile(r"""audit\.record\(\s*["']([\w.]+)["']""")


def _recorded_actions() -> set[str]:
    return {action for path in AREA.glob("*.py") for action in RECORDED.findall(path.read_text(encoding="utf-8"))}


def test_every_action_the_area_records_has_words_on_the_audit_page(app):
    recorded = _recorded_actions()
    assert len(recorded) >= 18
    assert recorded <= set(agreements.ACTION_LABELS), recorded - set(agreements.ACTION_LABELS)
    assert set(agreements.ACTION_LABELS) <= recorded, "a label for an action nothing records"
    for action in recorded:
        assert audit.action_label(action) == str(agreements.ACTION_LABELS[action]) != action


def test_init_app_registers_pages_menu_and_demo_data(app):
    assert "agreements" in app.blueprints
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    # views, draft_views and goal_views all hang on the one blueprint
    assert {"agreements.revision", "agreements.edit", "agreements.goal"} <= endpoints
    assert any(item[0] == "agreements.index" and item[2] == "agreement.read" for item in NAVIGATION)
    from agreements import demo

    assert demo.seed in SEEDERS


def test_the_audit_page_names_agreement_actions_in_words(lekeberg, client, login_as):
    login_as(org="kommun", roles=("system_admin",))
    page = client.get("/admin/granskningslogg?action=agreement.revision.adopt").get_data(as_text=True)
    assert "Revision av överenskommelse antagen" in page


@pytest.mark.parametrize("path", sorted(AREA.glob("*.py")), ids=lambda p: p.name)
def test_no_module_of_the_area_is_too_big_to_find_a_rule_in(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 400, f"{path.name} has {len(lines)} lines"
    assert lines[0].startswith('"""'), f"{path.name} starts without a docstring saying what lives there"
