"""The one date field of the portal's forms (agreements, KAA, meetings): Swedish message, typed text kept."""
from __future__ import annotations

from datetime import date

from portal.forms import PortalForm, SwedishDateField


class _DateForm(PortalForm):
    on = SwedishDateField("Datum")


def _posted(app, value: str) -> _DateForm:
    with app.test_request_context("/", method="POST", data={"on": value}):
        form = _DateForm()
        form.validate()
        return form


def test_a_wrong_date_is_refused_in_swedish_beside_the_field_and_keeps_what_was_typed(app):
    form = _posted(app, "31/12 2026")
    assert form.on.errors == ["Ange datumet som ÅÅÅÅ-MM-DD, t.ex. 2026-08-17."]
    assert form.on.data is None
    assert form.on._value() == "31/12 2026"


def test_a_date_as_written_is_read_and_an_empty_one_is_none(app):
    assert _posted(app, " 2026-08-17 ").on.data == date(2026, 8, 17)
    empty = _posted(app, "  ")
    assert empty.on.data is None and empty.on.errors == []


def test_a_date_outside_the_portals_range_is_refused(app):
    assert _posted(app, "0001-01-01").on.errors == ["Ange ett datum mellan 1900-01-01 och 2199-12-31."]


def test_the_areas_use_the_shared_field_not_a_copy():
    import agreements.forms
    import kaa.forms
    import meetings.forms

    for module in (agreements.forms, kaa.forms, meetings.forms):
        assert module.SwedishDateField is SwedishDateField, module.__name__
