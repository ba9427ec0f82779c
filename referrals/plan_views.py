"""Action plan pages on the referrals blueprint: the plan with its form (every save a version), an earlier
version, two versions compared, and the .docx to take home."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import audit
from portal.errors import StaleEdit
from portal.forms import safe_filename, submit, to_int
from portal.people.gate import gate
from portal.people.views import load_person
from portal.permissions import check, requires
from referrals import plan_document, plans, routine_rules
from referrals.routine_forms import PlanForm
from referrals.views import bp

PURPOSE = plans.PURPOSE


def _load(ref: str):
    """The person (404), the user's organisation's plan for them (None when none yet), and the gate's view; a
    person the organisation may not see for coordination has no plan page (403)."""
    person = load_person(ref)
    check(routine_rules.can_write_plan(current_user), "plan.read", person_id=person.id)
    view = gate(current_user, person, PURPOSE)
    check(view.allowed, "plan.read", person_id=person.id)
    return person, plans.plan_for(person, current_user.organisation_id), view


def _version(plan, number):
    found = next((v for v in plan.versions if v.number == number), None) if plan is not None else None
    if found is None:
        abort(404)
    return found


@bp.route("/handlingsplan/<ref>", methods=["GET", "POST"])
@requires("plan.write")
def plan(ref: str):
    person, plan_row, view = _load(ref)
    latest = plans.latest(plan_row)
    if request.method == "GET":
        form = PlanForm(obj=latest) if latest is not None else PlanForm()
        form.version.data = str(latest.number if latest is not None else 0)
        return render_template("referrals/plans/plan.html", person=person, plan=plan_row, view=view, form=form,
                               latest=latest, fields=plans.FIELDS, as_text=plans.as_text, stale=None)
    form = PlanForm()
    values = {name: getattr(form, name).data for name in plans.FIELDS}
    stale = {}

    def save():
        try:
            return plans.save(person, by=current_user, expected_version=form.version.data, **values)
        except StaleEdit as exc:
            stale["version"] = exc.record
            raise

    outcome = submit(form, save)
    if outcome.done:
        flash(_("Planen är sparad som version %(n)s.", n=outcome.result.number), "success")
        return redirect(url_for("referrals.plan", ref=ref))
    return render_template("referrals/plans/plan.html", person=person, plan=plan_row, view=view, form=form,
                           latest=latest, fields=plans.FIELDS, as_text=plans.as_text,
                           stale=stale.get("version")), outcome.status


@bp.route("/handlingsplan/<ref>/version/<int:number>")
@requires("plan.write")
def plan_version(ref: str, number: int):
    person, plan_row, view = _load(ref)
    version = _version(plan_row, number)
    return render_template("referrals/plans/version.html", person=person, plan=plan_row, view=view, version=version,
                           fields=plans.FIELDS, as_text=plans.as_text)


@bp.route("/handlingsplan/<ref>/jamfor")
@requires("plan.write")
def plan_compare(ref: str):
    person, plan_row, view = _load(ref)
    if plan_row is None or not plan_row.versions:
        abort(404)
    newest = plan_row.versions[-1].number
    first = to_int(request.args.get("fran"), minimum=1) or max(newest - 1, 1)
    second = to_int(request.args.get("till"), minimum=1) or newest
    old, new = _version(plan_row, first), _version(plan_row, second)
    return render_template("referrals/plans/compare.html", person=person, plan=plan_row, view=view, old=old, new=new,
                           changes=plans.compare(old, new))


@bp.route("/handlingsplan/<ref>/version/<int:number>/handlingsplan.docx")
@requires("plan.write")
def plan_docx(ref: str, number: int):
    import io

    person, plan_row, view = _load(ref)
    version = _version(plan_row, number)
    data = plan_document.to_bytes(version, person_name=view.label, organisation_name=plan_row.organisation.name,
                                  saved_by=version.saved_by.name)
    audit.record("plan.export", by=current_user, obj=plan_row, person_id=person.id, details={"version": number})
    name = safe_filename(f"handlingsplan-{number}.docx", "handlingsplan.docx")
    return send_file(io.BytesIO(data), as_attachment=True, download_name=name,
                     mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
