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

from finplatform.reports.activity import percent

CENT = Decimal("0.01")
ONE = Decimal("1")


def project(
    *,
    ytd: Decimal,
    target: Decimal,
    months_elapsed: int,
    last_year: list[Decimal] | None,
    money: bool,
    level: bool = False,
) -> dict:
    """Percentage, projections, expected-by-now and the on-track verdict for one target."""
    quantum = CENT if money else ONE
    share = None
    if last_year is not None:
        total = sum(last_year, Decimal(0))
        reached = sum(last_year[:months_elapsed], Decimal(0))
        if total > 0 and reached > 0:
            share = reached / total
    run_rate = (ytd * 12 / months_elapsed).quantize(quantum, ROUND_HALF_UP)
    shape = (ytd / share).quantize(quantum, ROUND_HALF_UP) if share is not None else None
    if level:
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
        "run_rate_projection": None if level else run_rate,
        "shape_projection": None if level else shape,
        "last_year_share": None if share is None else (share * 100).quantize(Decimal("0.1")),
        "projection": projection,
        "projection_basis": basis,
        "projection_percent": percent(projection, target),
        "expected_to_date": expected,
        "ahead_by": ytd - expected,
        "projected_gap": projection - target,
        "on_track": projection >= target,
    }
