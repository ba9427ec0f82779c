"""The meetings' part of `flask seed-scale`: Vägen every other week and the styrgrupp four times a year per kommun.

Each kommun gets a year of past Vägen meetings with anonymised case items, final minutes and action items (some
still open, so "mina åtaganden" and the start card have rows), and half a year of coming meetings.
"""
from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from meetings.models import (
    ActionItem,
    AgendaItem,
    Meeting,
    MeetingSeries,
    Minutes,
    MinutesRevision,
    SeriesOrganisation,
    SeriesUser,
)
from portal.scale import KommunGroup, ScaleContext

TABLES = (MeetingSeries, SeriesOrganisation, SeriesUser, Meeting, AgendaItem, Minutes, MinutesRevision, ActionItem)
CASES = ("Ung person, 19 år, har avbrutit gymnasiet och saknar sysselsättning.",
         "Ung person, 22 år, långvarigt försörjningsstöd, vill pröva praktik.",
         "Ung person, 17 år, hög frånvaro, behöver samordnat stöd.")


class _Meetings:
    def __init__(self, ctx: ScaleContext):
        self.ctx, self.rng = ctx, ctx.rng("meetings")
        self.rows: dict[str, list[dict]] = {model.__tablename__: [] for model in TABLES}

    def add(self, model, **row) -> int:
        row.setdefault("id", self.ctx.new_id(model))
        self.rows[model.__tablename__].append(row)
        return row["id"]

    def series(self, group: KommunGroup, *, name: str, kind: str, members, days: list, coordinator) -> None:
        ctx, on = self.ctx, self.ctx.on
        series_id = self.add(MeetingSeries, name=name, kind=kind, place=f"{group.name}, kommunhuset",
                             start_time=time(9), length_minutes=120, agreement_id=None,
                             recurrence="weekly" if kind == "arendeforum" else "dates",
                             interval_weeks=2 if kind == "arendeforum" else None,
                             weekday=days[0].weekday() if kind == "arendeforum" else None, nth=None,
                             fixed_dates="" if kind == "arendeforum" else "22/2, 2/5, 5/9, 7/11",
                             starts_on=days[0], ends_on=days[-1], holiday_policy="move", proposal_days=2, version=1,
                             created_dt=ctx.now - timedelta(days=400))
        for org in members:
            self.add(SeriesOrganisation, series_id=series_id, organisation_id=org.id, joined_on=days[0])
        self.add(SeriesUser, series_id=series_id, user_id=coordinator.id, is_coordinator=True)
        for day in days:
            stamp = datetime.combine(day, time(8), UTC)
            meeting_id = self.add(Meeting, series_id=series_id, scheduled_on=day, on_date=day, start_time=time(9),
                                  length_minutes=120, place=f"{group.name}, kommunhuset", state="planned",
                                  change_note="", published_dt=stamp - timedelta(days=2) if day <= on else None,
                                  version=1)
            if day > on + timedelta(days=14):
                continue
            items = []
            for position, (item_kind, title) in enumerate((("information", "Läget hos verksamheterna"),
                                                           ("arende", "Ärendedragning"), ("beslut", "Beslut"))):
                items.append(self.add(
                    AgendaItem, meeting_id=meeting_id, position=position + 1, kind=item_kind, title=title,
                    description="", presenter_org_id=members[position % len(members)].id,
                    presenter_user_id=coordinator.id, minutes_planned=20, state="accepted",
                    proposed_by_id=coordinator.id, proposed_by_org_id=coordinator.org_id,
                    proposed_dt=stamp - timedelta(days=7), person_id=None,
                    anonymised_text=self.rng.choice(CASES) if item_kind == "arende" else "", referral_ref="",
                    is_for_revision=False))
            if day > on:
                continue
            minutes_id = self.add(Minutes, meeting_id=meeting_id, state="final", version=1,
                                  finalised_dt=stamp + timedelta(days=1), finalised_by_id=coordinator.id,
                                  sent_dt=None)
            content = {"items": {str(i): {"notes": "Diskuterades.", "decision": ""} for i in items},
                       "attendance": {str(o.id): {"status": "present", "replaced_by": ""} for o in members},
                       "general": ""}
            self.add(MinutesRevision, minutes_id=minutes_id, number=1, content=content, saved_by_id=coordinator.id,
                     saved_dt=stamp + timedelta(hours=6), correction_reason="")
            owner = self.rng.choice(members)
            done = day < on - timedelta(days=45) or self.rng.random() < 0.5
            self.add(ActionItem, series_id=series_id, meeting_id=meeting_id, what="Boka trepartssamtal",
                     owner_user_id=None, owner_org_id=owner.id, due_on=day + timedelta(days=21),
                     state="done" if done else "open", created_by_id=coordinator.id,
                     created_dt=stamp + timedelta(hours=6), done_dt=stamp + timedelta(days=14) if done else None,
                     done_by_id=coordinator.id if done else None)


def seed_meetings(ctx: ScaleContext) -> None:
    """Vägen and a styrgrupp for every kommun that has a coordinator."""
    made = _Meetings(ctx)
    on = ctx.on
    with ctx.progress("Möten", len(ctx.kommuner)) as bar:
        for group in ctx.kommuner:
            coordinators = ctx.staff(group.kommun.id, "samordnare")
            if not coordinators:
                bar.update(1)
                continue
            start = on - timedelta(days=364 + on.weekday() - 1)  # a Tuesday a year back
            vagen_days = [start + timedelta(weeks=2 * n) for n in range(40)]
            made.series(group, name=f"Vägen {group.name}", kind="arendeforum", members=list(group.units),
                        days=vagen_days, coordinator=coordinators[0])
            steering = sorted(d for year in (on.year - 1, on.year) for d in (
                on.replace(year=year, month=2, day=22), on.replace(year=year, month=5, day=2),
                on.replace(year=year, month=9, day=5), on.replace(year=year, month=11, day=7)))
            made.series(group, name=f"Styrgrupp DUA {group.name}", kind="styrgrupp",
                        members=[group.kommun, group.af], days=steering, coordinator=coordinators[0])
            bar.update(1)
        for model in TABLES:
            ctx.insert(model, made.rows[model.__tablename__])
