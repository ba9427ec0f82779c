"""Language: Swedish by default, English on request (Flask-Babel), and Swedish date formats."""
from __future__ import annotations

from flask import current_app, has_request_context, request, session
from flask_babel import Babel

from portal.config import ROOT

babel = Babel()


def select_locale() -> str:
    if has_request_context() and request.path.startswith("/api/"):
        # Another system has no session: it asks for English with Accept-Language, else it gets Swedish.
        best = request.accept_languages.best_match(current_app.config["LANGUAGES"])
        return best or current_app.config["BABEL_DEFAULT_LOCALE"]
    lang = session.get("lang") if has_request_context() else None
    if lang in current_app.config["LANGUAGES"]:
        return lang
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(ROOT / "portal" / "translations"))
    babel.init_app(app, locale_selector=select_locale)
