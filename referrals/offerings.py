"""Places in a routine (an offering: e.g. 8 traineejobb places in 2027), the candidates put forward, the selection
when they exceed the places, and the waiting list that gets the next free place."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from agreements import RoutineInfo
from portal import audit
from portal.db import db, utcnow
from portal.errors import RuleError, StaleEdit
from portal.forms import to_int
from portal.permissions import check_by, own_and_parent_ids
from portal.text import clean_line
from referrals import routine_rules as rules
from referrals import routines as runs
from referrals.routine_models import Candidate, Offering, RoutineRun


class OfferingError(RuleError):
    """An offering or a selection cannot be made as asked."""


def create(routine: RoutineInfo, *, by, title: str, starts_on, ends_on, places) -> Offering:
    check_by(by, lambda user, _o: rules.can_offer(user), None, "routine.offer")
    problems = []
    title = clean_line(title or "").strip()[:200]
    if not title:
        problems.append(("title", _l("Skriv vad platserna gäller, t.ex. ”Traineejobb i äldreomsorgen 2027”.")))
    count = to_int(places, minimum=1, maximum=10000)
    if count is None:
        problems.append(("places", _l("Ange antalet platser som ett heltal mellan 1 och 10 000.")))
    if starts_on is None or ends_on is None:
        problems.append(("starts_on", _l("Ange periodens första och sista dag.")))
    elif ends_on < starts_on:
        problems.append(("ends_on", _l("Periodens sista dag kan inte vara före den första.")))
    if not own_and_parent_ids(by.organisation) & routine.party_ids:
        problems.append((None, _l("Din organisation är inte part i överenskommelsen som rutinen hör till.")))
    if problems:
        raise OfferingError(problems[0][1], problems[0][0], errors=problems)
    offering = Offering(organisation_id=by.organisation_id, agreement_id=routine.agreement_id,
                        routine_key=routine.key, title=title, starts_on=starts_on, ends_on=ends_on, places=count)
    db.session.add(offering)
    db.session.flush()
    audit.record("routine.offering.create", by=by, obj=offering, details={"places": count})
    return offering


def nominate(offering: Offering, run: RoutineRun, *, by) -> Candidate:
    """Put a run forward for the offering's places."""
    check_by(by, rules.can_offer, offering, "routine.offer")
    # The kommun offers the places; its units (AMI) hold the runs.
    ours = offering.organisation_id in own_and_parent_ids(run.organisation)
    if run.routine_key != offering.routine_key or run.state != "active" or not ours:
        raise OfferingError(_l("Bara en pågående rutin av samma slag hos er kan föreslås till platserna."), "run")
    if any(c.run_id == run.id for c in offering.candidates):
        raise OfferingError(_l("Deltagaren är redan föreslagen till platserna."), "run")
    candidate = Candidate(run_id=run.id, state="candidate")

    # Two coordinators putting the same run forward at once: the second is stale, not a 500.
    _write_or_stale(offering, lambda: offering.candidates.append(candidate))
    audit.record("routine.offering.nominate", by=by, obj=offering, person_id=run.person_id)
    return candidate


def _take_place(candidate: Candidate, by) -> None:
    """Selected: the run's selection sub-step is done when the run stands on it."""
    candidate.state, candidate.rank = "selected", None
    run = candidate.run
    routine = runs.routine_of(run)
    step = routine.step(run.current) if run.current else None
    if step is not None and step.is_selection:
        row = run.step(run.current)
        row.state, row.done_by_id, row.done_dt = "done", by.id, utcnow()
        runs._advance(run, routine)  # noqa: SLF001 - the selection is the step's completion


def _bump(offering: Offering) -> None:
    """Count a selection, a nomination or a place given back as a change of the offering: its version moves on,
    so two coordinators acting at the same moment cannot both fill the same free places (the second is stale)."""
    flag_modified(offering, "places")


def stale(offering: Offering) -> StaleEdit:
    """The refusal for a coordinator whose selection met another one's: says how the places stand now."""
    waiting = sum(1 for c in offering.candidates if c.state == "waiting")
    return StaleEdit(offering.version, offering, _l(
        "Någon annan ändrade urvalet till platserna samtidigt. Nu har %(taken)s av %(places)s platser en deltagare "
        "och %(waiting)s står på väntelistan. Ditt val finns kvar nedan men är inte sparat: se listan ovan och gör "
        "om urvalet om det fortfarande behövs.",
        taken=offering.taken, places=offering.places, waiting=waiting))


def _write_or_stale(offering: Offering, write):
    """Run the write and flush it; when another coordinator's write won (its UPDATE ... WHERE version = n found
    nothing, on the offering or on a run it moves), refuse with how the places stand now instead of a 500."""
    try:
        # The offering's row first, alone: a second coordinator waits here for the first to commit, then finds
        # the version moved. Written after the candidates, two selections lock rows in opposite orders (deadlock).
        _bump(offering)
        db.session.flush()
        result = write()
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        db.session.refresh(offering)
        raise stale(offering) from None
    return result


def choose(offering: Offering, *, chosen, by, expected_version=None) -> list[Candidate]:
    """The selection ("urval"): the chosen candidates take places; every other open candidate goes on the
    waiting list in the order given by `chosen` being absent, i.e. nomination order, ranked 1, 2, …"""
    check_by(by, rules.can_offer, offering, "routine.offer")
    if expected_version not in (None, "") and str(expected_version) != str(offering.version):
        raise stale(offering)
    return _write_or_stale(offering, lambda: _choose(offering, chosen, by))


def _choose(offering: Offering, chosen, by) -> list[Candidate]:
    ids = [i for i in (to_int(c, minimum=1) for c in chosen or ()) if i is not None]
    by_id = {c.id: c for c in offering.candidates if c.state in ("candidate", "waiting")}
    picked = [by_id[i] for i in dict.fromkeys(ids) if i in by_id]
    free = offering.places - offering.taken
    if not picked and free:  # a selection of nobody would put everyone on the waiting list beside free places
        raise OfferingError(_l("Välj minst en deltagare som får en plats."), "chosen")
    if len(picked) > free:
        raise OfferingError(_l("Du valde %(n)s deltagare men det finns %(free)s lediga platser. Välj högst "
                               "%(free)s.", n=len(picked), free=free), "chosen")
    for candidate in picked:
        _take_place(candidate, by)
    rest = [c for c in offering.candidates if c.state in ("candidate", "waiting") and c not in picked]
    rest.sort(key=lambda c: (c.rank is None, c.rank or 0, c.id))
    for rank, candidate in enumerate(rest, start=1):
        candidate.state, candidate.rank = "waiting", rank
    db.session.flush()
    audit.record("routine.offering.select", by=by, obj=offering,
                 details={"selected": len(picked), "waiting": len(rest)})
    return picked


def release(candidate: Candidate, *, by, expected_version=None) -> Candidate | None:
    """A selected candidate leaves the place: the first on the waiting list is offered it. Returns who got it."""
    offering = candidate.offering
    check_by(by, rules.can_offer, offering, "routine.offer")
    if expected_version not in (None, "") and str(expected_version) != str(offering.version):
        raise stale(offering)
    return _write_or_stale(offering, lambda: _release(offering, candidate, by))


def _release(offering: Offering, candidate: Candidate, by) -> Candidate | None:
    if candidate.state != "selected":
        raise OfferingError(_l("Deltagaren har ingen plats att lämna."), "candidate")
    candidate.state = "left"
    waiting = sorted((c for c in offering.candidates if c.state == "waiting"), key=lambda c: c.rank or 0)
    successor = None
    if waiting:
        successor = waiting[0]
        _take_place(successor, by)
        for rank, c in enumerate(waiting[1:], start=1):
            c.rank = rank
    db.session.flush()
    audit.record("routine.offering.release", by=by, obj=offering, person_id=candidate.run.person_id)
    return successor


def offerings_of(organisation_id: int, routine_key: str | None = None) -> list[Offering]:
    stmt = select(Offering).where(Offering.organisation_id == organisation_id).order_by(Offering.starts_on.desc())
    if routine_key:
        stmt = stmt.where(Offering.routine_key == routine_key)
    return list(db.session.scalars(stmt))


ACTION_LABELS = {
    "routine.offering.create": _l("Platser i rutin upplagda"),
    "routine.offering.nominate": _l("Deltagare föreslagen till platser i rutin"),
    "routine.offering.select": _l("Urval till platser i rutin gjort"),
    "routine.offering.release": _l("Plats i rutin lämnad; nästa på väntelistan erbjuden"),
}
