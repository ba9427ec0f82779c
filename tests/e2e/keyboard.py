"""Keyboard-only driving of a page for the journeys: every focus stop is checked for a visible focus indicator."""
from __future__ import annotations

import re
from contextlib import contextmanager

from playwright.sync_api import Page


class FocusLost(AssertionError):
    """Raised when focus is not where a keyboard user would expect it, or cannot be seen."""


def _matches(state: dict, name: str | re.Pattern, tag: str | None = None) -> bool:
    """Whether the focus `state` is a control whose accessible name matches `name` (and whose element is `tag`)."""
    found = state.get("name", "")  # the page itself (body) has none
    named = name.search(found) if isinstance(name, re.Pattern) else name in found
    return bool(named) and (tag is None or state.get("tag") == tag)


class Keys:
    """Tab, Shift+Tab, Enter, Space, arrow keys and typing; no mouse, no clicks, no element handles.

    Reading the page (text, the TOTP secret, URLs) is fine: a sighted keyboard user reads it too.
    Every stop reached with Tab or Shift+Tab must show a focus indicator, or the journey fails there.
    """

    def __init__(self, page: Page, tab_limit: int = 60):
        self.page = page
        self.tab_limit = tab_limit
        self.stops = 0  # focus stops checked, for the summary

    def focused(self) -> dict:
        return self.page.evaluate("__a11y.focus()")

    def _check_visible(self) -> dict:
        state = self.focused()
        self.stops += 1
        if state["where"] != "body" and not state["visible"] and state.get("id") != "innehall":
            raise FocusLost(f"fokus syns inte på {state['where']} ({self.page.url})")
        return state

    def tab(self, backwards: bool = False) -> dict:
        self.page.keyboard.press("Shift+Tab" if backwards else "Tab")
        return self._check_visible()

    def tab_to(self, name: str | re.Pattern, *, backwards: bool = False, tag: str | None = None) -> dict:
        """Tab (or Shift+Tab) until the focused control's accessible name matches `name` (substring or regex)."""
        seen = []
        for _ in range(self.tab_limit):
            state = self.tab(backwards)
            if _matches(state, name, tag):
                return state
            seen.append(state["where"])
        raise FocusLost(f"nådde aldrig {name!r} med {'Shift+Tab' if backwards else 'Tab'}; stopp: {seen}")

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)

    def press(self, key: str) -> dict | None:
        """Enter, Space, arrow keys …; after an arrow key (a radio group, a select) focus must still be visible.
        Enter and Space may start a navigation, so nothing is read from the page after them."""
        self.page.keyboard.press(key)
        return self._check_visible() if key.startswith("Arrow") else None

    @contextmanager
    def navigates(self, url_glob: str | None = None):
        """Wrap a key press that submits a form or follows a link; waits for the new page to load."""
        with self.page.expect_navigation(url=url_glob) if url_glob else self.page.expect_navigation():
            yield
        self.page.wait_for_load_state("load")

    def skip_to_content(self) -> None:
        """From the top of a freshly loaded page: the first Tab is the skip link and Enter moves focus to main."""
        state = self.tab()
        if not state.get("skip") or state["name"] != "Hoppa till innehåll":
            raise FocusLost(f"första tabbstoppet är {state['where']}, inte Hoppa till innehåll")
        self.page.keyboard.press("Enter")
        if self.focused().get("id") != "innehall":
            raise FocusLost(f"Hoppa till innehåll flyttade fokus till {self.focused()['where']}")

    def fill(self, label: str, text: str, *, backwards: bool = False) -> None:
        """Tab to the field labelled `label`, select what is there (keyboard) and type `text`."""
        self.tab_to(label, backwards=backwards)
        self.page.keyboard.press("Control+A")
        self.page.keyboard.press("Delete")
        self.type(text)

    def check(self, label: str | re.Pattern, *, backwards: bool = False) -> None:
        """Tab to the check box labelled `label` (unless it has focus already) and tick it with Space."""
        state = self.focused()
        if not _matches(state, label, "input"):
            state = self.tab_to(label, backwards=backwards, tag="input")
        if state["type"] != "checkbox":
            raise FocusLost(f"{state['where']} är ingen kryssruta")
        if not state["checked"]:
            self.page.keyboard.press("Space")
        if not self.focused()["checked"]:
            raise FocusLost(f"Mellanslag kryssade inte i {state['where']}")

    def choose(self, group_first: str | re.Pattern, option: str | re.Pattern, *, key: str = "ArrowDown") -> dict:
        """Tab into a radio group (focus lands on its chosen option, whose name matches `group_first` or any
        option), then arrow keys until `option` is chosen; arrow keys both move and choose in a radio group."""
        state = self.tab_to(group_first, tag="input")
        if state["type"] != "radio":
            raise FocusLost(f"{state['where']} är ingen alternativknapp")
        for _ in range(12):
            if _matches(state, option) and state["checked"]:
                return state
            state = self.press(key)
        raise FocusLost(f"pilknapparna nådde aldrig alternativet {option!r}")

    def select_option(self, label: str | re.Pattern, option: str, *, key: str = "ArrowDown") -> dict:
        """Tab to the list box (select) labelled `label`, type the start of `option` (type-ahead, as with a long list
        of municipalities) and step with arrow keys until `option` is shown."""
        state = self.tab_to(label, tag="select")
        shown = "(() => { const s = document.activeElement; return s.options[s.selectedIndex]?.text || ''; })()"
        self.type(option)
        for _ in range(30):
            if option in self.page.evaluate(shown):
                return state
            state = self.press(key)
        raise FocusLost(f"nådde aldrig {option!r} i {label!r} (visar {self.page.evaluate(shown)!r})")
