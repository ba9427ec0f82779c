"""Shared form pieces: the checked base form, check-box groups, ids from queries, file names, showing refusals."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import NamedTuple
from urllib.parse import quote

from flask import abort, has_request_context, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy import BigInteger, Column, Numeric, String
from sqlalchemy.orm import ColumnProperty
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectFieldBase,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.csrf.core import CSRFTokenField
from wtforms.validators import Length, StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.errors import RuleError, StaleEdit
from portal.text import clean_line, clean_text

try:
    from wtforms.fields.choices import SelectChoice as choice
except ImportError:  # WTForms < 3.3 takes plain (value, label) pairs
    def choice(value: str, label) -> tuple:
        return (value, label)


# --- numbers the database can hold ---------------------------------------------------------------------------------

#: The largest value of an INTEGER column (PostgreSQL raises above it; the `<int:...>` URL converter stops here too).
INT_MAX = 2**31 - 1
#: The largest value of a BIGINT column (SQLite's every integer).
BIGINT_MAX = 2**63 - 1
_PLAIN_INTEGER = re.compile(r"[+-]?[0-9]{1,19}")


def to_int(value, *, minimum: int = -INT_MAX - 1, maximum: int = INT_MAX) -> int | None:
    """`value` as an integer between minimum and maximum, or None for anything else.

    Only ASCII digits count: `int()` would also take "١٢", "1_000" and " 7 ", and `str.isdigit()` says yes to
    "²", which `int()` then refuses.
    """
    text = str(value if value is not None else "").strip()
    if not _PLAIN_INTEGER.fullmatch(text):
        return None
    number = int(text)
    return number if minimum <= number <= maximum else None


def id_arg(name: str) -> int | None:
    """The record id in the query parameter `name` (?ersatter=12): None when absent or empty, 404 when it can be
    no record's id (not a number, or beyond the column's range), as an id in the address would be."""
    raw = request.args.get(name, "")
    if not raw.strip():
        return None
    number = to_int(raw, minimum=1)
    if number is None:
        abort(404)
    return number


# --- text ------------------------------------------------------------------------------------------------------------

#: Bidi embeddings, overrides and isolates: they reorder what is shown ("\u202efdp.exe" reads "exe.pdf").
_BIDI = "\u202a-\u202e\u2066-\u2069"

#: Caps for text fields stored in no String(n) column: generous, but a request cannot store megabytes.
LINE_MAX = 1_000
TEXT_MAX = 100_000


def one_line(value):
    """A one-line field as typed, cleaned: a pasted break or tab becomes a space, control characters and bidi
    overrides go (portal.text.clean_line, the same rule as the agreement texts). Nobody types them on purpose;
    kept, they hide text, break exports and headers, or stop PostgreSQL."""
    return clean_line(value) if isinstance(value, str) else value


def many_lines(value):
    """A text area as typed, cleaned: line breaks and tabs stay, Word's breaks become new lines, other control
    characters and bidi overrides go (portal.text.clean_text)."""
    return clean_text(value) if isinstance(value, str) else value


def _column_type(column):
    """The SQL type of a column or of a model's column attribute (`Person.first_name`); None for anything else."""
    prop = getattr(column, "property", None)
    if isinstance(prop, ColumnProperty):
        column = prop.columns[0]
    return column.type if isinstance(column, Column) else None


def column_length(column) -> int | None:
    """n of a String(n) column (or model attribute), else None."""
    column_type = _column_type(column)
    return column_type.length if isinstance(column_type, String) else None


def at_most(length: int) -> Length:
    """The length cap with the Swedish message the portal shows beside the field."""
    return Length(max=length, message=_l("Högst %(max)d tecken (nu %(length)d)."))


def fits(column) -> Length:
    """Cap a field at its String(n) column, for a field named otherwise than its column (Meta.columns is the
    usual way)."""
    length = column_length(column)
    if length is None:
        raise TypeError(f"{column} is not a String(n) column")
    return at_most(length)


# --- dates and decimal numbers ---------------------------------------------------------------------------------------

#: Dates the portal takes: any birth date or agreement date falls between, and date arithmetic (a day later, a year
#: on) cannot leave Python's range from here.
DATE_MIN, DATE_MAX = date(1900, 1, 1), date(2199, 12, 31)


def sane_date(form, field) -> None:
    if isinstance(field.data, date) and not DATE_MIN <= field.data <= DATE_MAX:
        raise ValidationError(_l("Ange ett datum mellan %(first)s och %(last)s.", first=DATE_MIN.isoformat(),
                                 last=DATE_MAX.isoformat()))


class SwedishDateField(DateField):
    """A date typed as ÅÅÅÅ-MM-DD: a wrong one keeps what was typed and says the format in Swedish beside the field
    (WTForms' own message names no format); an empty one is None, for Optional() or Needed() to judge."""

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or not valuelist[0].strip():
            return
        try:
            self.data = date.fromisoformat(valuelist[0].strip())
        except ValueError:
            raise ValueError(_l("Ange datumet som ÅÅÅÅ-MM-DD, t.ex. 2026-08-17.")) from None


def _fits_numeric(precision: int, scale: int):
    """A number typed as text ("9,5", "1 234,5") must fit its Numeric(precision, scale) column once rounded."""
    limit = Decimal(10) ** (precision - scale) - Decimal("0.5").scaleb(-scale)

    def check(form, field) -> None:
        text = (field.data or "").strip().replace("\u00a0", "").replace(" ", "").replace(",", ".").rstrip("%")
        try:
            value = Decimal(text)
        except InvalidOperation:
            return  # not a number at all: the field's own check says so
        if value.is_finite() and abs(value) >= limit:
            raise ValidationError(_l("Talet är för stort: högst %(digits)s siffror före decimaltecknet.",
                                     digits=precision - scale))

    return check


# --- the base form ---------------------------------------------------------------------------------------------------


def _in_range(maximum: int, message):
    def check(form, field) -> None:
        values = field.data if isinstance(field.data, list | tuple) else [field.data]
        if any(isinstance(v, int) and not -maximum - 1 <= v <= maximum for v in values):
            raise StopValidation(message)

    return check


def _checks(meta, field) -> list:
    """The validators every field of its kind gets: its column's cap (or a generous one), its characters, its
    number's or date's range."""
    if isinstance(field, CSRFTokenField | FileField):
        return []
    columns = getattr(meta, "columns", None) or {}
    name = field.short_name
    column = columns[name] if name in columns else getattr(getattr(meta, "model", None), name, None)
    column_type = _column_type(column)
    if isinstance(field, StringField):
        multi = isinstance(field, TextAreaField)
        cap = column_length(column) or (TEXT_MAX if multi else LINE_MAX)
        found = [at_most(cap)]
        if isinstance(column_type, Numeric) and column_type.precision and column_type.scale is not None:
            found.append(_fits_numeric(column_type.precision, column_type.scale))
        return found
    if isinstance(field, DateField):
        return [sane_date]
    maximum = BIGINT_MAX if isinstance(column_type, BigInteger) else INT_MAX
    if isinstance(field, IntegerField):
        return [_in_range(maximum, _l("Talet är för stort eller för litet."))]
    if isinstance(field, SelectFieldBase) and getattr(field, "coerce", None) is int:
        return [_in_range(maximum, _l("Välj bland alternativen."))]
    return []


_SUBMIT_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class PortalForm(FlaskForm):
    """Every form of the portal: whatever is posted is stored safely or refused beside its field.

    Each text field is capped at the length of the String(n) column it is stored in — the column of the same
    name on `Meta.model`, or the one `Meta.columns` names for it — and at LINE_MAX/TEXT_MAX when it has none.
    Control characters and bidi overrides are dropped first (`one_line`, `many_lines`). A number typed into a
    text field fits its Numeric column; integer fields and id choices stay within the column's range; dates
    between DATE_MIN and DATE_MAX. A form declares where it is stored:

        class Meta:
            model = Person
            columns = {"city": ContactDetails.city, "number": None}  # None: stored normalised, the operation checks
    """

    class Meta:
        model = None
        columns: dict = {}

        def bind_field(self, form, unbound_field, options):
            field = super().bind_field(form, unbound_field, options)
            if isinstance(field, StringField) and not isinstance(field, PasswordField | CSRFTokenField):
                # Cleaned before it is validated, so the cap counts what is kept. A password is hashed and
                # never shown: any character may be part of it.
                field.filters = (*field.filters, many_lines if isinstance(field, TextAreaField) else one_line)
            extra = _checks(self, field)
            if extra:
                # First: a range check must stop the chain before WTForms' NumberRange, whose math.isnan()
                # overflows on an integer of 400 digits.
                field.validators = [*extra, *field.validators] if isinstance(field, IntegerField) \
                    else [*field.validators, *extra]
                caps = [v.max for v in field.validators if isinstance(v, Length) and v.max >= 0]
                if caps and not isinstance(field, HiddenField):
                    field.flags.maxlength = min(caps)  # the browser stops at the cap too
            return field

        def wrap_formdata(self, form, formdata):
            if formdata is None or hasattr(formdata, "getlist"):
                return formdata  # given by the view (a search form reads request.args), or none
            # Flask-WTF's "from the request": the posted fields, and uploads only for file fields (elsewhere a
            # file is not text). A JSON body is nothing a page of the portal sends: as if nothing was posted.
            if not has_request_context() or request.method not in _SUBMIT_METHODS:
                return None
            names = {f.name for f in form if isinstance(f, FileField)}
            files = MultiDict([(k, v) for k, v in request.files.items(multi=True) if k in names])
            if files:
                return CombinedMultiDict((files, request.form))
            return request.form or None


class ButtonForm(PortalForm):
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


# --- uploaded file names ----------------------------------------------------------------------------------------------

#: Characters a file name keeps none of: control characters, bidi controls, separators, and what ends a quoted
#: header value.
_NOT_IN_FILE_NAME = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}\u2028\u2029\"\\\\/:*?<>|]")


def safe_filename(name: str | None, default: str, *, max_length: int = 200) -> str:
    """An uploaded file's name fit to store and to send in a Content-Disposition header: the last part of any
    path, without control or bidi characters, at most `max_length` characters (the extension kept), or `default`
    when nothing is left."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _NOT_IN_FILE_NAME.sub("", name).strip(" .")
    if len(name) > max_length:
        stem, dot, extension = name.rpartition(".")
        extension = extension[:20] if dot else ""
        name = (stem if dot else name)[: max_length - len(extension) - 1].rstrip(" .") + (dot + extension)
    return name or default


def attachment(filename: str) -> str:
    """The Content-Disposition value for downloading `filename`: a plain ASCII name for old clients and the
    exact name in RFC 6266's filename* (which a browser prefers)."""
    name = safe_filename(filename, "fil")
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    plain = re.sub(r"\s+", " ", plain).strip(" .") or "fil"
    if plain == name:
        return f'attachment; filename="{name}"'
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"


# --- showing an operation's refusal ----------------------------------------------------------------------------------


def attach_error(form: FlaskForm, field: str | None, message: str) -> None:
    """Show a message beside the field it concerns (or above the form when it has no such field); a message the
    field's own check already gave is not repeated."""
    target = getattr(form, field, None) if field else None
    if target is not None and hasattr(target, "errors"):
        if str(message) not in [str(m) for m in target.errors or []]:
            target.errors = [*list(target.errors or []), str(message)]
    elif str(message) not in [str(m) for m in form.form_errors]:
        form.form_errors.append(str(message))


class Outcome(NamedTuple):
    """What `submit` found: `done` when the form was posted and both the fields and the operation passed."""

    done: bool
    result: object
    status: int


def submit(form: FlaskForm, operation: Callable[[], object]) -> Outcome:
    """All errors of a form at once: every field check runs, then the operation (whose checks need the
    database) runs even when a field failed, and both add to one list beside the fields.

    A refusal names every problem it found (`RuleError(errors=[...])`). When a field failed but the operation
    did not refuse, the page still answers 400, and the request's unit of work rolls back whatever the
    operation changed. A missing or expired CSRF token stops everything before the operation.
    """
    if not form.is_submitted():
        return Outcome(False, None, 200)
    fields_ok = form.validate()
    token = getattr(form, "csrf_token", None)
    if token is not None and token.errors:
        return Outcome(False, None, 400)
    try:
        result = operation()
    except RuleError as exc:
        return Outcome(False, None, show_errors(form, exc))
    return Outcome(fields_ok, result, 200 if fields_ok else 400)


class Needed:
    """Marks a field as one that must be filled in (the * and aria-required) while the operation, not the form,
    refuses it empty, so that check joins the operation's other problems in one list. A group of check boxes
    gets the mark on its legend only (`required` would mark every box)."""

    field_flags = {"needed": True}

    def __call__(self, form, field) -> None:
        return None


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
