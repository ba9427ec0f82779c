"""The shape of the house: every area has the same files, `portal/` never imports an area, and every audit action
an area writes has words on the audit page in Swedish and English."""
from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from portal import DOMAIN_PACKAGES, audit
from portal.config import ROOT

#: What each area holds (docs/architecture.md, "How to add an area").
AREA_FILES = ("__init__.py", "models.py", "forms.py", "views.py", "operations.py", "rules.py")
#: Areas that are planned but may not exist yet; portal/ must never import them either.
KNOWN_AREAS = {"agreements", "referrals", "meetings", "kaa"}
#: The writers of audit events; their first argument is the action.
AUDIT_WRITERS = {"record", "record_independent", "record_reads", "_append", "_append_entries"}


def _python_files(folder: Path):
    return sorted(p for p in folder.rglob("*.py") if "translations" not in p.parts)


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) \
                == "import_module" and node.args and isinstance(node.args[0], ast.Constant):
            names.add(str(node.args[0].value))
    return names


def _audit_actions(folder: Path) -> dict[str, str]:
    """Every literal action string passed to an audit writer under `folder` → where it is written."""
    found: dict[str, str] = {}
    for path in _python_files(folder):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name not in AUDIT_WRITERS:
                continue
            first = node.args[0]
            values = [first] if isinstance(first, ast.Constant) else \
                [first.body, first.orelse] if isinstance(first, ast.IfExp) else []
            for value in values:
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    found.setdefault(value.value, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


@pytest.mark.parametrize("area", DOMAIN_PACKAGES)
def test_every_area_has_the_same_files_templates_and_tests(area):
    folder = ROOT / area
    missing = [name for name in AREA_FILES if not (folder / name).is_file()]
    assert not missing, f"{area}/ lacks {missing} (see docs/architecture.md)"
    assert (ROOT / "templates" / area).is_dir(), f"templates/{area}/ is missing"
    assert list((ROOT / "tests" / area).glob("test_*.py")), f"tests/{area}/ has no tests"
    module = importlib.import_module(area)
    assert callable(getattr(module, "init_app", None)), f"{area}.init_app(app) is the area's whole contract"


def test_portal_imports_no_area():
    areas = KNOWN_AREAS | set(DOMAIN_PACKAGES)
    offenders = []
    for path in _python_files(ROOT / "portal"):
        for module in _imported_modules(path):
            if module.split(".")[0] in areas:
                offenders.append(f"{path.relative_to(ROOT)} imports {module}")
    assert not offenders, offenders


def test_areas_import_one_way():
    """agreements → referrals → meetings / kaa: a lower area never imports a higher one (DESIGN.md)."""
    order = ["agreements", "referrals", "meetings", "kaa"]
    above = {area: set(order[order.index(area) + 1:]) for area in order}
    above["meetings"].discard("kaa")
    offenders = []
    for area in DOMAIN_PACKAGES:
        for path in _python_files(ROOT / area):
            for module in _imported_modules(path):
                if module.split(".")[0] in above.get(area, set()):
                    offenders.append(f"{path.relative_to(ROOT)} imports {module}")
    assert not offenders, offenders


def test_no_module_grows_past_four_hundred_lines():
    """A rule must be quick to find; data lists (the demo's agreement text) are the exception."""
    exceptions = {"demo_text.py"}
    long = []
    for folder in ("portal", *DOMAIN_PACKAGES):
        for path in _python_files(ROOT / folder):
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > 420 and path.name not in exceptions:
                long.append(f"{path.relative_to(ROOT)}: {lines}")
    assert not long, long


def _english_catalogue() -> dict[str, str]:
    with (ROOT / "portal" / "translations" / "en" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return {m.id: m.string for m in read_po(fh) if m.id and isinstance(m.id, str)}


def _msgid(label) -> str:
    # A label is a lazy_gettext string; its first argument is the Swedish msgid.
    args = getattr(label, "_args", None)
    return args[0] if args else str(label)


@pytest.mark.parametrize("folder", ["portal", *DOMAIN_PACKAGES])
def test_every_audit_action_has_swedish_and_english_words(app, folder):
    """The audit page names actions in words. `app` has run every init_app, which registers the labels."""
    actions = _audit_actions(ROOT / folder)
    assert actions, f"no audit actions found under {folder}/"
    unlabelled = {a: where for a, where in actions.items() if a not in audit.ACTION_LABELS}
    assert not unlabelled, f"register_action_labels in {folder}'s init_app for: {unlabelled}"
    english = _english_catalogue()
    untranslated = [a for a in actions if not english.get(_msgid(audit.ACTION_LABELS[a]))]
    assert not untranslated, f"translate in en/messages.po: {untranslated}"


def test_audit_page_shows_words_not_keys(client, login_as):
    login_as(org="kommun", roles=("org_admin",))
    client.get("/admin/granskningslogg")  # the search is recorded after its page is built: the next one shows it
    html = client.get("/admin/granskningslogg").get_data(as_text=True)
    assert "Sökning i granskningsloggen" in html
    assert re.search(r"Inloggning\b", html)
