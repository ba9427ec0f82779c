"""The operations' refusals: one RuleError (message + field), StaleEdit for a stale form, NotPermitted for a 403."""
from __future__ import annotations

import hashlib
import json

from flask_babel import lazy_gettext as _l


class RuleError(ValueError):
    """A rule was broken; `field` names the form field the message belongs beside (None: above the form).

    `errors` holds every problem found at once, as (field, message); the first is also `field` and the message.
    Each area raises this (or a subclass named for it), so a view catches one thing and shows it with
    `portal.forms.show_errors`.
    """

    def __init__(self, message, field: str | None = None, errors: list | None = None):
        super().__init__(str(message))
        self.field = field
        self.errors = [(f, str(m)) for f, m in errors] if errors else [(field, str(message))]


STALE_MESSAGE = _l("Någon annan har ändrat uppgifterna sedan du öppnade sidan. Det du skrev finns kvar nedan men "
                   "är inte sparat: ladda om sidan för att se ändringen, eller spara igen för att ersätta den med "
                   "dina uppgifter.")


class StaleEdit(RuleError):
    """Someone saved the record after the form was opened: nothing is saved, the view answers 409.

    `current` is the record's version now; the form carries it from here on, so saving once more knowingly
    replaces the other change. `record` is the record as saved, for pages that show it beside what was typed.
    """

    def __init__(self, current, record=None, message=None):
        super().__init__(message or STALE_MESSAGE)
        self.current = current
        self.record = record


def check_version(expected, current, record=None, message=None) -> None:
    """The one stale-edit check: refuse when the form was built from another version than the record has now.

    `expected` comes from the form's hidden `version` field; an empty value (a client without it) is not stale.
    """
    if expected not in (None, "") and str(expected) != str(current):
        raise StaleEdit(current, record, message)


def fingerprint(*values) -> str:
    """The version of a record without a version column: a short digest of the values an edit form shows."""
    return hashlib.sha256(json.dumps(values, default=str).encode()).hexdigest()[:16]


class NotPermitted(Exception):  # noqa: N818 - reads as what happened, like PermissionError
    """The actor may not do this. In a request it becomes the audited 403 page (portal.main); outside one
    (CLI, tests) it propagates. Type and id of the object are taken now, before the request rolls back."""

    def __init__(self, reason: str, *, obj=None, person_id: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.person_id = person_id
        self.object_type = type(obj).__name__ if obj is not None else None
        self.object_id = getattr(obj, "id", None) if obj is not None else None
