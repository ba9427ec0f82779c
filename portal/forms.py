"""Shared form pieces: the CSRF-only button form, check-box groups, and showing an operation's refusal."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField
from wtforms.validators import StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from portal.errors import RuleError, StaleEdit

try:
    from wtforms.fields.choices import SelectChoice as choice
except ImportError:  # WTForms < 3.3 takes plain (value, label) pairs
    def choice(value: str, label) -> tuple:
        return (value, label)


class ButtonForm(FlaskForm):
    """No fields: a POST button (logout, deactivate, ...) still carries a CSRF token."""


class MultiCheckboxField(SelectMultipleField):
    """A group of check boxes (the form macros render it as a fieldset with a legend)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form) -> None:
        # The operation refuses unknown values with a Swedish message beside the field; WTForms' own English
        # "not a valid choice" would otherwise win.
        pass


def at_least_one(message):
    """Like DataRequired, but without the `required` flag that would mark every single check box required."""

    def check(form, field) -> None:
        if not field.data:
            raise StopValidation(str(message))

    return check


def attach_error(form: FlaskForm, field: str | None, message: str) -> None:
    """Show a message beside the field it concerns (or above the form when it has no such field)."""
    target = getattr(form, field, None) if field else None
    if target is not None and hasattr(target, "errors"):
        target.errors = [*list(target.errors or []), str(message)]
    else:
        form.form_errors.append(str(message))


def show_errors(form: FlaskForm, exc: RuleError) -> int:
    """Put every problem of an operation's refusal beside its field; returns the page's status.

    A stale edit is 409: the form keeps what was typed and now carries the record's current version, so saving
    once more knowingly replaces the other change. Any other refusal is 400.
    """
    for field, message in exc.errors:
        attach_error(form, field, message)
    if isinstance(exc, StaleEdit):
        if hasattr(form, "version"):
            form.version.data = str(exc.current)
        return 409
    return 400
