"""The English catalogue: switching language, complete translations and placeholders kept."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from portal.config import ROOT

TRANSLATIONS = ROOT / "portal" / "translations"
CATALOGUES = sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))
#: Python-format placeholders (%(name)s, %d, %%) as gettext and Jinja's newstyle gettext see them.
PLACEHOLDER = re.compile(r"%(?:\([\w]+\))?[-#0 +]?\d*(?:\.\d+)?[diouxXeEfFgGcrs%]")
#: Names of agencies, which English-speaking staff know by their Swedish names.
PROPER_NAMES = {"Arbetsförmedlingen", "Försäkringskassan"}
#: Entities and tags written inside a msgid must come through the translation unchanged.
MARKUP = re.compile(r"&\w+;|&#\d+;|</?[a-z][^>]*>")


def _read(path: Path):
    with path.open("rb") as fh:
        return read_po(fh)


def _strings(message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple | list) else [message.string]


def _ids(message) -> list[str]:
    return list(message.id) if isinstance(message.id, tuple | list) else [message.id]


@pytest.fixture
def english_app(make_app, tmp_path, wipe):
    """An app reading catalogues compiled here from the committed .po files (.mo files are not committed)."""
    for po in CATALOGUES:
        mo = tmp_path / po.relative_to(TRANSLATIONS).with_suffix(".mo")
        mo.parent.mkdir(parents=True, exist_ok=True)
        with mo.open("wb") as fh:
            write_mo(fh, _read(po))
    app = make_app(BABEL_TRANSLATION_DIRECTORIES=str(tmp_path))
    with app.app_context():
        wipe()
        yield app


@pytest.fixture
def en_client(english_app):
    return english_app.test_client()


def _english(client, next_url: str = "/logga-in"):
    return client.post("/sprak", data={"lang": "en", "next": next_url}, follow_redirects=True)


def test_catalogues_exist_for_swedish_and_english():
    assert {po.parts[-3] for po in CATALOGUES} == {"sv", "en"}
    assert (TRANSLATIONS / "messages.pot").is_file()


def test_every_english_message_is_translated_and_none_is_fuzzy():
    catalogue = _read(TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po")
    messages = [m for m in catalogue if m.id]
    assert len(messages) > 800
    untranslated = [m.id for m in messages if not all(_strings(m))]
    assert untranslated == []
    assert [m.id for m in messages if m.fuzzy] == []
    copies = [m.id for m in messages if _strings(m) == _ids(m) and re.search(r"[åäöÅÄÖ]", _ids(m)[0])
              and m.id not in PROPER_NAMES]
    assert copies == [], "Swedish copied into the English catalogue"


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.parts[-3])
def test_translations_keep_placeholders_and_markup(po):
    for message in _read(po):
        if not message.id:
            continue
        for source, translated in zip(_ids(message) * 2, _strings(message), strict=False):
            if not translated:
                continue  # the Swedish catalogue: an empty msgstr is the msgid itself
            assert sorted(PLACEHOLDER.findall(translated)) == sorted(PLACEHOLDER.findall(source)), message.id
            assert sorted(MARKUP.findall(translated)) == sorted(MARKUP.findall(source)), message.id


def test_swedish_plurals_are_filled_in():
    """An empty plural msgstr is compiled as an empty translation, so the Swedish one must repeat the msgid."""
    catalogue = _read(TRANSLATIONS / "sv" / "LC_MESSAGES" / "messages.po")
    for message in catalogue:
        if message.id and message.pluralizable:
            assert list(message.string) == list(message.id)


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.parts[-3])
def test_every_catalogue_compiles_and_english_has_nothing_untranslated(po, tmp_path):
    pybabel = Path(sys.executable).with_name("pybabel")
    result = subprocess.run([str(pybabel), "compile", "--statistics", "-f", "-i", str(po),
                             "-o", str(tmp_path / "messages.mo"), "-l", po.parts[-3]],
                            capture_output=True, text=True, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0 and "error" not in output.lower(), output
    if po.parts[-3] == "en":
        assert re.search(r"(\d+) of \1 messages \(100%\) translated", output), output


def test_login_page_in_english_and_back(en_client):
    html = _english(en_client).get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Log in with your work account in DUA-portalen." in html
    assert "Password" in html and "Skip to content" in html and "Accessibility statement" in html
    assert "Lösenord" not in html
    assert 'lang="sv">På svenska</button>' in html

    html = en_client.post("/sprak", data={"lang": "sv", "next": "/logga-in"},
                          follow_redirects=True).get_data(as_text=True)
    assert '<html lang="sv">' in html
    assert "Logga in med ditt arbetskonto" in html and "Lösenord" in html


def test_login_validation_error_in_english(en_client):
    _english(en_client)
    response = en_client.post("/logga-in", data={"email": "", "password": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter your email address." in html and "Enter your password." in html
    assert "The form contains errors" in html


def test_start_page_for_a_logged_in_user_in_english(en_client, make_user, login):
    user = make_user(org="ami", roles=("handlaggare",), name="Karin Test")
    _english(en_client)
    html = login(user, client=en_client).get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Welcome, Karin Test!" in html
    assert "You are logged in as Karin Test" in html
    assert "Caseworker" in html and "Participants" in html and "Log out" in html
    assert "Välkommen" not in html


def test_language_chosen_when_logged_in_follows_the_account(english_app, en_client, make_user, login):
    user = make_user()
    login(user, client=en_client)
    html = _english(en_client, "/").get_data(as_text=True)
    assert "You are logged in as" in html
    en_client.post("/logga-ut")
    fresh = english_app.test_client()
    html = login(user, client=fresh).get_data(as_text=True)
    assert '<html lang="en">' in html and "You are logged in as" in html


def test_form_validation_error_in_english_for_a_logged_in_user(en_client, make_user, login):
    login(make_user(), client=en_client)
    _english(en_client, "/konto/losenord")
    response = en_client.post("/konto/losenord", data={"current": "", "new": "", "repeat": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter your current password." in html and "Enter a new password." in html
    assert "Ange ditt nuvarande lösenord." not in html


def test_error_page_in_english(en_client):
    _english(en_client)
    response = en_client.get("/finns-inte")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert '<html lang="en">' in html
    assert "Page not found" in html and "does not exist or has been moved" in html


def test_error_page_in_swedish_again_after_switching_back(en_client):
    _english(en_client)
    en_client.post("/sprak", data={"lang": "sv"})
    html = en_client.get("/finns-inte").get_data(as_text=True)
    assert '<html lang="sv">' in html and "Sidan finns inte" in html


def test_jinja_trans_blocks_are_extracted_and_rendered(english_app):
    """No template uses {% trans %} yet; the extractor and the environment are ready for one that does."""
    import io

    from babel.messages.extract import extract
    from flask import render_template_string

    source = b"{% trans n=2 %}Du har {{ n }} meddelanden.{% endtrans %} {{ _('Logga ut') }}"
    found = [message for _line, message, _comments, _context in extract("jinja2", io.BytesIO(source))]
    assert found == ["Du har %(n)s meddelanden.", "Logga ut"]
    with english_app.test_request_context():
        from flask import session

        session["lang"] = "en"
        assert render_template_string("{% trans %}Logga ut{% endtrans %}") == "Log out"


def test_every_message_in_the_code_has_an_english_translation(tmp_path):
    """Text added to the code without `make messages` and a translation would show Swedish in English mode."""
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", str(ROOT / "babel.cfg"),
                    "-k", "_l", "-k", "lazy_gettext", "-k", "lazy_ngettext:1,2", "--no-location", "-o", str(pot),
                    str(ROOT)], check=True, capture_output=True, cwd=ROOT)
    in_code = {m.id if isinstance(m.id, str) else m.id[0] for m in _read(pot) if m.id}
    english = {m.id if isinstance(m.id, str) else m.id[0]: m for m in _read(TRANSLATIONS / "en" / "LC_MESSAGES"
                                                                       / "messages.po") if m.id}
    missing = sorted(i for i in in_code if i not in english or not _strings(english[i])[0])
    assert not missing, f"run `make messages` and translate in en/messages.po: {missing[:10]}"
