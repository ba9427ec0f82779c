"""Small shared form pieces: the empty form that carries CSRF for POST-only buttons."""
from __future__ import annotations

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
