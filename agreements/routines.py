"""Routine steps in the draft editor: the text format (with rules in braces), sub-steps as rows, copying, the seed.

A step is one line "Ansvarig | Vad som görs {krav}", its sub-steps indented lines "  1. Vad som görs {krav}".
The braces hold what the portal acts on, separated by ";": `samtycke`, `möte`, `dokument: studieplan`,
`uppföljning: 90` (days), and for sub-steps `tveksam: 1` (a branch back to sub-step 1) and `urval` (selection),
and `ansvarig: …` (a sub-step's own responsible party).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from agreements import markup
from agreements.routine_models import DOCUMENT_KINDS, Routine, RoutineStep, RoutineSubStep

RULES = re.compile(r"\s*\{([^{}]*)\}\s*$")
#: Words in the responsible text → party codes (routine_models.PARTY_KINDS).
PARTY_WORDS = (
    (re.compile(r"\bsyv\b|studie- och yrkesvägled", re.I), "syv"),
    (re.compile(r"arbetsförmedling|\baf\b", re.I), "arbetsformedlingen"),
    (re.compile(r"kommun|\bami\b|\bnia\b", re.I), "kommun"),
    (re.compile(r"\bskola|skolan\b", re.I), "skola"),
    (re.compile(r"socialtjänst|\bifo\b", re.I), "socialtjanst"),
    (re.compile(r"individ|deltagar|ungdom|\bpersonen\b", re.I), "person"),
)
MAX_DAYS = 3650


def parties_of(responsible: str) -> str:
    """The party codes a responsible text names, in a fixed order ("kommun arbetsformedlingen")."""
    found = [code for pattern, code in PARTY_WORDS if pattern.search(responsible or "")]
    return " ".join(dict.fromkeys(found))


@dataclass
class StepDraft:
    """A step or sub-step as typed: text, responsible and rules (the columns of StepRules and the sub-step's)."""

    number: int
    text: str
    responsible: str = ""
    rules: dict = field(default_factory=dict)
    subs: list[StepDraft] = field(default_factory=list)


def _rules(raw: str, *, sub: bool, where: str, problems: list) -> dict:
    rules: dict = {}
    for token in (t.strip() for t in raw.split(";")):
        if not token:
            continue
        name, _sep, value = (part.strip() for part in token.partition(":"))
        name = name.lower()
        if name == "samtycke":
            rules["needs_consent"] = True
        elif name in ("möte", "mötesdatum"):
            rules["needs_meeting"] = True
        elif name == "dokument" and value.lower() in DOCUMENT_KINDS:
            rules["needs_document"] = value.lower()
        elif name == "uppföljning" and value.split(" ")[0].isdigit() and 0 < int(value.split(" ")[0]) <= MAX_DAYS:
            rules["follow_up_days"] = int(value.split(" ")[0])
        elif sub and name == "tveksam" and value.isdigit() and int(value) < 100:
            rules["back_to"] = int(value)
        elif sub and name == "urval":
            rules["is_selection"] = True
        elif sub and name == "ansvarig" and value:
            rules["responsible"] = value[:200]
        else:
            problems.append((where, _l("Okänt krav ”%(token)s”. Använd samtycke, möte, dokument: studieplan, "
                                       "betyg, avtal eller annat, uppföljning: antal dagar; för delsteg även "
                                       "tveksam: delstegets nummer, urval och ansvarig: part.", token=token)))
    return rules


def _split(line: str) -> tuple[str, str]:
    found = RULES.search(line)
    return (line[:found.start()].rstrip(), found.group(1)) if found else (line, "")


def parse_steps(text: str, where: str = "steps", problems: list | None = None) -> list[StepDraft]:
    """Lines "Ansvarig | text {krav}" (or just text) → steps; an indented line "  1. …" is a sub-step of the step
    above it. Unknown rules are added to `problems` (field `where`)."""
    problems = [] if problems is None else problems
    steps: list[StepDraft] = []
    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line:
            continue
        line, rules = _split(line)
        numbered = markup.NUMBERED.match(line)
        if raw[:1].isspace() and steps and numbered:
            parent = steps[-1]
            found = _rules(rules, sub=True, where=where, problems=problems)
            responsible = found.pop("responsible", parent.responsible)
            parent.subs.append(StepDraft(len(parent.subs) + 1, numbered.group(2), responsible, found))
            continue
        responsible, text_part = "", line
        if "|" in line:
            responsible, _sep, text_part = (part.strip() for part in line.partition("|"))
        steps.append(StepDraft(len(steps) + 1, text_part, responsible,
                               _rules(rules, sub=False, where=where, problems=problems)))
    for step in steps:
        numbers = {s.number for s in step.subs}
        for sub in step.subs:
            if sub.rules.get("back_to") is not None and (sub.rules["back_to"] not in numbers
                                                         or sub.rules["back_to"] == sub.number):
                problems.append((where, _l("Delsteg %(label)s går tillbaka till ett delsteg som inte finns.",
                                           label=f"{step.number}.{sub.number}")))
    return steps


def _rules_text(row, *, sub: bool, parent=None) -> str:
    tokens = []
    if sub and parent is not None and row.responsible and row.responsible != parent.responsible:
        tokens.append(f"ansvarig: {row.responsible}")
    if row.needs_consent:
        tokens.append("samtycke")
    if row.needs_meeting:
        tokens.append("möte")
    if row.needs_document:
        tokens.append(f"dokument: {row.needs_document}")
    if row.follow_up_days:
        tokens.append(f"uppföljning: {row.follow_up_days}")
    if sub and row.back_to:
        tokens.append(f"tveksam: {row.back_to}")
    if sub and row.is_selection:
        tokens.append("urval")
    return f" {{{'; '.join(tokens)}}}" if tokens else ""


def steps_as_text(routine: Routine) -> str:
    """The steps as the edit form shows them, sub-steps indented under their step, rules in braces."""
    lines = []
    for step in routine.steps:
        own = f"{step.responsible} | {step.text}" if step.responsible else step.text
        lines.append(own + _rules_text(step, sub=False))
        lines += [f"  {sub.number}. {sub.text}{_rules_text(sub, sub=True, parent=step)}" for sub in step.substeps]
    return "\n".join(lines)


STEP_RULES = ("needs_consent", "needs_meeting", "needs_document", "follow_up_days")
SUB_RULES = (*STEP_RULES, "back_to", "is_selection")


def _apply(row, draft: StepDraft, names) -> None:
    row.text, row.responsible, row.parties = draft.text, draft.responsible, parties_of(draft.responsible)
    for name in names:
        default = None if name in ("needs_document", "follow_up_days", "back_to") else False
        setattr(row, name, draft.rules.get(name, default))


def set_steps(routine: Routine, steps: list[StepDraft]) -> None:
    """Update steps and sub-steps in place (numbers are unique, so rows are kept, appended and removed by number)."""
    existing = list(routine.steps)
    for draft in steps:
        if draft.number <= len(existing):
            step = existing[draft.number - 1]
        else:
            step = RoutineStep(number=draft.number)
            routine.steps.append(step)
        _apply(step, draft, STEP_RULES)
        subs = list(step.substeps)
        for sub_draft in draft.subs:
            if sub_draft.number <= len(subs):
                sub = subs[sub_draft.number - 1]
            else:
                sub = RoutineSubStep(number=sub_draft.number)
                step.substeps.append(sub)
            _apply(sub, sub_draft, SUB_RULES)
        for sub in subs[len(draft.subs):]:
            step.substeps.remove(sub)
    for step in existing[len(steps):]:
        routine.steps.remove(step)


def _columns(row, names) -> dict:
    return {name: getattr(row, name) for name in ("text", "responsible", "parties", *names)}


def copy_routine(source: Routine) -> Routine:
    """The routine with its steps, sub-steps, rules and eligibility, for a new draft revision."""
    return Routine(key=source.key, title=source.title, position=source.position, eligibility=source.eligibility,
                   min_age=source.min_age, max_age=source.max_age, age_strict=source.age_strict, steps=[
                       RoutineStep(number=step.number, **_columns(step, STEP_RULES), substeps=[
                           RoutineSubStep(number=sub.number, **_columns(sub, SUB_RULES)) for sub in step.substeps])
                       for step in source.steps])


def seeded(key: str, title: str, steps: list[tuple[str, str]], structure: dict[str, str], *,
           eligibility: str = "", ages: tuple[int | None, int | None] = (None, None), position: int = 0) -> Routine:
    """A routine of the seed: its steps as written ("1. …" lines are sub-steps) with the rules of `structure`
    (label → rules as in braces, e.g. {"3.2": "tveksam: 1; ansvarig: Arbetsförmedlingen"})."""
    lines = []
    for number, (responsible, text) in enumerate(steps, start=1):
        own, subs = markup.step_parts(text)
        rules = structure.get(str(number), "")
        lines.append(f"{responsible} | {own}" + (f" {{{rules}}}" if rules else ""))
        for n, sub in enumerate(subs, start=1):
            rules = structure.get(f"{number}.{n}", "")
            lines.append(f"  {n}. {sub}" + (f" {{{rules}}}" if rules else ""))
    problems: list = []
    drafts = parse_steps("\n".join(lines), problems=problems)
    assert not problems, problems  # the seed is ours: a wrong rule is a bug
    routine = Routine(key=key, title=title, position=position, eligibility=eligibility, min_age=ages[0],
                      max_age=ages[1])
    set_steps(routine, drafts)
    return routine
