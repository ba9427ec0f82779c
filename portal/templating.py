"""What every template gets: permission checks, the navigation for the user's roles, date filters; the start
page's worklist cards ("Att göra") that each area registers."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from flask import request, url_for
from flask_babel import format_date, format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.forms import ButtonForm
from portal.permissions import has, permissions_of

#: Main navigation: (endpoint, label, permission or None for any logged-in user, what it is for).
#: Each area adds its entries with add_nav().
NAVIGATION: list[tuple[str, object, str | None, object]] = [
    ("main.index", _l("Start"), None, ""),
]


#: Record rules some menu entries add to their permission (endpoint → (user) -> bool): KAA is for a kommun's staff.
NAV_RULES: dict = {}


def add_nav(endpoint: str, label, permission: str | None, description="", *, shown_to=None) -> None:
    """A menu entry for whoever holds `permission` (and, with `shown_to`, whom that rule of the area lets in: a menu
    never leads to a 403 page)."""
    if all(item[0] != endpoint for item in NAVIGATION):
        NAVIGATION.append((endpoint, label, permission, description))
    if shown_to is not None:
        NAV_RULES[endpoint] = shown_to


#: Links on the person page that areas add (portal/ imports no area): (endpoint, label, permission, query argument
#: that carries the person's ref). Shown to an organisation that holds the person.
PERSON_ACTIONS: list[tuple[str, object, str, str]] = []


def add_person_action(endpoint: str, label, permission: str, *, arg: str = "deltagare") -> None:
    """An area's link on the person page, e.g. referrals' "Skicka remiss" (to `endpoint` with ?arg=<ref>)."""
    if all(item[0] != endpoint for item in PERSON_ACTIONS):
        PERSON_ACTIONS.append((endpoint, label, permission, arg))


def person_actions_for(ref: str) -> list[dict]:
    """The area links the person page shows the logged-in user for the person with this ref."""
    return [{"url": url_for(endpoint, **{arg: ref}), "label": label}
            for endpoint, label, permission, arg in PERSON_ACTIONS if has(current_user, permission)]


def nav_for_user():
    if not current_user.is_authenticated:
        return []
    granted = permissions_of(current_user)
    items = []
    for endpoint, label, permission, description in NAVIGATION:
        if (permission is None or permission in granted) and NAV_RULES.get(endpoint, bool)(current_user):
            items.append({"endpoint": endpoint, "url": url_for(endpoint), "label": label, "text": description,
                          "current": _is_current(endpoint)})
    return items


def _is_current(endpoint: str) -> bool:
    """The menu entry for this page: the same endpoint, one named after it (admin.users → admin.users_edit),
    or the only entry of the page's blueprint (several entries of one blueprint must not all be current)."""
    here = request.endpoint or ""
    if here == endpoint or here.startswith(endpoint + "_"):
        return True
    blueprint = endpoint.split(".")[0]
    siblings = [item for item in NAVIGATION if item[0].split(".")[0] == blueprint]
    return here.split(".")[0] == blueprint != "main" and len(siblings) == 1


@dataclass(frozen=True)
class StartCard:
    """One kind of work on the start page ("Att göra"), e.g. consents that expire within 30 days.

    `count(user)` answers with ONE SQL statement (a COUNT; never rows loaded to be counted) how many matters wait
    for the user now; `text(n)` says it in a sentence (use ngettext); `endpoint` (+ `url_args`) is the page that
    lists them. A card is shown to users holding `permission` (None: everyone logged in) and only while its count
    is above zero; with nothing to do anywhere the page says so. Never a young person's name on a card.
    """

    key: str
    title: object
    permission: str | None
    count: Callable[[object], int]
    text: Callable[[int], str]
    endpoint: str
    url_args: tuple[tuple[str, str], ...] = ()
    #: Lower comes first: what is most urgent or most often there.
    order: int = 100


#: The start page's cards; areas add theirs with add_start_card() in their init_app.
START_CARDS: list[StartCard] = []


def add_start_card(card: StartCard) -> None:
    """Register a worklist card (once per key; an app built again in the same process does not add it twice)."""
    if all(existing.key != card.key for existing in START_CARDS):
        START_CARDS.append(card)
        START_CARDS.sort(key=lambda c: (c.order, c.key))


def worklist_for_user() -> list[dict]:
    """The start page's cards for the logged-in user that have something waiting: one statement per card the
    user's permissions reach, whatever the number of matters."""
    if not current_user.is_authenticated:
        return []
    granted = permissions_of(current_user)
    cards = []
    for card in START_CARDS:
        if card.permission is not None and card.permission not in granted:
            continue
        count = int(card.count(current_user) or 0)
        if count:
            cards.append({"key": card.key, "title": card.title, "count": count, "text": card.text(count),
                          "url": url_for(card.endpoint, **dict(card.url_args))})
    return cards


def swedish_date(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, datetime):
        return format_datetime(value, "yyyy-MM-dd HH:mm")
    if isinstance(value, date):
        return format_date(value, "yyyy-MM-dd")
    return str(value)


def init_app(app) -> None:
    app.jinja_env.filters["datum"] = swedish_date
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def inject():
        return {
            "can": lambda permission: has(current_user, permission),
            "navigation": nav_for_user(),
            # A page's buttons only need a CSRF token: never reading the request body keeps the error pages
            # working when that body is the problem (413: too large to read).
            "button_form": lambda: ButtonForm(formdata=None),
            "get_locale": get_locale,
            "person_actions": person_actions_for,
        }
