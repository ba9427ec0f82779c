"""Offering pages on the referrals blueprint: places in a routine, the candidates put forward, the selection with
its waiting list, and a place given back (offered to the first who waits)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.clock import today
from portal.db import db
from portal.forms import ButtonForm, submit
from portal.orgs import Organisation
from portal.people.gate import gate
from portal.permissions import check, requires
from referrals import offerings, routine_rules
from referrals import routines as runs
from referrals.routine_forms import ChooseForm, NominateForm, OfferingForm
from referrals.routine_models import Candidate, Offering, RoutineRun
from referrals.views import bp

PURPOSE = runs.PURPOSE


def _routines():
    return [r for r in runs.routines_of(current_user.organisation) if not r.has_expired(today())]


@bp.route("/rutiner/platser", methods=["GET", "POST"])
@requires("routine.offer")
def offerings_page():
    routines = _routines()
    form = OfferingForm()
    form.routine.choices = [(r.key, r.title) for r in routines]
    by_key = {r.key: r for r in routines}
    outcome = submit(form, lambda: offerings.create(
        by_key.get(form.routine.data) or routines[0], by=current_user, title=form.title.data or "",
        starts_on=form.starts_on.data, ends_on=form.ends_on.data, places=form.places.data) if routines else None)
    if outcome.done and outcome.result is not None:
        flash(_("Platserna är upplagda."), "success")
        return redirect(url_for("referrals.offering", offering_id=outcome.result.id))
    return render_template("referrals/routines/offerings.html", form=form, titles={r.key: r.title for r in routines},
                           offerings=offerings.offerings_of(current_user.organisation_id)), outcome.status


def _load(offering_id: int) -> Offering:
    offering = db.session.get(Offering, offering_id)
    if offering is None:
        abort(404)
    check(routine_rules.can_offer(current_user, offering), "routine.offer", obj=offering)
    return offering


def _page(offering: Offering, status: int = 200, **forms):
    candidates = offering.candidates
    views = gate(current_user, [c.run.person_id for c in candidates], PURPOSE, records=False) if candidates else []
    nominate = forms.get("nominate_form") or NominateForm(prefix="foresla")
    taken = {c.run_id for c in candidates}
    units = select(Organisation.id).where(Organisation.parent_id == offering.organisation_id)
    open_runs = [r for r in db.session.scalars(select(RoutineRun).where(
        RoutineRun.organisation_id.in_(units) | (RoutineRun.organisation_id == offering.organisation_id),
        RoutineRun.routine_key == offering.routine_key,
        RoutineRun.state == "active").order_by(RoutineRun.id).limit(500)) if r.id not in taken]
    run_views = gate(current_user, [r.person_id for r in open_runs], PURPOSE, records=False) if open_runs else []
    nominate.run.choices = [(str(r.id), v.label) for r, v in zip(open_runs, run_views, strict=True)]
    choose = forms.get("choose_form") or ChooseForm(prefix="urval", version=offering.version)
    rows = list(zip(candidates, views, strict=True))
    choose.chosen.choices = [(str(c.id), v.label) for c, v in rows if c.state in ("candidate", "waiting")]
    # A candidate's run is linked only where the user may open it (the rule after the gate's views above, which
    # it reads from the request's cache): a coordinator of the kommun sees its units' runs by pseudonym only.
    linkable = {c.run_id for c in candidates if routine_rules.can_see_run(current_user, c.run)}
    return render_template("referrals/routines/offering.html", offering=offering, rows=rows, nominate_form=nominate,
                           linkable=linkable,
                           choose_form=choose, release_form=forms.get("release_form"),
                           free=offering.places - offering.taken), status


@bp.route("/rutiner/platser/<int:offering_id>")
@requires("routine.offer")
def offering(offering_id: int):
    return _page(_load(offering_id))


@bp.route("/rutiner/platser/<int:offering_id>/foresla", methods=["POST"])
@requires("routine.offer")
def nominate(offering_id: int):
    offering = _load(offering_id)
    form = NominateForm(prefix="foresla")
    form.run.choices = [(form.run.data, "")] if form.run.data else []

    def go():
        run = db.session.get(RoutineRun, int(form.run.data)) if (form.run.data or "").isdigit() and \
            int(form.run.data) < 2**31 else None
        if run is None:
            raise offerings.OfferingError(_("Välj en deltagare."), "run")
        return offerings.nominate(offering, run, by=current_user)

    outcome = submit(form, go)
    if outcome.done:
        flash(_("Deltagaren är föreslagen till platserna."), "success")
        return redirect(url_for("referrals.offering", offering_id=offering.id))
    return _page(offering, outcome.status, nominate_form=form)


@bp.route("/rutiner/platser/<int:offering_id>/urval", methods=["POST"])
@requires("routine.offer")
def choose(offering_id: int):
    offering = _load(offering_id)
    form = ChooseForm(prefix="urval")
    outcome = submit(form, lambda: offerings.choose(offering, chosen=form.chosen.data or [], by=current_user,
                                                    expected_version=form.version.data))
    if outcome.done:
        flash(_("Urvalet är gjort. De som inte fick plats står på väntelistan."), "success")
        return redirect(url_for("referrals.offering", offering_id=offering.id))
    return _page(offering, outcome.status, choose_form=form)


@bp.route("/rutiner/platser/<int:offering_id>/kandidat/<int:candidate_id>/lamna", methods=["POST"])
@requires("routine.offer")
def release(offering_id: int, candidate_id: int):
    offering = _load(offering_id)
    candidate = db.session.get(Candidate, candidate_id)
    if candidate is None or candidate.offering_id != offering.id:
        abort(404)
    form = ButtonForm()
    outcome = submit(form, lambda: offerings.release(candidate, by=current_user))
    if outcome.done:
        flash(_("Platsen är lämnad och erbjuden den första på väntelistan.") if outcome.result
              else _("Platsen är lämnad."), "success")
        return redirect(url_for("referrals.offering", offering_id=offering.id))
    return _page(offering, outcome.status, release_form=form)  # the refusal above the list of candidates
