"""Section-by-section comparison of two revisions, and the Swedish change summary built from it."""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from agreements.models import Revision

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ])")


@dataclass
class Change:
    """One section or appendix compared: kind is "added", "removed", "changed" or "same"."""

    kind: str
    title: str
    old_title: str | None = None
    #: (tag, text) lines: tag "+" added, "-" removed, " " unchanged context.
    lines: list[tuple[str, str]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return str({"added": _l("Tillagt"), "removed": _l("Borttaget"), "changed": _l("Ändrat"),
                    "same": _l("Oförändrat")}[self.kind])


def _sentences(text: str) -> list[str]:
    """Split text into sentences so a diff shows what changed without whole-paragraph noise.

    A sentence ends at . ! ? followed by a capital letter, so abbreviations like "fr.o.m. 2017" stay whole.
    """
    out = []
    for line in (text or "").splitlines():
        out += [part.strip() for part in _SENTENCE_END.split(line) if part.strip()]
    return out


def _line_diff(old: str, new: str) -> list[tuple[str, str]]:
    result = []
    for line in difflib.ndiff(_sentences(old), _sentences(new)):
        tag, text = line[:1], line[2:]
        if tag in "+- ":
            result.append((tag, text))
    return result


def _items(revision: Revision) -> list[tuple[str, str, str]]:
    items = [(f"s:{s.key}", s.title, s.body) for s in revision.sections]
    for a in revision.appendices:
        body = a.body
        for r in a.routines:
            # migration 0004 reads revisions from before sub-steps were rows (they are lines of the step's text)
            body += "\n" + r.title + "\n" + "\n".join(
                f"Steg {st.number}: {st.text}" + (f" ({st.responsible})" if st.responsible else "")
                + "".join(f"\n{st.number}.{sub.number} {sub.text}" for sub in getattr(st, "substeps", ()))
                for st in r.steps)
        items.append((f"a:{a.key}", f"Bilaga {a.number} {a.title}", body))
    return items


def compare(old: Revision, new: Revision) -> list[Change]:
    """Compare section by section (matched by their stable key, so a renamed section counts as changed)."""
    old_items = {key: (title, body) for key, title, body in _items(old)}
    new_keys = set()
    changes: list[Change] = []
    for key, title, body in _items(new):
        new_keys.add(key)
        if key not in old_items:
            changes.append(Change("added", title, lines=[("+", s) for s in _sentences(body)]))
            continue
        old_title, old_body = old_items[key]
        if old_title == title and old_body.strip() == body.strip():
            changes.append(Change("same", title))
        else:
            changes.append(Change("changed", title, old_title=old_title if old_title != title else None,
                                  lines=_line_diff(old_body, body)))
    for key, title, body in _items(old):
        if key not in new_keys:
            changes.append(Change("removed", title, lines=[("-", s) for s in _sentences(body)]))
    return changes


def summary(old: Revision | None, new: Revision) -> list[str]:
    """Readable Swedish lines for "Ändringar sedan föregående version"."""
    if old is None:
        return [str(_l("Första versionen av överenskommelsen."))]
    lines = []
    if (old.valid_from, old.valid_to) != (new.valid_from, new.valid_to):
        lines.append(str(_l("Giltighetstiden är ändrad till %(start)s – %(end)s.",
                            start=new.valid_from or "–", end=new.valid_to or "–")))
    for change in compare(old, new):
        if change.kind == "added":
            lines.append(str(_l("Nytt avsnitt: %(title)s.", title=change.title)))
        elif change.kind == "removed":
            lines.append(str(_l("Avsnittet %(title)s är borttaget.", title=change.title)))
        elif change.kind == "changed":
            added = sum(1 for tag, _t in change.lines if tag == "+")
            removed = sum(1 for tag, _t in change.lines if tag == "-")
            text = str(_l("Avsnittet %(title)s är ändrat (meningar tillagda: %(added)s, borttagna: %(removed)s).",
                          title=change.title, added=added, removed=removed))
            if change.old_title:
                text += " " + str(_l("Tidigare rubrik: %(old)s.", old=change.old_title))
            lines.append(text)
    return lines or [str(_l("Inga ändringar i texten jämfört med revision %(n)s.", n=old.number))]
