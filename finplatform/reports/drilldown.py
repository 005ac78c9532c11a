"""The rows behind one figure of a month's report (the drill-down): the figure's own query
(measures.py), selecting rows instead of summing them, so the rows are exactly those counted."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from finplatform.exceptions import DomainError
from finplatform.reports import metrics, services
from finplatform.reports.measures import MEASURES, Scope
from finplatform.reports.periods import Month

DRILL_SCOPES = ("month", "adjustments", "ytd")


def drilldown_select(
    month: Month,
    measure_name: str,
    scope_name: str,
    filters: dict[str, str],
    metric: str | None = None,
) -> sa.Select:
    """The rows behind one figure of a month's report, newest first."""
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
