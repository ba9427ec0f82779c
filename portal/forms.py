"""Small shared form pieces: the empty form that carries CSRF for POST-only buttons."""
from __future__ import annotations

import hashlib
import json

from flask_babel import gettext as _
from flask_wtf import FlaskForm


class ButtonForm(FlaskForm):
    """No fields: a POST button (logout, deactivate, ...) still carries a CSRF token."""


def attach_error(form: FlaskForm, field: str | None, message: str) -> None:
    """Show an operation's error beside the field it concerns (or above the form when it has none)."""
    target = getattr(form, field, None) if field else None
    if target is not None and hasattr(target, "errors"):
        target.errors = [*list(target.errors or []), str(message)]
    else:
        form.form_errors.append(str(message))


def fingerprint(*values) -> str:
    """A short digest of what an edit form was built from, carried in a hidden `version` field."""
    return hashlib.sha256(json.dumps(values, default=str).encode()).hexdigest()[:16]


def is_stale(form: FlaskForm, current: str) -> bool:
    """True, with a message above the form, when someone else saved the record after this form was opened.

    What the user typed stays in the form, and the form now carries the current version, so saving once more
    knowingly overwrites the other change."""
    sent = form.version.data
    form.version.data = current
    if sent and sent != current:
        attach_error(form, None, _("Någon annan har ändrat uppgifterna sedan du öppnade sidan. Ladda om sidan "
                                   "för att se ändringen, eller spara igen för att ersätta den med dina uppgifter."))
        return True
    return False
