"""The funnel, response times and specialists' table of a rolled-up month, from the rollups
while nothing recorded since bears on them, or with what has (combined.py)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa

from finplatform.extensions import db
from finplatform.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Disbursement,
    FinancingRequest,
    MonthlyRollup,
)
from finplatform.reports import activity
from finplatform.reports.combined import totals
from finplatform.reports.measures import MEASURES, ZERO, Scope, to_money
from finplatform.reports.periods import Month
from finplatform.reports.rollups import SERVED_DATES, Coverage, approved_since

R = MonthlyRollup


def funnel(month: Month, coverage: Coverage | None) -> list[dict]:
    """activity.funnel: the rolled-up steps plus the requests that reached a step since."""
    if coverage is None or not coverage.rolls(month):
        return activity.funnel(month)
    A, D, E, RQ = Application, Disbursement, ApplicationEvent, FinancingRequest
    rolled = dict(
        db.session.execute(
            sa.select(R.key, R.count).where(
                R.measure == "funnel", R.month == month.first_day, R.dimension == ""
            )
        ).all()
    )
    in_month = (RQ.created_at >= month.start_at, RQ.created_at < month.end_at)
    approved = E.to_status == ApplicationStatus.APPROVED.value
    touched = sa.union(
        sa.select(A.request_id).where(A.id > coverage.mark("applications")),
        sa.select(A.request_id)
        .join(E, E.application_id == A.id)
        .where(E.id > coverage.mark("application_events"), approved),
        sa.select(A.request_id)
        .join(D, D.application_id == A.id)
        .where(D.id > coverage.mark("disbursements"), D.reverses_id.is_(None)),
    )
    now = activity.funnel_flags()
    then = {
        "applied": activity.funnel_flags(applications=A.id <= coverage.mark("applications")),
        "approved": activity.funnel_flags(
            applications=sa.and_(
                A.id <= coverage.mark("applications"),
                ~approved_since(coverage.mark("application_events")),
            )
        ),
        "disbursed": activity.funnel_flags(disbursements=D.id <= coverage.mark("disbursements")),
    }
    steps = ("applied", "approved", "disbursed")
    reached = db.session.execute(
        sa.select(
            *(activity.count_where(sa.and_(now[step], ~then[step][step])) for step in steps)
        ).where(RQ.id.in_(touched), *in_month)
    ).one()
    requests = totals(MEASURES["requests"], Scope.month(month), coverage)["count"]
    return activity.funnel_steps(
        [
            requests,
            activity.first_ranked(month),
            *(
                int(rolled.get(step, 0)) + int(count or 0)
                for step, count in zip(steps, reached, strict=True)
            ),
        ]
    )


def response_times(month: Month, as_of: datetime, coverage: Coverage | None) -> dict:
    """activity.response_times, from the rollups while nothing bearing on them has happened."""
    if (
        coverage is None
        or not coverage.rolls(month)
        or not coverage.usable(as_of)
        or _responses_moved(month, coverage)
    ):
        return activity.response_times(month, as_of)
    rows = db.session.execute(
        sa.select(R.dimension, R.key, R.count, R.amount).where(
            R.measure == "response_times", R.month == month.first_day
        )
    ).all()
    result: dict = {
        interval: {"count": 0, "median_days": None, "p90_days": None}
        for interval in ("first_response", "decision")
    }
    result["past_deadline"] = 0
    for interval, key, count, amount in rows:
        if interval == "past_deadline":
            result["past_deadline"] = int(count)
            continue
        result[interval]["count"] = int(count)
        result[interval][f"{key}_days"] = None if amount is None else Decimal(amount)
    return result


def _responses_moved(month: Month, coverage: Coverage) -> bool:
    """Whether an application of the month (submitted, or due an answer, in it) was recorded
    or changed status since the refresh."""
    A, E = Application, ApplicationEvent

    def in_month(column):
        return sa.and_(column >= month.start_at, column < month.end_at)

    of_month = sa.or_(in_month(A.submitted_at), in_month(A.respond_by))
    return bool(
        db.session.scalar(
            sa.select(
                sa.or_(
                    sa.exists().where(
                        E.id > coverage.mark("application_events"),
                        A.id == E.application_id,
                        of_month,
                    ),
                    sa.exists().where(A.id > coverage.mark("applications"), of_month),
                )
            )
        )
    )


def specialists(month: Month, coverage: Coverage | None) -> list[dict]:
    """activity.specialists, from the rollups for a rolled-up month (its firms served only
    while no work of that month was recorded since)."""
    if coverage is None or not coverage.rolls(month):
        return activity.specialists(month)
    deals = activity.specialist_deals(
        month, where=(Disbursement.id > coverage.mark("disbursements"),)
    )
    rows = db.session.execute(
        sa.select(R.measure, R.key, R.count, R.amount).where(
            R.measure.in_(["specialist_deals", "specialist_firms"]),
            R.dimension == "specialist",
            R.month == month.first_day,
        )
    ).all()
    served: dict[int, int] = {}
    for measure, key, count, amount in rows:
        if measure == "specialist_firms":
            served[int(key)] = int(count)
            continue
        before = deals.get(int(key), (0, ZERO))
        deals[int(key)] = (before[0] + int(count), before[1] + to_money(amount))
    recent = activity.specialist_work(
        month.start_at,
        month.end_at,
        where={
            table: coverage.recent(table, SERVED_DATES[table], False, month.end_day)
            for table in ("referrals", "contact_logs", "applications")
        },
    )
    if db.session.scalar(sa.select(sa.exists(recent))):
        served = activity.specialist_firms(month)
    return activity.specialist_rows(served, deals)
