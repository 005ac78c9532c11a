"""The commission's landing page: this year's targets with their progress, the month's key
figures and links into the report; read-only (admins edit targets in the admin pages).

It presents what the monthly report computes (`reports.services.report_for`), nothing more:
the figures and their definitions belong to the report.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template, request

from finplatform.access import role_required
from finplatform.extensions import db
from finplatform.models import Role, Target
from finplatform.reports import charts, closing, services
from finplatform.reports.periods import Month

bp = Blueprint("targets", __name__, url_prefix="/targets")

KEY_FIGURES = ("requests", "applications", "approvals", "disbursements")


def _dashboard_month(year: int | None) -> Month:
    """December of a past year asked for (one with data); else the latest month with data,
    never after now."""
    current = Month.current()
    bounds = closing.months_with_data()
    if bounds is None:
        return current
    if year is not None and not bounds[0].year <= year <= current.year:
        year = None  # a year without data (or not a year at all): the latest one
    if year and year < current.year:
        return Month(year, 12)
    latest = min(bounds[1], current)
    return latest if not year or latest.year == year else current


@bp.get("/")
@role_required(Role.COMMISSION, Role.ADMIN)
def index():
    """Each target's progress this year (value, %, expected by now, projection, verdict) with
    charts, the month's key figures, and links into the month's report."""
    years = db.session.scalars(sa.select(Target.year).distinct().order_by(Target.year)).all()
    month = _dashboard_month(request.args.get("year", type=int))
    report = services.report_for(month)
    return render_template(
        "targets/index.html",
        report=report,
        month=month,
        year=month.year,
        years=years,
        key_figures=KEY_FIGURES,
        charts=charts.target_charts(report),
    )
