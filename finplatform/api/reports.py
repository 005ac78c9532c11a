"""Monthly report figures and target progress, for commission viewers and admins."""

from __future__ import annotations

import marshmallow as ma

from finplatform.api.core import api_blueprint, refusals, require_role
from finplatform.api.schemas import DecimalString
from finplatform.models import Role
from finplatform.reports import services, view
from finplatform.reports.periods import Month

bp = api_blueprint("api_reports", "/reports", "Monthly report figures and target progress.")

READERS = (Role.COMMISSION, Role.ADMIN)
TARGET_FIELDS = (
    "metric",
    "label_en",
    "wording_zh",
    "tracks_en",
    "unit",
    "value",
    "value_yuan",
    "kind",
    "measured",
)


class MonthlyReportSchema(ma.Schema):
    """A month's report: frozen figures for a closed month, live ones otherwise."""

    month = ma.fields.String(required=True, metadata={"example": "2014-06"})
    closed = ma.fields.Boolean(required=True)
    figures = ma.fields.Dict(
        required=True,
        metadata={"description": "Every figure of the report; money as decimal strings in yuan"},
    )
    tables = ma.fields.List(
        ma.fields.Dict(),
        required=True,
        metadata={
            "description": "The report's tables as the page, XLSX and CSV show them: name,"
            " title, headers and rows (money as decimal strings in yuan)"
        },
    )


class TargetProgressSchema(ma.Schema):
    """One target of the year with its year-to-date value and projection to year end."""

    metric = ma.fields.String(required=True)
    label_en = ma.fields.String(required=True)
    wording_zh = ma.fields.String(required=True)
    tracks_en = ma.fields.String(required=True)
    unit = ma.fields.String(required=True)
    value = DecimalString(4, required=True)
    value_yuan = DecimalString(2, allow_none=True)
    kind = ma.fields.String(
        required=True, metadata={"description": "money, count, level or unmeasured"}
    )
    measured = ma.fields.Boolean(required=True)
    projection = ma.fields.Dict(
        required=True,
        metadata={"description": "Year to date, percentage, projections and the verdict"},
    )


def _report(month_text: str) -> tuple[Month, dict]:
    require_role(*READERS)
    with refusals("path"):
        month = Month.parse(month_text)
    return month, services.report_for(month)


@bp.get("/monthly/<month_text>")
@bp.response(200, MonthlyReportSchema)
def monthly(month_text: str):
    """The report for a month given as YYYY-MM (closed months answer their frozen figures)."""
    month, report = _report(month_text)
    return {
        "month": str(month),
        "closed": bool(report.get("closed")),
        "figures": services.jsonable(report),
        "tables": [table.as_data() for table in view.report_tables(report)],
    }


@bp.get("/targets/<month_text>")
@bp.response(200, TargetProgressSchema(many=True))
def targets(month_text: str):
    """Every target of the month's year: value, year to date, percentage, projection, verdict."""
    _month, report = _report(month_text)
    return [
        {
            **{name: entry.get(name) for name in TARGET_FIELDS},
            "projection": services.jsonable(
                {key: value for key, value in entry.items() if key not in TARGET_FIELDS}
            ),
        }
        for entry in report["targets"]
    ]
