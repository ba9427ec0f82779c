"""Routines of a draft revision beyond their steps: name and age range as typed, copying a routine from another
revision of the agreement into the draft, and removing one. An adopted revision is frozen: each refuses it."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from agreements import routines as routine_text
from agreements import rules
from agreements.models import Appendix, Revision, Routine
from agreements.operations import AgreementError, one_line, require_draft, slug
from portal import audit
from portal.db import db, utcnow
from portal.permissions import check_by

TITLE_MAX = 300
#: Ages a routine's range may name (the issue's programmes are for 16–29; a wide margin, never a negative one).
AGE_MIN, AGE_MAX = 0, 120


def _age(typed, field: str, problems: list) -> int | None:
    text = str(typed if typed is not None else "").strip()
    if not text:
        return None
    if re.fullmatch(r"[0-9]{1,3}", text) and AGE_MIN <= int(text) <= AGE_MAX:
        return int(text)
    problems.append((field, _l("Ange åldern som ett heltal mellan %(lo)s och %(hi)s, eller lämna tomt.",
                               lo=AGE_MIN, hi=AGE_MAX)))
    return None


def checked_settings(routine_id: int, typed: dict, problems: list) -> dict:
    """The routine's name, age range and whether the range is strict, as typed → as stored; problems beside
    their fields (`routine-<id>-title`, `-min_age`, `-max_age`)."""
    field = f"routine-{routine_id}"
    title = one_line(typed.get("title"))
    if not title:
        problems.append((f"{field}-title", _l("Varje rutin behöver ett namn.")))
    elif len(title) > TITLE_MAX:
        problems.append((f"{field}-title", _l("Namnet får vara högst %(n)s tecken.", n=TITLE_MAX)))
    low = _age(typed.get("min_age"), f"{field}-min_age", problems)
    high = _age(typed.get("max_age"), f"{field}-max_age", problems)
    if low is not None and high is not None and high < low:
        problems.append((f"{field}-max_age", _l("Den högsta åldern kan inte vara lägre än den lägsta.")))
    strict = bool(typed.get("strict"))
    if strict and low is None and high is None:
        problems.append((f"{field}-strict", _l("En åldersgräns kan bara vara ett krav när en ålder är angiven.")))
    return {"title": title, "min_age": low, "max_age": high, "age_strict": strict}


def apply_settings(routine: Routine, settings: dict) -> None:
    routine.title, routine.min_age, routine.max_age = settings["title"], settings["min_age"], settings["max_age"]
    routine.age_strict = settings["age_strict"]


def copyable(revision: Revision) -> list[tuple[Revision, Routine]]:
    """Routines of the agreement's other revisions that can be copied into this draft, newest revision first."""
    return [(other, routine) for other in sorted(revision.agreement.revisions, key=lambda r: -r.number)
            if other.id != revision.id for appendix in other.appendices for routine in appendix.routines]


def _free_key(revision: Revision, key: str) -> str:
    taken = {r.key for a in revision.appendices for r in a.routines}
    if key not in taken:
        return key
    n = 2
    while f"{key[:50]}-{n}" in taken:
        n += 1
    return f"{key[:50]}-{n}"


def copy_into(appendix: Appendix, source: Routine, *, by, title: str = "") -> Routine:
    """A copy of `source` (from another revision of the same agreement) with its steps, sub-steps, rules and age
    range, last in the draft's appendix. A new name gives the copy its own key (a routine for a programme of
    today built from an old one); a key the draft already has gets a number."""
    revision = appendix.revision
    check_by(by, rules.can_revise, revision.agreement, "agreement:revise")
    require_draft(revision)
    source_revision = source.appendix.revision
    if source_revision.agreement_id != revision.agreement_id or source_revision.id == revision.id:
        raise AgreementError(_l("Välj en rutin från en annan revision av samma överenskommelse."), field="source")
    title = one_line(title)
    if len(title) > TITLE_MAX:
        raise AgreementError(_l("Namnet får vara högst %(n)s tecken.", n=TITLE_MAX), field="title")
    copy = routine_text.copy_routine(source)
    if title:
        copy.title, copy.key = title, slug(title)
    copy.key = _free_key(revision, copy.key)
    copy.position = len(appendix.routines)
    appendix.routines.append(copy)
    revision.updated_dt = utcnow()
    db.session.flush()
    audit.record("agreement.routine.copy", obj=revision, by=by,
                 details={"title": copy.title, "from_revision": source_revision.number})
    return copy


def remove(routine: Routine, *, by) -> None:
    """Take a routine out of the draft (the adopted revisions keep theirs, and runs follow those)."""
    revision = routine.appendix.revision
    check_by(by, rules.can_revise, revision.agreement, "agreement:revise")
    require_draft(revision)
    routine.appendix.routines.remove(routine)
    revision.updated_dt = utcnow()
    db.session.flush()
    audit.record("agreement.routine.remove", obj=revision, by=by, details={"title": routine.title})

