"""What a form posted, named in Swedish, for the page that sends it again after its CSRF token was lost."""
from __future__ import annotations

from dataclasses import dataclass, field

from wtforms import BooleanField, HiddenField, SelectFieldBase, TextAreaField
from wtforms.fields.core import UnboundField

from portal.forms import PortalForm


@dataclass
class Posted:
    """One posted field: `label` in the reader's language; `editable` text goes back in a text box, a choice or
    a check box goes back unchanged in hidden inputs and is shown as `shown` (its options' words)."""

    name: str
    values: list[str]
    label: str = ""
    editable: bool = False
    multiline: bool = False
    shown: list[str] = field(default_factory=list)


def _all_forms(cls=PortalForm):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_forms(sub)


def _fields(form_class) -> dict[str, UnboundField]:
    found = {}
    for klass in reversed(form_class.__mro__):
        for name, value in vars(klass).items():
            if isinstance(value, UnboundField):
                found[name] = value
    return found


def _best_form(names: set[str]) -> dict[str, UnboundField]:
    """The fields of the portal form that posted these names: the one naming most of them, then the smallest."""
    best, score = {}, (0, 0)
    for form_class in _all_forms():
        fields = _fields(form_class)
        matched = len(names & set(fields))
        if matched and (matched, -len(fields)) > score:
            best, score = fields, (matched, -len(fields))
    return best


def _label(unbound: UnboundField) -> str:
    label = unbound.kwargs.get("label", unbound.args[0] if unbound.args else "")
    return str(label or "")


def _choice_words(unbound: UnboundField, values: list[str]) -> list[str]:
    choices = unbound.kwargs.get("choices") or []
    words = {str(choice[0]): str(choice[1]) for choice in choices if isinstance(choice, tuple | list)}
    return [words[v] for v in values if v in words]


def posted_fields(form_data, is_secret) -> list[Posted]:
    """Every posted field but secrets and the token, in order, each named as its form names it. A field no
    portal form names keeps its value but shows no technical name."""
    grouped: dict[str, list[str]] = {}
    for name, value in form_data.items(multi=True):
        if name != "csrf_token" and not is_secret(name):
            grouped.setdefault(name, []).append(value)
    known = _best_form(set(grouped))
    rows = []
    for name, values in grouped.items():
        unbound = known.get(name)
        row = Posted(name=name, values=values)
        if unbound is not None:
            kind = unbound.field_class
            row.label = _label(unbound)
            if issubclass(kind, HiddenField):
                row.label = ""
            elif issubclass(kind, SelectFieldBase | BooleanField):
                row.shown = _choice_words(unbound, values)
            else:
                row.editable = len(values) == 1
                row.multiline = issubclass(kind, TextAreaField)
        rows.append(row)
    return rows
