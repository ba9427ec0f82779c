"""Pages of the KAA half-year report (counts, chart, CSV) and the SCB export file, on the area's blueprint."""
from __future__ import annotations

import csv
import io

from flask import Response, abort, render_template, request
from flask_login import current_user
from markupsafe import Markup

from kaa import reports, rules, scb
from kaa.models import DEREGISTRATION_REASONS
from kaa.views import bp
from portal import audit
from portal.forms import attachment
from portal.people.gate import gate
from portal.permissions import check, requires


def _period() -> reports.Period:
    """The half-year asked for (?period=2026-1), else the current one; anything else is no page (404)."""
    key = request.args.get("period")
    if key is None:
        return reports.current_period()
    period = reports.Period.parse(key)
    if period is None:
        abort(404)
    return period


def _kommunkod() -> str:
    code = rules.report_kommunkod(current_user)
    check(code is not None, "kaa:report-not-kommun")
    return code


@bp.route("/rapport")
@requires("kaa.report")
def report():
    period = _period()
    code = _kommunkod()
    current, previous = reports.figures(code, period), reports.figures(code, period.previous())
    periods = [reports.current_period()]
    for _i in range(5):
        periods.append(periods[-1].previous())
    return render_template("kaa/report.html", current=current, previous=previous, counts=reports.COUNTS,
                           reasons=DEREGISTRATION_REASONS, chart=Markup(reports.chart_svg(current, previous)),
                           periods=periods, period=period, scb=rules.can_work_register(current_user))


@bp.route("/rapport.csv")
@requires("kaa.report")
def report_csv():
    period = _period()
    code = _kommunkod()
    body = reports.report_csv(reports.figures(code, period), reports.figures(code, period.previous()))
    return Response(body, mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": attachment(f"kaa-halvar-{code}-{period.key}.csv")})


@bp.route("/rapport/scb.csv")
@requires("kaa.work")
def scb_export():
    """One row per person and period with the personnummer: KAA staff only (the report's readers get counts)."""
    period = _period()
    code = _kommunkod()
    check(rules.can_work_register(current_user, code), "kaa:not-kaa-staff")
    ids = reports.people_in(code, period)
    views = gate(current_user, ids, rules.PURPOSE, records=False)
    numbers = {v.person_id: (v.number.replace("-", "") if v.allowed else "") for v in views}
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(scb.COLUMNS)
    writer.writerows(reports.scb_rows(code, period, numbers))
    audit.record("kaa.report.scb", by=current_user, details={"period": period.key, "rows": len(ids)})
    return Response(out.getvalue(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": attachment(f"kaa-scb-{code}-{period.key}.csv")})
