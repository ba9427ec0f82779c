"""Journeys with the keyboard alone: log in and out, two-factor login, a person and a consent, an agreement."""
from __future__ import annotations

import re
import time
from datetime import date, timedelta
from urllib.parse import urlsplit

import pyotp
from docx import Document
from stdnum import luhn

from agreements.demo import TITLE as AGREEMENT_TITLE
from portal.demo import DEMO_PASSWORD, USERS
from tests.e2e.keyboard import Keys

#: Users no crawl logs in as, so that logging out or turning on a second factor disturbs nothing else.
LOGIN_USER = "admin@lekebergsskolan.example"
TOTP_USER = "ifo.handlaggare@lekeberg.example"


def _name_of(email: str) -> str:
    return next(name for address, name, _org, _roles in USERS if address == email)


def log_in_by_keyboard(keys: Keys, server: str, email: str, password: str = DEMO_PASSWORD) -> None:
    """From any page while logged out: to the login form, fill it and press Enter."""
    page = keys.page
    page.goto(server + "/logga-in")
    keys.skip_to_content()
    keys.fill("E-postadress", email)
    keys.fill("Lösenord", password)
    with keys.navigates():
        keys.press("Enter")


def log_out_by_keyboard(keys: Keys, key: str = "Enter") -> None:
    keys.tab_to("Logga ut", tag="button", backwards=True)  # Shift+Tab up through the menu to the header
    with keys.navigates("**/logga-in"):
        keys.press(key)
    assert "Du är utloggad." in keys.page.get_by_role("status").inner_text()


def heading(keys: Keys) -> str:
    return keys.page.get_by_role("heading", level=1).inner_text()


def assert_error_tied_to_focused_field(keys: Keys, message: str) -> None:
    """The field that has focus is marked invalid and its aria-describedby names an element saying `message`."""
    described = keys.page.evaluate("""() => {
      const el = document.activeElement;
      return {invalid: el.getAttribute('aria-invalid'),
              texts: (el.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean)
                .map(id => (document.getElementById(id) || {}).textContent || '')};
    }""")
    assert described["invalid"] == "true", described
    assert any(message in text for text in described["texts"]), described


def at(keys: Keys, path: str) -> None:
    """The page loaded is `path` (a regex, `{id}` for an id or a ref); if not, say what the page reports."""
    actual = urlsplit(keys.page.url).path
    if not re.fullmatch(path.replace("{id}", r"[\w-]+"), actual):
        alerts = keys.page.get_by_role("alert").all_inner_texts()
        raise AssertionError(f"kom till {actual}, inte {path}; sidan säger: {alerts}")


def open_from_menu(keys: Keys, label: str, path: str) -> None:
    keys.tab_to(re.compile(f"^{re.escape(label)}$"), tag="a")
    with keys.navigates():
        keys.press("Enter")
    at(keys, path)


def follow(keys: Keys, name: str | re.Pattern, path: str, *, key: str = "Enter") -> None:
    """Tab to a link or button and press Enter (or Space) on it: the page `path` loads."""
    keys.tab_to(name)
    with keys.navigates():
        keys.press(key)
    at(keys, path)


def flash(keys: Keys) -> str:
    return keys.page.locator(".flashes").inner_text()


def test_login_with_a_mistake_and_logout_by_keyboard(server, keys):
    page = keys.page
    page.goto(server + "/")
    assert "/logga-in" in page.url
    keys.skip_to_content()
    keys.fill("E-postadress", LOGIN_USER)
    keys.fill("Lösenord", "inte-rätt-lösenord")
    state = keys.tab(backwards=True)  # Shift+Tab: back to the e-mail field, still filled in
    assert state["name"] == "E-postadress" and state["value"] == LOGIN_USER
    keys.tab()
    with keys.navigates():
        keys.press("Enter")

    # The mistake is announced: the summary is an alert and has focus; what was typed is kept.
    assert "Fel e-postadress eller lösenord" in page.get_by_role("alert").inner_text()
    assert keys.focused()["id"] == "felsammanfattning"
    assert keys.tab_to("E-postadress")["value"] == LOGIN_USER
    keys.fill("Lösenord", DEMO_PASSWORD)
    with keys.navigates():
        keys.press("Enter")
    assert page.url == server + "/"
    assert heading(keys) == "Att göra"
    assert f"Välkommen, {_name_of(LOGIN_USER)}!" in page.get_by_role("status").inner_text()

    log_out_by_keyboard(keys, key="Space")


def test_two_factor_enrolment_and_login_with_code_by_keyboard(server, keys):
    page = keys.page
    log_in_by_keyboard(keys, server, TOTP_USER)
    assert heading(keys) == "Att göra"

    keys.tab_to("Mitt konto")
    with keys.navigates("**/konto"):
        keys.press("Enter")
    keys.tab_to("Slå på tvåfaktorsinloggning")
    with keys.navigates("**/konto/tvafaktor"):
        keys.press("Enter")
    secret = page.locator("code.secret").inner_text().strip()  # the key shown for typing into the app
    totp = pyotp.TOTP(secret)

    # First press Enter in the empty field: the error is announced, linked from the summary and tied to the field.
    keys.skip_to_content()
    keys.tab_to("Kod från appen", tag="input")
    with keys.navigates():
        keys.press("Enter")
    assert "Ange koden som appen visar." in page.get_by_role("alert").inner_text()
    assert keys.focused()["id"] == "felsammanfattning"
    keys.tab_to("Kod från appen", tag="a")  # the summary's link to the field
    keys.press("Enter")
    assert keys.focused()["id"] == "code"
    assert_error_tied_to_focused_field(keys, "Ange koden som appen visar.")

    keys.type(totp.now())
    with keys.navigates():
        keys.press("Enter")
    assert heading(keys) == "Dina reservkoder"
    keys.tab_to("Jag har sparat koderna")
    with keys.navigates("**/konto"):
        keys.press("Enter")
    assert "På" in page.locator("dl.facts").inner_text()
    log_out_by_keyboard(keys)

    log_in_by_keyboard(keys, server, TOTP_USER)
    assert page.url.endswith("/logga-in/kod")
    keys.skip_to_content()
    keys.tab_to("Kod", tag="input")
    keys.type(totp.at(time.time() + 30))  # the next time step: the one used for enrolment cannot be reused
    with keys.navigates():
        keys.press("Enter")
    assert page.url == server + "/"
    assert heading(keys) == "Att göra"
    log_out_by_keyboard(keys)


# --- People and consent (issue 4) -------------------------------------------------------------------------

#: A caseworker at AMI (a kommun unit) whom no crawl uses, and Arbetsförmedlingen's caseworker who is covered by the
#: consent until it is withdrawn (the crawl uses that account too, but never logs out, and neither does this journey).
CASEWORKER = "ami.handlaggare@lekeberg.example"
AF_CASEWORKER = "handlaggare@af-hallsberg.example"
AF_NAME = "Arbetsförmedlingen Hallsberg"


def _personnummer(birth: date, serial: str) -> str:
    """A made-up personnummer that passes the Luhn check (the last digit is the check digit)."""
    return f"{birth:%Y%m%d}-{serial}{luhn.calc_check_digit(birth.strftime('%y%m%d') + serial)}"


def test_register_person_give_and_withdraw_consent_by_keyboard(server, keys, new_keys):
    """Log in as a caseworker → register a person → register a consent, first without an organisation (errors
    announced, tied to the field, nothing lost), choosing with Space and the arrow keys → Arbetsförmedlingen sees the
    person → withdraw the consent with a reason → the person page shows it withdrawn, and Arbetsförmedlingen sees
    only the pseudonym and why."""
    started = time.monotonic()
    page = keys.page
    first, last = "Alva", "Tangentsson"
    born = date.today() - timedelta(days=22 * 365 + 100)  # an adult of 22, in the DUA target group
    number = _personnummer(born, "482")
    log_in_by_keyboard(keys, server, CASEWORKER)

    # Register the person.
    open_from_menu(keys, "Deltagare", "/deltagare")
    follow(keys, "Registrera deltagare", "/deltagare/ny")
    keys.skip_to_content()
    keys.fill("Förnamn", first)
    keys.fill("Efternamn", last)
    keys.fill("Personnummer eller samordningsnummer", number)
    keys.select_option("Hemkommun", "Lekeberg")
    follow(keys, re.compile("^Registrera$"), "/deltagare/{id}")
    person_url = page.url
    assert heading(keys) == f"{first} {last}"
    assert "Deltagaren är registrerad för din organisation." in flash(keys)
    assert number in page.locator("main").inner_text()

    # The consent, first without an organisation.
    follow(keys, re.compile("^Samtycken$"), "/deltagare/{id}/samtycken")
    follow(keys, "Registrera samtycke", "/deltagare/{id}/samtycken/nytt")
    keys.skip_to_content()
    keys.check("Samordning av insatser")
    keys.fill("Annat syfte", "Planering inför sommarjobb")
    keys.check("Kontaktuppgifter")
    keys.check("Sysselsättning och arbete")
    keys.choose("blankett", "Digitalt samtycke")
    follow(keys, "Registrera samtycket", "/deltagare/{id}/samtycken/nytt")

    errors = page.get_by_role("alert").get_by_role("listitem").all_inner_texts()
    assert len(errors) == 1 and "Välj minst en organisation" in errors[0], errors
    assert keys.focused()["id"] == "felsammanfattning"
    # The summary links to the group; its error is tied to the group with aria-describedby.
    keys.tab_to("Organisationer som får utbyta uppgifter", tag="a")
    keys.press("Enter")
    assert keys.focused()["name"] == AF_NAME  # the group's first option
    tied = page.evaluate("""() => {
      const group = document.activeElement.closest('fieldset');
      return (group.getAttribute('aria-describedby') || '').split(/\\s+/)
        .map(id => (document.getElementById(id) || {}).textContent || '').join(' ');
    }""")
    assert "Välj minst en organisation" in tied
    # What was chosen and typed is kept.
    kept = page.evaluate("""() => ({
      checked: [...document.querySelectorAll('input[type=checkbox]:checked')].map(i => i.labels[0].textContent.trim()),
      other: document.getElementById('purpose_other').value,
      method: document.querySelector('input[name=method]:checked').labels[0].textContent.trim()})""")
    assert {"Samordning av insatser", "Kontaktuppgifter", "Sysselsättning och arbete"} <= set(kept["checked"])
    assert kept["other"] == "Planering inför sommarjobb" and kept["method"] == "Digitalt samtycke"

    keys.check(AF_NAME)
    follow(keys, "Registrera samtycket", "/deltagare/{id}/samtycken")
    assert "Samtycket är registrerat." in flash(keys)
    consent = page.locator("section.consent").first
    assert "Gäller" in consent.locator("h3 .tag").inner_text() and AF_NAME in consent.inner_text()

    # Arbetsförmedlingen, covered by the consent, finds the person (its own browser, its own login).
    af = new_keys()
    log_in_by_keyboard(af, server, AF_CASEWORKER)
    open_from_menu(af, "Deltagare", "/deltagare")
    af.fill("Sök på namn eller personnummer", last)
    with af.navigates():
        af.press("Enter")
    follow(af, f"{first} {last}", urlsplit(person_url).path)
    assert heading(af) == f"{first} {last}"

    # The caseworker withdraws the consent, with a reason.
    follow(keys, "Återkalla", "/deltagare/{id}/samtycken/{id}/aterkalla")
    keys.skip_to_content()
    keys.fill("Skäl till återkallelsen", "Alva vill inte längre att uppgifter delas.")
    follow(keys, "Återkalla samtycket", "/deltagare/{id}/samtycken")
    assert "Samtycket är återkallat" in flash(keys)
    consent = page.locator("section.consent").first
    assert consent.locator("h3 .tag").inner_text() == "Återkallat"
    assert "Alva vill inte längre att uppgifter delas." in consent.inner_text()
    follow(keys, "Tillbaka till deltagaren", urlsplit(person_url).path)
    glance = page.locator("table.consent-glance tbody tr", has=page.locator("th", has_text=AF_NAME))
    assert glance.locator("td").first.inner_text().strip() == "Nej" and "Återkallat" in glance.inner_text()

    # At once, Arbetsförmedlingen sees only the pseudonym and why; neither the name nor the number.
    af.page.reload()
    assert re.fullmatch(r"Deltagare \S+", heading(af)), heading(af)
    assert f"Samtycket för {AF_NAME} har återkallats." in af.page.locator("main").inner_text()
    body = af.page.content()
    assert first not in body and last not in body and number not in body and number.replace("-", "") not in body
    assert time.monotonic() - started < 30


# --- Agreements (issue 5) ---------------------------------------------------------------------------------------


#: A steering-group member of Arbetsförmedlingen (a party): reads the adopted revision and the draft; no crawl uses it.
STEERING = "styrgrupp@af-hallsberg.example"
GOAL = "Arbetslöshet bland utrikes födda i Lekebergs kommun"


def test_open_agreement_compare_revisions_goal_chart_and_docx_by_keyboard(server, keys, tmp_path):
    """Log in as a steering-group member → open the agreement from the menu → compare revision 1 with revision 2,
    chosen in the compare form → open a goal's chart (an image with a name; its figures also in a table) → download
    the .docx of revision 2 with Enter and read it with python-docx."""
    started = time.monotonic()
    page = keys.page
    log_in_by_keyboard(keys, server, STEERING)
    open_from_menu(keys, "Överenskommelser", "/overenskommelser/")
    follow(keys, AGREEMENT_TITLE, "/overenskommelser/{id}")
    agreement_path = urlsplit(page.url).path
    assert heading(keys) == AGREEMENT_TITLE

    # Compare: the form's two list boxes, then the button.
    follow(keys, "Jämför revisioner", "/overenskommelser/{id}/jamfor")
    keys.skip_to_content()
    keys.select_option("Från revision", "Revision 1")
    keys.select_option("Till revision", "Revision 2")
    follow(keys, re.compile("^Jämför$"), "/overenskommelser/{id}/jamfor")
    assert "fran=1" in page.url and "till=2" in page.url
    assert heading(keys) == "Jämför revision 1 med revision 2"
    assert page.locator("main ul").first.locator("li").count() >= 1  # the change summary
    sections = page.locator("section.diff h3").all_inner_texts()
    assert any(title.startswith("Syfte") for title in sections), sections

    # A goal's chart: an image with an accessible name, and the same figures in a table.
    follow(keys, "Tillbaka till överenskommelsen", agreement_path)
    follow(keys, GOAL, agreement_path + "/mal/{id}")
    chart = page.get_by_role("img", name=f"Utveckling: {GOAL}")
    assert chart.count() == 1
    described = page.evaluate("""() => {
      const svg = document.querySelector('svg[role=img]');
      return svg.getAttribute('aria-labelledby').split(/\\s+/).map(id => document.getElementById(id).textContent)
        .join(' ');
    }""")
    table = page.get_by_role("table", name="Mätvärden")
    values = table.locator("tbody tr td:nth-child(2)").all_inner_texts()
    assert values and all(value in described for value in values), (values, described)

    # The document of revision 2 (the draft), downloaded with Enter.
    follow(keys, "Tillbaka till överenskommelsen", agreement_path)
    keys.tab_to(re.compile(r"Word \(\.docx\) revision 2"), tag="a")
    with page.expect_download() as download_info:
        keys.press("Enter")
    download = download_info.value
    assert download.suggested_filename.endswith(".docx")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    document = Document(str(saved))
    assert document.core_properties.title == AGREEMENT_TITLE
    paragraphs = [(p.style.name, p.text) for p in document.paragraphs]
    assert ("Title", AGREEMENT_TITLE) in paragraphs
    assert ("Heading 1", "Syfte") in paragraphs
    assert time.monotonic() - started < 30
