"""The agreements' part of `flask seed-scale`: one agreement per kommun with its Arbetsförmedlingen office.

Each has the demo's text (with the kommun's name), revision 1 and 2 adopted and 3 a draft, appendices with their
routines, signatories, and goals with two years of monthly measured values, so every agreement page has data.
"""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cache

from agreements.demo import MILESTONES, RATE_GOALS, ROUTINES, SECTIONS, routine
from agreements.demo_text import BILAGA_2
from agreements.models import (
    Agreement,
    AgreementParty,
    Appendix,
    Goal,
    Measurement,
    PartyPerson,
    Revision,
    RevisionGoal,
    Routine,
    RoutineStep,
    RoutineSubStep,
    Section,
    Signatory,
)
from agreements.operations import goal_snapshot
from portal.people.identity import add_years
from portal.scale import FEMALE, LAST, MALE, AuditEntry, KommunGroup, ScaleContext

SCAN = b"%PDF-1.4\n% Skaldata: underskriven overenskommelse\n%%EOF\n"
TABLES = (Agreement, AgreementParty, PartyPerson, Revision, Section, Appendix, Routine, RoutineStep, RoutineSubStep,
          Signatory, Goal, Measurement, RevisionGoal)


@cache
def _shape(position: int):
    """The seed routine's steps with their structure, built once (never added to the session)."""
    key, title, steps = ROUTINES[position]
    return routine(position, key, title, steps)


def _rules(row, **extra) -> dict:
    return dict(responsible=row.responsible, parties=row.parties, needs_consent=row.needs_consent,
                needs_meeting=row.needs_meeting, needs_document=row.needs_document,
                follow_up_days=row.follow_up_days, **extra)


def _local(text: str, group: KommunGroup) -> str:
    """The demo's Lekeberg text about this kommun instead."""
    genitive = group.kommun.name.removesuffix(" kommun")
    return text.replace("Lekebergs", genitive).replace("Lekeberg", group.name).replace("Fjugesta", group.name)


class _Agreements:
    def __init__(self, ctx: ScaleContext):
        self.ctx, self.rng = ctx, ctx.rng("agreements")
        self.rows: dict[str, list[dict]] = {model.__tablename__: [] for model in TABLES}
        self.goals: list[tuple[int, int]] = []  # (goal id, kommun id) for the audit trail
        self.drafts: list[tuple[int, int]] = []  # (revision id, kommun id)

    def add(self, model, **row) -> int:
        row.setdefault("id", self.ctx.new_id(model))
        self.rows[model.__tablename__].append(row)
        return row["id"]

    def person_name(self) -> str:
        return f"{self.rng.choice(FEMALE + MALE)} {self.rng.choice(LAST)}"

    def agreement(self, group: KommunGroup) -> None:
        ctx, rng, on = self.ctx, self.rng, self.ctx.on
        coordinator = ctx.staff(group.kommun.id, "samordnare")[0].id
        adopter = ctx.staff(group.kommun.id, "styrgrupp")[0].id
        created = ctx.now - timedelta(days=800)
        agreement_id = self.add(Agreement, title=f"Överenskommelse inom Dua – {group.kommun.name} och "
                                f"Arbetsförmedlingen", diarienummer=f"KS {on.year - 2}/{rng.randrange(100, 999)}",
                                created_dt=created)
        signers = []
        for position, (org, persons) in enumerate(((group.kommun, [("enhetschef, Arbetsmarknads- och "
                                                                      "integrationschef", True)]),
                                                    (group.af, [("sektionschef", True), ("sektionschef", False)]))):
            party_id = self.add(AgreementParty, agreement_id=agreement_id, organisation_id=org.id, name=org.name,
                                orgnr=org.orgnr, position=position)
            for index, (title, contact) in enumerate(persons):
                name = self.person_name()
                self.add(PartyPerson, party_id=party_id, name=name, title=title, email=None, is_signatory=True,
                         is_contact=contact, position=index)
                signers.append((name, title, org.name))
        goal_rows = self.goals_of(agreement_id, group, coordinator)
        previous = None
        for number in (1, 2, 3):
            valid_from = add_years(on, number - 3)
            adopted = number < 3
            adopted_on = valid_from - timedelta(days=12)
            stamp = datetime(adopted_on.year, adopted_on.month, adopted_on.day, 13, tzinfo=UTC)
            previous = self.add(
                Revision, agreement_id=agreement_id, number=number, state="adopted" if adopted else "draft",
                version=1, valid_from=valid_from, valid_to=add_years(valid_from, 1) - timedelta(days=1),
                next_revision_due=add_years(valid_from, 1) - timedelta(days=60), place=group.name,
                change_summary=None, based_on_id=previous, created_by_id=coordinator,
                created_dt=stamp - timedelta(days=40), updated_dt=stamp - timedelta(days=20),
                proposed_by_id=coordinator if adopted else None,
                proposed_dt=stamp - timedelta(days=10) if adopted else None,
                adopted_by_id=adopter if adopted else None, adopted_dt=stamp if adopted else None,
                adopted_on=adopted_on if adopted else None,
                scan_filename="underskriven.pdf" if adopted else None,
                scan_mimetype="application/pdf" if adopted else None, scan_data=SCAN if adopted else None,
                scan_uploaded_dt=stamp + timedelta(days=3) if adopted else None)
            self.text(previous, group, valid_from, draft=not adopted)
            for position, (name, title, org_name) in enumerate(signers):
                self.add(Signatory, revision_id=previous, position=position, name=name, title=title,
                         organisation=org_name, signed_on=adopted_on if adopted else None)
            for position, goal in enumerate(goal_rows):
                frozen = json.dumps(goal_snapshot(Goal(**goal)), ensure_ascii=False, sort_keys=True) \
                    if adopted else None
                self.add(RevisionGoal, revision_id=previous, goal_id=goal["id"], position=position, frozen=frozen)
            if not adopted:
                self.drafts.append((previous, group.kommun.id))

    def text(self, revision_id: int, group: KommunGroup, valid_from, *, draft: bool) -> None:
        for position, (key, title, body) in enumerate(SECTIONS):
            if key == "varaktighet":
                body = (f"Överenskommelsen gäller fr.o.m. {valid_from.isoformat()} t.o.m. "
                        f"{(add_years(valid_from, 1) - timedelta(days=1)).isoformat()}.\n"
                        "Överenskommelsen revideras av styrgruppen kontinuerligt under perioden."
                        + (" Utkast: nya mål för året diskuteras i styrgruppen." if draft else ""))
            self.add(Section, revision_id=revision_id, position=position, key=key, title=title,
                     body=_local(body, group))
        routines = self.add(Appendix, revision_id=revision_id, position=0, key="rutiner", number="1",
                            title="Rutiner vid utbildningskontrakt, traineejobb och SYV",
                            body="Rutiner som arbetsgruppen arbetar enligt.")
        for position, (key, title, _steps) in enumerate(ROUTINES):
            shape = _shape(position)
            routine_id = self.add(Routine, appendix_id=routines, position=position, key=key, title=title,
                                  eligibility=shape.eligibility, min_age=shape.min_age, max_age=shape.max_age,
                                  age_strict=False)
            for step in shape.steps:
                step_id = self.add(RoutineStep, routine_id=routine_id, number=step.number,
                                   **_rules(step, text=_local(step.text, group)))
                for sub in step.substeps:
                    self.add(RoutineSubStep, step_id=step_id, number=sub.number, back_to=sub.back_to,
                             is_selection=sub.is_selection, **_rules(sub, text=_local(sub.text, group)))
        self.add(Appendix, revision_id=revision_id, position=1, key="samverkansmodell-kaa", number="2",
                 title="Samverkansmodell mellan AMI, skola och Arbetsförmedlingen för ungdomar som riskerar hoppa "
                       "av gymnasiet eller ingår i kommunens aktivitetsansvar", body=_local(BILAGA_2, group))
        self.add(Appendix, revision_id=revision_id, position=2, key="lok-nyanlanda", number="3",
                 title="Lokala överenskommelsen av nyanländas etablering",
                 body="Den lokala överenskommelsen för nyanländas etablering är ett eget dokument som bifogas.")

    def goals_of(self, agreement_id: int, group: KommunGroup, coordinator: int) -> list[dict]:
        """The demo's three rates, measured monthly for two years, and its milestones, some checked off."""
        ctx, rng, on = self.ctx, self.rng, self.ctx.on
        baseline_date = add_years(on, -2).replace(day=1)
        goals = []
        for position, (indicator, unit, base, _date, direction, _target, text, _earlier) in enumerate(RATE_GOALS):
            baseline = (base * Decimal(rng.randrange(70, 130)) / 100).quantize(Decimal("0.1"))
            goal = dict(id=ctx.new_id(Goal), agreement_id=agreement_id, position=position,
                        indicator=_local(indicator, group), unit=unit, decimals=1, baseline_value=baseline,
                        baseline_date=baseline_date, target_type="direction", target_value=None,
                        target_direction=direction, target_date=add_years(on, 1), description=_local(text, group),
                        achieved_on=None, achieved_by_id=None, achieved_note=None)
            goals.append(goal)
            value = baseline
            for month in range(25):
                measured_on = (baseline_date + timedelta(days=31 * month)).replace(day=1)
                if measured_on > on:
                    break
                self.add(Measurement, goal_id=goal["id"], measured_on=measured_on, value=value,
                         source="csv" if month % 6 else "manual", entered_by_id=coordinator,
                         entered_dt=datetime(measured_on.year, measured_on.month, 1, 9, tzinfo=UTC) +
                         timedelta(days=10))
                value = max(Decimal("0.5"), value + Decimal(rng.randrange(-8, 6)) / 10)
        for offset, (indicator, _target, achieved) in enumerate(MILESTONES):
            done = achieved is not None or rng.random() < 0.3
            target = add_years(on, -1) + timedelta(days=60 * offset)
            goals.append(dict(id=ctx.new_id(Goal), agreement_id=agreement_id, position=len(goals),
                              indicator=_local(indicator, group), unit=None, decimals=1, baseline_value=None,
                              baseline_date=None, target_type="milestone", target_value=None,
                              target_direction=None, target_date=target, description=_local(indicator, group),
                              achieved_on=min(target, on) if done else None,
                              achieved_by_id=coordinator if done else None, achieved_note=None))
        for goal in goals:
            self.rows[Goal.__tablename__].append(goal)
            self.goals.append((goal["id"], group.kommun.id))
        return goals


def seed_agreements(ctx: ScaleContext) -> None:
    """One agreement for every kommun and the audit kinds of keeping its goals and drafts."""
    made = _Agreements(ctx)
    with ctx.progress("Överenskommelser", len(ctx.kommuner)) as bar:
        for group in ctx.kommuner:
            made.agreement(group)
            bar.update(1)
        for model in TABLES:
            ctx.insert(model, made.rows[model.__tablename__])

    def measure(rng):
        goal_id, kommun_id = rng.choice(made.goals)
        return AuditEntry(ctx.staff(kommun_id, "samordnare")[0], "agreement.goal.measure", "Goal", str(goal_id),
                          details=json.dumps({"date": ctx.on.isoformat(), "source": "manual", "value": "4.2"},
                                             sort_keys=True))

    def save(rng):
        revision_id, kommun_id = rng.choice(made.drafts)
        return AuditEntry(ctx.staff(kommun_id, "samordnare")[0], "agreement.revision.save", "Revision",
                          str(revision_id), details=json.dumps({"number": 3}))

    if made.goals:
        ctx.add_audit_kind(0.5, measure)
        ctx.add_audit_kind(0.3, save)
