"""Every form field is capped where its column ends, and the shared helpers for ids, numbers, dates and file names."""
from __future__ import annotations

from datetime import date

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import String
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import NotFound
from wtforms import PasswordField, StringField, TextAreaField
from wtforms.csrf.core import CSRFTokenField

from portal import DOMAIN_PACKAGES
from portal.db import db
from portal.forms import (
    INT_MAX,
    LINE_MAX,
    TEXT_MAX,
    PortalForm,
    _column_type,
    attachment,
    column_length,
    id_arg,
    many_lines,
    one_line,
    safe_filename,
    to_int,
)

OUR_PACKAGES = ("portal", *DOMAIN_PACKAGES)


def _forms() -> list[type]:
    found, todo = set(), [FlaskForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.split(".")[0] in OUR_PACKAGES and sub is not PortalForm:
                found.add(sub)
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__qualname__}")


def _text_fields(app, form_class):
    with app.test_request_context(method="POST"):
        form = form_class(formdata=None)
        meta = form.meta
        for field in form:
            if isinstance(field, StringField) and not isinstance(field, CSRFTokenField):
                columns = getattr(meta, "columns", None) or {}
                name = field.short_name
                declared = name in columns
                column = columns[name] if declared else getattr(getattr(meta, "model", None), name, None)
                yield field, column, declared


def _errors(app, form_class, name: str, value: str) -> list[str]:
    with app.test_request_context(method="POST"):
        form = form_class(formdata=MultiDict({name: value}))
        form.validate()
        return [str(e) for e in form[name].errors]


def test_the_crawl_of_form_classes_finds_the_forms(app):
    names = {c.__name__ for c in _forms()}
    assert {"RegisterPersonForm", "AgreementForm", "UserForm", "LoginForm", "ButtonForm"} <= names


def test_every_form_of_the_portal_is_a_portal_form(app):
    """A form on FlaskForm itself would get no caps, no cleaning, no ranges."""
    assert [c.__qualname__ for c in _forms() if not issubclass(c, PortalForm)] == []


def test_every_text_field_stored_in_a_string_column_is_capped_at_its_length(app):
    checked = 0
    for form_class in _forms():
        for field, column, _declared in _text_fields(app, form_class):
            length = column_length(column)
            if length is None or isinstance(field, PasswordField):
                continue
            checked += 1
            too_long = _errors(app, form_class, field.short_name, "å" * (length + 1))
            assert f"Högst {length} tecken (nu {length + 1})." in too_long, (form_class.__name__, field.name)
            assert not any("Högst" in e for e in _errors(app, form_class, field.short_name, "å" * length)), \
                (form_class.__name__, field.name)
    assert checked >= 40, checked  # the forms of people, agreements, admin and login map their columns


def test_a_text_field_named_like_a_string_column_is_capped_at_it_or_says_where_it_is_stored(app):
    """The cap comes from Meta.model/Meta.columns; a form that forgot them would let a 300-character title reach
    a String(200) column. So a field named like any String(n) column of the portal is capped at (the smallest)
    n, unless its form declares the field's column itself (`columns = {"orgnr": None}`: stored normalised)."""
    shortest: dict[str, int] = {}
    for table in db.metadata.tables.values():
        for c in table.columns:
            if isinstance(c.type, String) and c.type.length:
                shortest[c.name] = min(shortest.get(c.name, c.type.length), c.type.length)
    loose = []
    for form_class in _forms():
        for field, column, declared in _text_fields(app, form_class):
            if declared or column_length(column) or isinstance(field, PasswordField):
                continue
            if field.short_name in shortest and (field.flags.maxlength or LINE_MAX) > shortest[field.short_name] \
                    and _column_type(column) is None:
                loose.append(f"{form_class.__name__}.{field.short_name}")
    assert loose == []


def test_every_text_field_has_a_cap_even_without_a_column(app):
    for form_class in _forms():
        for field, _column, _declared in _text_fields(app, form_class):
            limit = TEXT_MAX if isinstance(field, TextAreaField) else LINE_MAX
            assert _errors(app, form_class, field.short_name, "x" * (limit + 1)), (form_class.__name__, field.name)


def test_control_characters_and_bidi_overrides_are_dropped_before_the_cap_counts(app):
    from portal.people.forms import GuardianForm, NoteForm

    with app.test_request_context(method="POST"):
        form = GuardianForm(formdata=MultiDict({"name": "Eva\x1b[31m\u202e Ek\x0bsson\t", "relation": "mor"}))
        assert form.validate(), form.errors
        assert form.name.data == "Eva[31m Ek sson "
        note = NoteForm(formdata=MultiDict({"category": "halsa", "text": "Rad ett\r\n\tRad två\x0bRad tre\x07"}))
        assert note.text.data == "Rad ett\r\n\tRad två\nRad tre"


def test_one_line_and_many_lines_leave_other_values_alone():
    assert one_line(None) is None and many_lines(None) is None
    assert one_line("Åsa Öberg-Ek, ﻉ") == "Åsa Öberg-Ek, ﻉ"
    assert one_line("a\u200fb") == "a\u200fb"  # a right-to-left mark is how Arabic or Hebrew names are typed


@pytest.mark.parametrize(("value", "expected"), [
    ("12", 12), (" 12 ", 12), ("-3", -3), (str(INT_MAX), INT_MAX), (str(INT_MAX + 1), None), (str(2**63), None),
    ("9" * 400, None), ("²", None), ("١٢", None), ("１２", None), ("1_000", None), ("1e3", None), ("", None),
    (None, None), ("nan", None), ("0x1F", None),
])
def test_to_int_takes_plain_integers_the_column_holds(value, expected):
    assert to_int(value) == expected


@pytest.mark.parametrize(("query", "expected"), [("", None), ("?ersatter=", None), ("?ersatter=7", 7)])
def test_id_arg_gives_the_id_or_none(app, query, expected):
    with app.test_request_context("/x" + query):
        assert id_arg("ersatter") == expected


@pytest.mark.parametrize("value", ["0", "-1", "abc", "²", str(2**31), str(2**63), "9" * 400, "1e999999"])
def test_id_arg_is_not_found_for_what_can_be_no_id(app, value):
    with app.test_request_context("/x", query_string={"ersatter": value}), pytest.raises(NotFound):
        id_arg("ersatter")


@pytest.mark.parametrize(("name", "expected"), [
    ("a\r\nX-Evil: 1.pdf", "aX-Evil 1.pdf"),
    ("\u202efdp.exe", "fdp.exe"),
    ("\x1b[31mröd.pdf", "[31mröd.pdf"),
    ("../../etc/passwd", "passwd"),
    ("C:\\temp\\skanning.pdf", "skanning.pdf"),
    ('"; x=".pdf', "; x=.pdf"),
    ("", "standard.pdf"),
    (" . ", "standard.pdf"),
    ("samtycke åäö.pdf", "samtycke åäö.pdf"),
])
def test_safe_filename_keeps_a_name_and_nothing_that_breaks_a_header(name, expected):
    assert safe_filename(name, "standard.pdf") == expected


def test_safe_filename_cuts_a_long_name_but_keeps_its_extension():
    name = safe_filename("å" * 500 + ".pdf", "x.pdf")
    assert len(name) == 200 and name.endswith("å.pdf")


def test_attachment_names_the_file_plainly_and_exactly():
    assert attachment("loggutdrag.csv") == 'attachment; filename="loggutdrag.csv"'
    assert attachment("samtycke\r\n\u202eåäö.pdf") == \
        "attachment; filename=\"samtyckeaao.pdf\"; filename*=UTF-8''samtycke%C3%A5%C3%A4%C3%B6.pdf"


def test_a_date_outside_the_portals_range_is_refused_beside_the_field(app):
    from portal.admin.forms import AuditSearchForm

    for value, refused in [("9999-12-31", True), ("0001-01-01", True), ("2199-12-31", False), ("1900-01-01", False)]:
        with app.test_request_context("/"):
            form = AuditSearchForm(MultiDict({"date_to": value}))
            assert form.validate() is not refused, value
            assert ("Ange ett datum mellan 1900-01-01 och 2199-12-31." in form.date_to.errors) is refused
    assert date(2199, 12, 31)  # the last day the portal takes


def test_a_number_too_large_for_its_numeric_column_is_refused_beside_the_field(app):
    from agreements.forms import MeasurementForm

    for value, refused in [("10e9", True), ("9999999999,99999", True), ("1e999999", True), ("9999999999,9999", False),
                           ("-9 999 999 999", False), ("9,5", False)]:
        with app.test_request_context(method="POST"):
            form = MeasurementForm(formdata=MultiDict({"measured_on": "2017-03-31", "value": value}))
            errors = [str(e) for e in form.value.errors] if form.validate() is False else []
            assert ("Talet är för stort: högst 10 siffror före decimaltecknet." in errors) is refused, value


def test_an_integer_field_refuses_what_no_column_holds_without_overflowing(app):
    from wtforms import IntegerField

    from portal.audit import AuditEventPerson
    from portal.forms import PortalForm

    class Numbered(PortalForm):
        class Meta:
            csrf = False
            model = AuditEventPerson  # person_id: an Integer column

        person_id = IntegerField("Person")

    for value in [str(2**31), "9" * 400, str(-(2**63))]:
        with app.test_request_context("/"):
            form = Numbered(MultiDict({"person_id": value}))
            assert not form.validate()
            assert form.person_id.errors == ["Talet är för stort eller för litet."]
