"""The report's figures: rolled-up months read from the rollups, the rest live (rollups.py).

Each function gives the same answer as its live counterpart in measures.py, metrics.py or
activity.py, which it falls back to when there are no rollups (`coverage` None) or they cannot
answer (an open month, a report as of an earlier instant, adjustments). Rolled-up sums and the
live sums of the rows recorded since are added per key. Everything is an SQL aggregate; the
Python here adds up aggregates, never source rows. The counts of distinct firms are in
combined_firms.py; the funnel, response times and specialists in combined_activity.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from finplatform.extensions import db
from finplatform.models import Institution, MonthlyFirm, MonthlyRollup
from finplatform.reports import measures, metrics
from finplatform.reports.measures import MEASURES, ZERO, Measure, Scope, sum_money, to_money
from finplatform.reports.periods import Month
from finplatform.reports.rollups import Coverage, Months, Split, is_member

R, F = MonthlyRollup, MonthlyFirm


def _rolled_split(coverage: Coverage | None, measure: Measure, scope: Scope) -> Split | None:
    """How a measure's scope splits between rollups and live rows; None: all live."""
    split = coverage.split(measure, scope) if coverage is not None else None
    return split if split is not None and split.rolled is not None else None


def _add_sums(rows: Iterable[tuple], into: dict | None = None) -> dict:
    """(key, count, amount) rows added up per key."""
    result = {} if into is None else into
    for key, count, amount in rows:
        before = result.get(key, (0, None))
        total = before[1] if amount is None else (before[1] or ZERO) + Decimal(amount)
        result[key] = (before[0] + int(count or 0), total)
    return result


# -------------------------------------------------------------------------------- measures


def totals(measure: Measure, scope: Scope, coverage: Coverage | None) -> dict:
    """measures.totals, with rolled-up months from the rollups."""
    split = _rolled_split(coverage, measure, scope)
    if split is None:
        return measures.totals(measure, scope)
    live = measures.totals(measure, scope, where=split.where)
    count, amount = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(R.count), 0), sum_money(R.amount)).where(
            R.measure == measure.name, R.dimension == "", *split.rolled.conditions(R.month)
        )
    ).one()
    return {
        "count": live["count"] + int(count),
        "amount": None if measure.amount is None else live["amount"] + to_money(amount),
    }


def breakdowns(scope: Scope, coverage: Coverage | None) -> dict[str, dict[str, list[dict]]]:
    """measures.breakdowns of every measure, with rolled-up months from the rollups (and each
    dimension's names read once for all measures)."""
    sums = {name: _breakdown_sums(measure, scope, coverage) for name, measure in MEASURES.items()}
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


def _breakdown_sums(
    measure: Measure, scope: Scope, coverage: Coverage | None
) -> dict[str, list[tuple]]:
    """(key, count, amount) rows of each of a measure's breakdowns."""
    names = list(measure.dimensions)
    split = _rolled_split(coverage, measure, scope)
    if split is None:
        return measures.breakdowns_sums(measure, scope, names)
    live = measures.breakdowns_sums(measure, scope, names, where=split.where)
    rolled = _rolled_breakdowns(measure, split.rolled)
    result = {}
    for name in names:
        sums = _add_sums(live[name])
        _add_sums(rolled.get(name, ()), sums)
        result[name] = [(key, count, amount) for key, (count, amount) in sums.items()]
    return result


def _rolled_breakdowns(measure: Measure, months: Months) -> dict[str, list[tuple]]:
    """(key, count, amount) of a measure's breakdowns in rolled-up months; an institution's
    kind is read through the breakdown by institution, so it is today's kind."""
    result: dict[str, list[tuple]] = {}
    rows = db.session.execute(
        sa.select(R.dimension, R.key, sa.func.sum(R.count), sa.func.sum(R.amount))
        .where(
            R.measure == measure.name,
            R.dimension.in_(list(measure.dimensions)),
            *months.conditions(R.month),
        )
        .group_by(R.dimension, R.key)
    ).all()
    for name, key, count, amount in rows:
        column = measure.dimensions[name][0]
        typed = int if isinstance(column.type, sa.Integer) else str
        result.setdefault(name, []).append((typed(key), count, amount))
    for name, (column, joins) in measure.dimensions.items():
        if joins and column.table is Institution.__table__:
            result[name] = [
                tuple(row)
                for row in db.session.execute(
                    sa.select(column, sa.func.sum(R.count), sa.func.sum(R.amount))
                    .join(Institution, sa.cast(Institution.id, sa.String(40)) == R.key)
                    .where(
                        R.measure == measure.name,
                        R.dimension == "institution",
                        *months.conditions(R.month),
                    )
                    .group_by(column)
                )
            ]
    return result


def totals_by_month(
    measure: Measure, months: list[Month], coverage: Coverage | None
) -> dict[Month, dict]:
    """measures.totals_by_month, with rolled-up months from the rollups."""
    split = (
        _rolled_split(coverage, measure, Scope(min(months).first_day, max(months).end_day))
        if months
        else None
    )
    if split is None:
        return measures.totals_by_month(measure, months)
    result = measures.totals_by_month(measure, months, where=split.where)
    rows = db.session.execute(
        sa.select(R.month, R.count, R.amount).where(
            R.measure == measure.name,
            R.dimension == "",
            R.month.in_([month.first_day for month in months]),
            *split.rolled.conditions(R.month),
        )
    ).all()
    for day, count, amount in rows:
        figures = result[Month.of(day)]
        figures["count"] += int(count)
        if figures["amount"] is not None:
            figures["amount"] += to_money(amount)
    return result


def breakdown_by_month(
    measure: Measure, months: list[Month], dimension: str, coverage: Coverage | None
) -> dict[Month, list[dict]]:
    """measures.breakdown_by_month (of a breakdown by a column of the row itself), with
    rolled-up months from the rollups."""
    split = (
        _rolled_split(coverage, measure, Scope(min(months).first_day, max(months).end_day))
        if months
        else None
    )
    if split is None:
        return measures.breakdown_by_month(measure, months, dimension)
    live = measures.breakdown_by_month(measure, months, dimension, where=split.where)
    rows = db.session.execute(
        sa.select(R.month, R.key, R.count, R.amount).where(
            R.measure == measure.name,
            R.dimension == dimension,
            R.month.in_([month.first_day for month in months]),
            *split.rolled.conditions(R.month),
        )
    ).all()
    labels = measures.dimension_labels(dimension, list({row.key for row in rows}))
    result = {}
    for month in months:
        entries = {entry["key"]: dict(entry) for entry in live[month]}
        for row in (row for row in rows if row.month == month.first_day):
            names = labels.get(row.key, (row.key, row.key))
            entry = entries.setdefault(
                row.key,
                {
                    "key": row.key,
                    "name_zh": names[0],
                    "name_en": names[1],
                    "count": 0,
                    "amount": ZERO,
                },
            )
            entry["count"] += int(row.count)
            entry["amount"] += to_money(row.amount)
        result[month] = sorted(entries.values(), key=lambda entry: (-entry["amount"], entry["key"]))
    return result


# ------------------------------------------------------------------------------ money targets


def _rejoined_loans(months: Months, coverage: Coverage, by_month: bool) -> list[tuple]:
    """(month, amount) to add to credit-community loans for the firms that joined (+) or
    left (−) a community since the rollups counted them."""
    if not coverage.rejoined:
        return []
    signed = sa.case((is_member(F.enterprise_id), F.amount), else_=-F.amount)
    statement = sa.select(F.month if by_month else sa.literal(None), sum_money(signed)).where(
        F.measure == "loans", F.enterprise_id.in_(coverage.rejoined), *months.conditions(F.month)
    )
    return db.session.execute(statement.group_by(F.month) if by_month else statement).all()


def money_metrics(scope: Scope, coverage: Coverage | None) -> dict[str, Decimal]:
    """metrics.money_metrics, with rolled-up months from the rollups."""
    split = _rolled_split(coverage, MEASURES["disbursements"], scope)
    if split is None:
        return metrics.money_metrics(scope)
    result = metrics.money_metrics(scope, where=split.where)
    for metric, amount in db.session.execute(
        sa.select(R.dimension, sum_money(R.amount))
        .where(R.measure == "money", *split.rolled.conditions(R.month))
        .group_by(R.dimension)
    ):
        result[metric] += to_money(amount)
    for _, amount in _rejoined_loans(split.rolled, coverage, by_month=False):
        result["credit_community_loans"] += to_money(amount)
    return result


def money_metrics_by_month(year: int, coverage: Coverage | None) -> dict[str, list[Decimal]]:
    """metrics.money_metrics_by_month, with rolled-up months from the rollups."""
    scope = Scope(date(year, 1, 1), date(year + 1, 1, 1))
    split = _rolled_split(coverage, MEASURES["disbursements"], scope)
    if split is None:
        return metrics.money_metrics_by_month(year)
    result = metrics.money_metrics_by_month(year, where=split.where)
    rows = db.session.execute(
        sa.select(R.dimension, R.month, R.amount).where(
            R.measure == "money", *split.rolled.conditions(R.month)
        )
    ).all()
    for metric, day, amount in rows:
        result[metric][day.month - 1] += to_money(amount)
    for day, amount in _rejoined_loans(split.rolled, coverage, by_month=True):
        result["credit_community_loans"][day.month - 1] += to_money(amount)
    return result
