"""Response times (响应时效): days from an application's submission to its first answer and to
its decision, by month of submission, and the applications that missed their deadline.

The durations are facts (`report_facts`, measure "responses"): per month of submission and
kind, how many applications took each exact duration (the key: the duration in days, the
shortest text of the double precision the database computes), written with the application
like the other facts (facts.py). The median and the 90th percentile are read from them exactly
as PostgreSQL's percentile_cont computes them over the rows (the two durations around the
position, interpolated). Missing a deadline depends on the instant asked: counted live.
"""

from __future__ import annotations

import math
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa

from finplatform.extensions import db
from finplatform.models import Application, ReportFact
from finplatform.models.sql import days_between, local_month
from finplatform.reports.periods import Month

MEASURE = "responses"
KINDS = {"first_response": Application.first_response_at, "decision": Application.decided_at}
FRACTIONS = (0.5, 0.9)


def response_contributions() -> sa.Select:
    """(kind, month of submission, duration in days, applications) of some applications."""
    month = local_month(Application.submitted_at)
    parts = []
    for kind, column in KINDS.items():
        days = days_between(column, Application.submitted_at)
        parts.append(
            sa.select(sa.literal(kind, sa.String), month, days, sa.func.count())
            .where(column.is_not(None), Application.submitted_at.is_not(None))
            .group_by(month, days)
        )
    return sa.union_all(*parts)


def duration_key(days: float) -> str:
    """A duration's key: its shortest exact text, as PostgreSQL writes a double precision
    (so that a key written from SQL and one written from Python are the same)."""
    days = float(days)
    return str(int(days)) if days.is_integer() and abs(days) < 1e15 else repr(days)


def _percentile(durations: list[tuple[float, int]], total: int, fraction: float) -> float:
    """percentile_cont over the durations (sorted, each with how many took it)."""
    position = fraction * (total - 1)
    low = math.floor(position)
    below = above = None
    seen = 0
    for value, count in durations:
        seen += count
        if below is None and seen > low:
            below = value
        if seen > low + 1:
            above = value
            break
    above = below if above is None else above
    return below + (position - low) * (above - below)


def response_times(month: Month, as_of: datetime) -> dict:
    """Median and 90th percentile days from submission to first answer and to decision, for
    applications submitted in the month; and how many missed their response deadline."""
    found: dict[str, list[tuple[float, int]]] = {kind: [] for kind in KINDS}
    for kind, key, count in db.session.execute(
        sa.select(ReportFact.dimension, ReportFact.key, ReportFact.count).where(
            ReportFact.measure == MEASURE,
            ReportFact.dimension.in_(list(KINDS)),
            ReportFact.month == month.first_day,
        )
    ):
        found[kind].append((float(key), int(count)))
    result = {}
    for kind, durations in found.items():
        durations.sort()
        total = sum(count for _, count in durations)
        median, p90 = (
            _percentile(durations, total, fraction) if total else None for fraction in FRACTIONS
        )
        result[kind] = {"count": total, "median_days": _days(median), "p90_days": _days(p90)}
    late = sa.or_(
        Application.first_response_at > Application.respond_by,
        sa.and_(Application.first_response_at.is_(None), Application.respond_by < as_of),
    )
    result["past_deadline"] = int(
        db.session.scalar(
            sa.select(sa.func.count(Application.id)).where(
                Application.respond_by >= month.start_at,
                Application.respond_by < month.end_at,
                late,
            )
        )
        or 0
    )
    return result


def _days(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(round(value, 2))).quantize(Decimal("0.01"))
