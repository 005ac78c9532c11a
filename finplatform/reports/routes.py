"""The monthly report pages: the report with charts, its exports, the rows behind each figure,
and (admins) closing months and generating reports in the background."""

from __future__ import annotations

import io

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from finplatform.access import role_required
from finplatform.exceptions import DomainError
from finplatform.extensions import db
from finplatform.forms_support import refusal_shown
from finplatform.jobs import enqueue, job_status
from finplatform.labels import label
from finplatform.models import Institution, Role
from finplatform.reports import charts, closing, exports, metrics, services, view
from finplatform.reports.forms import MonthForm
from finplatform.reports.jobs import generate_monthly_report, generated_xlsx
from finplatform.reports.measures import DIMENSIONS, MEASURES, Scope
from finplatform.reports.periods import Month, year_months

bp = Blueprint("reports", __name__, url_prefix="/reports")
READERS = (Role.COMMISSION, Role.ADMIN)


def _month_arg() -> Month:
    """The month asked for (?month=YYYY-MM, or the picker's ?year=YYYY&m=MM), else the latest
    month with data (never after this month), else the last month that has ended."""
    text = request.args.get("month")
    year, number = request.args.get("year", type=int), request.args.get("m", type=int)
    if not text and year and number:
        text = f"{year:04d}-{number:02d}"
    if not text:
        bounds = closing.months_with_data()
        if bounds is None:
            return Month.current().previous
        return min(bounds[1], Month.current())
    return Month.found_in(text) or abort(404)


def _picker(month: Month) -> dict:
    """The years and months the report's month picker offers."""
    bounds = closing.months_with_data()
    first = min(bounds[0].year if bounds else month.year, month.year)
    last = max(Month.current().year, month.year)
    return {"years": list(range(last, first - 1, -1)), "months": list(range(1, 13))}


@bp.get("/")
@role_required(*READERS)
def index():
    """A month's report: figures, targets with projections, charts and breakdowns."""
    month = _month_arg()
    report = services.report_for(month)
    return render_template(
        "reports/report.html",
        report=report,
        month=month,
        picker=_picker(month),
        charts={**charts.target_charts(report), "by_kind": charts.by_kind_chart(report)},
        late_rows=closing.late_rows_count(month) if report["closed"] else 0,
        view=view.report_tables(report),
    )


@bp.get("/xlsx")
@role_required(*READERS)
def xlsx():
    """The report as an Excel workbook with native charts."""
    month = _month_arg()
    workbook = io.BytesIO()
    exports.write_xlsx(services.report_for(month), workbook)
    return Response(
        workbook.getvalue(),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f"attachment; filename=report-{month}.xlsx"},
    )


@bp.get("/csv")
@role_required(*READERS)
def csv():
    """One table of the report as CSV (UTF-8 with BOM)."""
    month = _month_arg()
    name = request.args.get("table", "summary")
    tables = {table.name: table for table in view.report_tables(services.report_for(month))}
    if name not in tables:
        abort(404)
    return Response(
        exports.table_csv(tables[name]),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=report-{month}-{name}.csv"},
    )


@bp.get("/rows")
@role_required(*READERS)
def rows():
    """The rows behind one figure, paginated."""
    month = _month_arg()
    measure = request.args.get("measure", "disbursements")
    scope = request.args.get("scope", "month")
    filters = {name: request.args[name] for name in DIMENSIONS if request.args.get(name)}
    metric = request.args.get("metric") or None
    with refusal_shown(category="warning") as attempt:
        statement = _rows_behind(month, measure, scope, filters, metric)
    if not attempt.ok:
        return redirect(url_for("reports.index", month=str(month)))
    page = db.paginate(
        statement,
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    return render_template(
        "reports/rows.html",
        page=page,
        month=month,
        measure=measure,
        scope=scope,
        filters=filters,
        filter_names={name: _filter_name(name, key) for name, key in filters.items()},
        metric=metric,
    )


def _rows_behind(
    month: Month, measure_name: str, scope_name: str, filters: dict[str, str], metric: str | None
) -> sa.Select:
    """The rows behind one figure, newest first: the figure's own query (measures.py) selecting
    rows instead of summing them, so the rows are exactly those counted."""
    if measure_name not in MEASURES:
        raise DomainError(_l("Unknown figure."), "measure")
    measure = MEASURES[measure_name]
    unknown = set(filters) - set(measure.dimensions)
    if unknown:
        raise DomainError(
            _l("This figure has no breakdown by %(name)s.", name=", ".join(sorted(unknown))),
            "dimension",
        )
    closed = services.closings()
    if scope_name == "month":
        scope = Scope.month(month, recorded_until=closed.get(month))
    elif scope_name == "adjustments":
        scope = services.adjustment_scope(month, closed) or Scope(month.first_day, month.first_day)
    elif scope_name == "ytd":
        scope = Scope.year_to_date(month)
    else:
        raise DomainError(_l("Unknown period."), "scope")
    statement = measure.select([measure.entity], scope, filters=filters)
    if metric is not None:
        if measure_name != "disbursements" or metric not in metrics.DISBURSED_METRICS:
            raise DomainError(_l("Unknown target."), "metric")
        statement = statement.where(*metrics.money_metric_conditions()[metric])
    return statement.order_by(measure.date_column.desc(), measure.entity.id.desc())


def _filter_name(dimension: str, key: str) -> str:
    """What a drill-down filter reads as: the institution's name, or the list entry's label."""
    if dimension != "institution":
        return label(dimension, key)
    institution = db.session.get(Institution, int(key)) if key.isdigit() else None
    return institution.name if institution is not None else key


def _posted_month() -> Month | None:
    """The month the close or generate button posted; None (the reasons flashed) when the
    form is refused."""
    form = MonthForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "danger")
        return None
    with refusal_shown() as attempt:
        month = Month.parse(form.month.data)
    return month if attempt.ok else None


@bp.get("/admin")
@role_required(Role.ADMIN)
def admin():
    """Months of a year, open or closed; close the months up to a chosen one in one step;
    generate a report in the background."""
    year = request.args.get("year", type=int) or Month.current().previous.year
    if not 2000 <= year <= 2100:
        abort(404)
    closed = services.closings()
    months = [
        {
            "month": month,
            "closed_at": closed.get(month),
            "ended": month < Month.current(),
            "generated": generated_xlsx(month).exists(),
        }
        for month in year_months(year)
    ]
    return render_template(
        "reports/admin.html",
        months=months,
        year=year,
        form=MonthForm(),
        closable=closing.closable_months(),
        job_id=request.args.get("job"),
    )


@bp.post("/close")
@role_required(Role.ADMIN)
def close():
    """Close every month from the next one to close up to the chosen one: each report is
    frozen from now on."""
    month = _posted_month()
    if month is None:
        return redirect(url_for("reports.admin"))
    with refusal_shown() as attempt:
        snapshots = closing.close_months_through(month, current_user)
    if not attempt.ok:
        return redirect(url_for("reports.admin"))
    first = Month.of(snapshots[0].month)
    if len(snapshots) == 1:
        flash(_("%(month)s is closed; its report is frozen.", month=str(month)), "success")
    else:
        flash(
            _(
                "%(first)s to %(last)s are closed (%(count)s months); their reports are frozen.",
                first=str(first),
                last=str(month),
                count=len(snapshots),
            ),
            "success",
        )
    return redirect(url_for("reports.admin", year=month.year))


@bp.post("/generate")
@role_required(Role.ADMIN)
def generate():
    """Generate a month's workbook in the background (at once without Redis)."""
    month = _posted_month()
    if month is None:
        return redirect(url_for("reports.admin"))
    handle = enqueue(generate_monthly_report, str(month), description=f"monthly report {month}")
    if handle.inline:
        flash(_("The report for %(month)s is ready.", month=str(month)), "success")
        return redirect(url_for("reports.admin", year=month.year))
    flash(_("The report for %(month)s is being generated.", month=str(month)), "info")
    return redirect(url_for("reports.admin", year=month.year, job=handle.id))


@bp.get("/job")
@role_required(Role.ADMIN)
def job():
    """Progress of a report job, as JSON for the admin page."""
    status = job_status(request.args.get("id", ""))
    if status is None:
        return jsonify({"status": "unknown", "status_label": label("job_state", "unknown")}), 404
    shown = {key: status[key] for key in ("id", "status", "done", "total", "message")}
    # What the page shows: the state and step in words (the codes stay for the script's logic).
    shown["status_label"] = label("job_state", status["status"])
    shown["message_label"] = label("job_step", status["message"])
    return jsonify(shown)


@bp.get("/generated")
@role_required(*READERS)
def generated():
    """Download the workbook a report job left for a month."""
    path = generated_xlsx(_month_arg())
    if not path.exists():
        abort(404)
    return send_file(path, as_attachment=True, download_name=path.name)
