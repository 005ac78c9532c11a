"""The report's summed figures, read from the facts (facts.py) or, with `live`, counted from the
source tables (measures.py, metrics.py) — the same numbers either way; a closing counts live,
as of its instant."""

from __future__ import annotations

import functools
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from finplatform.extensions import db
from finplatform.models import ReportFact
from finplatform.reports import measures, metrics
from finplatform.reports.measures import MEASURES, ZERO, Measure, Scope, to_money
from finplatform.reports.periods import Month

F = ReportFact


def _typed(measure: Measure, dimension: str, key: str):
    """A fact's text key as the dimension's column holds it (institution ids are numbers)."""
    if key == "":
        return None
    return int(key) if _numbered(measure.name, dimension) else key


@functools.cache
def _numbered(measure: str, dimension: str) -> bool:
    return isinstance(MEASURES[measure].dimensions[dimension][0].type, sa.Integer)


def _kept_totals(measure: Measure, first_days: list[date]) -> dict[date, dict]:
    """A measure's count and amount in the months starting on `first_days`, from the facts."""
    found = {
        row.month: row
        for row in db.session.execute(
            sa.select(F.month, F.count, F.amount).where(
                F.measure == measure.name, F.dimension == "", F.month.in_(first_days)
            )
        )
    }
    return {
        day: {
            "count": int(found[day].count) if day in found else 0,
            "amount": None
            if measure.amount is None
            else to_money(found[day].amount if day in found else None),
        }
        for day in first_days
    }


def totals(measure: Measure, scope: Scope, live: bool) -> dict:
    """A measure's count and amount in one month (`scope`: that month's)."""
    if live:
        return measures.totals(measure, scope)
    return _kept_totals(measure, [scope.date_from])[scope.date_from]


def totals_by_month(measure: Measure, months: list[Month], live: bool) -> dict[Month, dict]:
    """A measure's count and amount in each of some months."""
    if live or not months:
        return measures.totals_by_month(measure, months)
    kept = _kept_totals(measure, [month.first_day for month in months])
    return {month: kept[month.first_day] for month in months}


def breakdowns(scope: Scope, live: bool) -> dict[str, dict[str, list[dict]]]:
    """Every measure's breakdowns in one month, each dimension's names read once."""
    sums: dict[str, dict[str, list[tuple]]] = {}
    for name, measure in MEASURES.items():
        if live:
            sums[name] = measures.breakdowns_sums(measure, scope, list(measure.dimensions))
            continue
        sums[name] = {dimension: [] for dimension in measure.dimensions}
        rows = db.session.execute(
            sa.select(F.dimension, F.key, F.count, F.amount).where(
                F.measure == name, F.dimension != "", F.month == scope.date_from
            )
        )
        for dimension, key, count, amount in rows:
            sums[name][dimension].append((_typed(measure, dimension, key), count, amount))
    keys: dict[str, set] = {}
    for by_dimension in sums.values():
        for dimension, rows in by_dimension.items():
            keys.setdefault(dimension, set()).update(key for key, _, _ in rows)
    labels = {
        dimension: measures.dimension_labels(dimension, list(found))
        for dimension, found in keys.items()
    }
    return {
        name: {
            dimension: measures.breakdown_entries(measure, dimension, rows, labels[dimension])
            for dimension, rows in sums[name].items()
        }
        for name, measure in MEASURES.items()
    }


def breakdown_by_month(
    measure: Measure, months: list[Month], dimension: str, live: bool
) -> dict[Month, list[dict]]:
    """A measure's breakdown in each of some months, largest amount first."""
    sums: dict[Month, list[tuple]] = {month: [] for month in months}
    if live:
        for month in months:
            sums[month] = measures.breakdown_sums(measure, Scope.month(month), dimension)
    elif months:
        for row in db.session.execute(
            sa.select(F.month, F.key, F.count, F.amount).where(
                F.measure == measure.name,
                F.dimension == dimension,
                F.month.in_([month.first_day for month in months]),
            )
        ):
            key = _typed(measure, dimension, row.key)
            sums[Month.of(row.month)].append((key, row.count, row.amount))
    keys = {key for rows in sums.values() for key, _, _ in rows}
    labels = measures.dimension_labels(dimension, list(keys))
    return {
        month: measures.breakdown_entries(measure, dimension, rows, labels)
        for month, rows in sums.items()
    }


def money_metrics(scope: Scope, live: bool) -> dict[str, Decimal]:
    """Each money target's amount in one month."""
    if live:
        return metrics.money_metrics(scope)
    result = dict.fromkeys(metrics.MONEY_METRICS, ZERO)
    for metric, amount in db.session.execute(
        sa.select(F.dimension, F.amount).where(F.measure == "money", F.month == scope.date_from)
    ):
        result[metric] = to_money(amount)
    return result


def money_metrics_by_month(year: int, live: bool) -> dict[str, list[Decimal]]:
    """Each money target's amount in each month of a year."""
    if live:
        return metrics.money_metrics_by_month(year)
    result = {metric: [ZERO] * 12 for metric in metrics.MONEY_METRICS}
    for metric, day, amount in db.session.execute(
        sa.select(F.dimension, F.month, F.amount).where(
            F.measure == "money", F.month >= date(year, 1, 1), F.month < date(year + 1, 1, 1)
        )
    ):
        result[metric][day.month - 1] = to_money(amount)
    return result
