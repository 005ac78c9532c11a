"""Targets against year-to-date figures: percentage, projection to year end, ahead or behind.

Two projections are computed for a flow target (an amount or a count that grows over the year):
- run-rate: the year-to-date figure × 12 / months elapsed;
- last year's shape: the year-to-date figure ÷ the share of last year's total that had been
  reached by the same month (only when last year has figures up to that month).
The verdict uses last year's shape when it exists, else the run-rate. "Expected by now" is the
target × the same share (or × months elapsed / 12); ahead_by = year-to-date − expected by now.
A level target (the specialists' team) is a head-count, not a flow: its projection is its value.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from finplatform.extensions import db
from finplatform.models import Target
from finplatform.reports import firsts, metrics, reading
from finplatform.reports.activity import percent
from finplatform.reports.measures import ZERO
from finplatform.reports.periods import Month

CENT = Decimal("0.01")
ONE = Decimal("1")


def project(
    *,
    ytd: Decimal,
    target: Decimal,
    months_elapsed: int,
    last_year: list[Decimal] | None,
    kind: str,
) -> dict:
    """Percentage, projections, expected-by-now and the on-track verdict for one target
    (`kind`: money, count or level)."""
    quantum = CENT if kind == "money" else ONE
    share = None
    if last_year is not None:
        total = sum(last_year, Decimal(0))
        reached = sum(last_year[:months_elapsed], Decimal(0))
        if total > 0 and reached > 0:
            share = reached / total
    run_rate = (ytd * 12 / months_elapsed).quantize(quantum, ROUND_HALF_UP)
    shape = (ytd / share).quantize(quantum, ROUND_HALF_UP) if share is not None else None
    if kind == "level":
        projection, basis = ytd, "level"
        expected = target
    elif shape is not None:
        projection, basis = shape, "last_year_shape"
        expected = target * share
    else:
        projection, basis = run_rate, "run_rate"
        expected = target * months_elapsed / 12
    expected = expected.quantize(quantum, ROUND_HALF_UP)
    return {
        "ytd": ytd,
        "target": target,
        "percent": percent(ytd, target),
        "run_rate_projection": None if kind == "level" else run_rate,
        "shape_projection": None if kind == "level" else shape,
        "last_year_share": None if share is None else (share * 100).quantize(Decimal("0.1")),
        "projection": projection,
        "projection_basis": basis,
        "projection_percent": percent(projection, target),
        "expected_to_date": expected,
        "ahead_by": ytd - expected,
        "projected_gap": projection - target,
        "on_track": projection >= target,
    }


def targets(month: Month, monthly: dict[Month, dict], live: bool) -> list[dict]:
    """Each of the year's targets with its year to date (`monthly`: each month's contribution,
    services.py) and its projection."""
    targets = db.session.scalars(
        sa.select(Target).where(Target.year == month.year).order_by(Target.sort_order, Target.id)
    ).all()
    last_year_money = reading.money_metrics_by_month(month.year - 1, live)
    result = []
    for target in targets:
        metric = target.metric
        entry = {
            "metric": metric,
            "label_en": target.label_en,
            "wording_zh": target.wording_zh,
            "tracks_en": target.tracks_en,
            "unit": target.unit,
            "value": target.value,
            "value_yuan": target.value_yuan,
        }
        result.append(entry)
        if metric in metrics.MONEY_METRICS and target.value_yuan is not None:
            kind, goal, last_year = "money", target.value_yuan, last_year_money[metric]
            ytd = sum(
                (Decimal(figures["money_metrics"][metric]) for figures in monthly.values()), ZERO
            )
        elif metric in metrics.LEVEL_METRICS:
            kind, goal, last_year = "level", target.value, None
            ytd = Decimal(firsts.count_metric(metric, month))
        elif metric in metrics.COUNT_METRICS:
            kind, goal = "count", target.value
            ytd = Decimal(firsts.count_metric(metric, month))
            last_year = [
                Decimal(value) for value in firsts.count_metric_by_month(metric, month.year - 1)
            ]
        else:
            entry.update(kind="unmeasured", measured=False)
            continue
        entry.update(
            kind=kind,
            measured=True,
            **project(
                ytd=ytd, target=goal, months_elapsed=month.month, last_year=last_year, kind=kind
            ),
        )
    return result
