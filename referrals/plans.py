"""The individual action plan (individuell handlingsplan): per person and organisation, every save a version;
two versions compared field by field; a save on top of a version that is no longer the latest is refused."""
from __future__ import annotations

import difflib
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal import audit
from portal.db import db
from portal.errors import RuleError, StaleEdit
from portal.people.gate import gate
from portal.people.models import Person
from portal.permissions import check_by
from portal.text import clean_line, clean_text
from referrals import routine_rules as rules
from referrals.routine_models import ActionPlan, ActionPlanVersion

PURPOSE = "samordning"

#: The fields of a version in the order the page, the comparison and the .docx show them: Bilaga 2's seven
#: documentation points and Laholm's five fields (which add where the measures take place and who follows up).
FIELDS: dict[str, object] = {
    "goal": _l("Mål och syfte med insatserna"),
    "place": _l("Var insatserna genomförs"),
    "starts_on": _l("Startdatum"),
    "ends_on": _l("Slutdatum"),
    "person_measures": _l("Insatser som deltagaren ansvarar för"),
    "kommun_measures": _l("Insatser som kommunen ansvarar för"),
    "other_actor": _l("Annan aktör"),
    "other_measures": _l("Insatser som den andra aktören ansvarar för"),
    "follow_up_on": _l("Uppföljning sker"),
    "evaluation_on": _l("Utvärdering sker"),
    "follow_up_by": _l("Ansvarig för uppföljning och utvärdering"),
    "end_reason": _l("Varför en insats avslutades"),
}
DATES = ("starts_on", "ends_on", "follow_up_on", "evaluation_on")
LINES = ("other_actor", "follow_up_by")


class PlanError(RuleError):
    """A plan cannot be saved as typed."""


def plan_for(person: Person, organisation_id: int) -> ActionPlan | None:
    return db.session.scalar(select(ActionPlan).where(ActionPlan.person_id == person.id,
                                                      ActionPlan.organisation_id == organisation_id))


def latest(plan: ActionPlan | None) -> ActionPlanVersion | None:
    return plan.versions[-1] if plan is not None and plan.versions else None


def _cleaned(values: dict) -> tuple[dict, list]:
    out, problems = {}, []
    for name in FIELDS:
        value = values.get(name)
        if name in DATES:
            out[name] = value if hasattr(value, "isoformat") else None
        elif name in LINES:
            out[name] = clean_line(value or "").strip()[:200]
        else:
            out[name] = clean_text(value or "").strip()
    if out["starts_on"] and out["ends_on"] and out["ends_on"] < out["starts_on"]:
        problems.append(("ends_on", _l("Slutdatumet kan inte vara före startdatumet.")))
    if not out["goal"]:
        problems.append(("goal", _l("Skriv målet och syftet med insatserna.")))
    if out["other_measures"] and not out["other_actor"]:
        problems.append(("other_actor", _l("Skriv vilken aktör som ansvarar för de andra insatserna.")))
    return out, problems


def save(person: Person, *, by, expected_version=None, **values) -> ActionPlanVersion:
    """A new version of the organisation's plan for the person. `expected_version` is the version number the
    form was opened on (0 for a new plan): a save after someone else's is refused and both texts stay."""
    check_by(by, lambda user, _p: rules.can_write_plan(user), person, "plan.write", person_id=person.id)
    plan = plan_for(person, by.organisation_id)
    current = latest(plan)
    number = current.number if current is not None else 0
    cleaned, problems = _cleaned(values)
    if not gate(by, person, PURPOSE, record=False, records=False).allowed:
        problems.append((None, _l("Du får inte se deltagaren för samordning, så ingen plan kan sparas.")))
    if expected_version not in (None, "") and str(expected_version) != str(number):
        # Stale and wrong at once: both at once, so the next save does not meet a second refusal.
        refusal = _stale(current)
        refusal.errors += [(field, str(message)) for field, message in problems]
        raise refusal
    if problems:
        raise PlanError(problems[0][1], problems[0][0], errors=problems)
    if plan is None:
        plan = ActionPlan(person_id=person.id, organisation_id=by.organisation_id)
        db.session.add(plan)
    version = ActionPlanVersion(number=number + 1, saved_by_id=by.id, **cleaned)
    plan.versions.append(version)
    plan.latest = number + 1
    try:
        db.session.flush()
    except IntegrityError:  # a colleague's save of the same number (or the first plan) committed meanwhile
        db.session.rollback()
        raise _stale(latest(plan_for(person, by.organisation_id))) from None
    audit.record("plan.save", by=by, obj=plan, person_id=person.id, details={"version": version.number})
    return version


def _stale(current: ActionPlanVersion | None) -> StaleEdit:
    """The refusal of a save on top of a version that is no longer the latest: names who saved the one now."""
    return StaleEdit(current.number if current is not None else 0, current, _l(
        "%(name)s sparade en ny version av planen medan du skrev. Din text finns kvar i formuläret och är inte "
        "sparad; den sparade versionen visas bredvid. Spara igen för att göra din text till en ny version.",
        name=current.saved_by.name if current is not None else ""))


def as_text(version: ActionPlanVersion, name: str) -> str:
    value = getattr(version, name)
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


@dataclass
class FieldChange:
    label: str
    old: str
    new: str
    #: (tag, text) per line: "-" removed, "+" added, " " unchanged.
    lines: list[tuple[str, str]]

    @property
    def changed(self) -> bool:
        return self.old != self.new


def compare(old: ActionPlanVersion, new: ActionPlanVersion) -> list[FieldChange]:
    """Every field of two versions with its lines marked as removed, added or unchanged."""
    result = []
    for name, label in FIELDS.items():
        a, b = as_text(old, name), as_text(new, name)
        lines = [(line[:1], line[2:]) for line in difflib.ndiff(a.splitlines(), b.splitlines())
                 if line[:1] in "+- "]
        result.append(FieldChange(str(label), a, b, lines))
    return result


ACTION_LABELS = {"plan.save": _l("Handlingsplan sparad (ny version)"),
                 "plan.read": _l("Handlingsplan läst"),
                 "plan.export": _l("Handlingsplan hämtad som Word-fil")}
