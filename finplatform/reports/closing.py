"""Which months hold data, which month closes next, and closing several months in one step.

Months close in order with no gap: the first month to close is the earliest month with data
(a request posted, an application submitted or a loan disbursed), and each later one follows
the last closed month. So closing a later month first can never strand earlier ones.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from finplatform import clock
from finplatform.audit import record_audit
from finplatform.exceptions import Conflict, DomainError
from finplatform.extensions import db
from finplatform.models import (
    Application,
    Disbursement,
    FinancingRequest,
    ModelStatus,
    ModelVersion,
    MonthlySnapshot,
    User,
)
from finplatform.reports import services
from finplatform.reports.periods import Month

# A single step closes at most this many months (ten years), each built and frozen in turn.
MAX_MONTHS_AT_ONCE = 120


def months_with_data() -> tuple[Month, Month] | None:
    """The earliest and latest months holding a request, an application or a disbursement."""
    months = []
    for column in (
        FinancingRequest.created_at,
        Application.submitted_at,
        Disbursement.disbursed_on,
    ):
        for value in db.session.execute(sa.select(sa.func.min(column), sa.func.max(column))).one():
            if isinstance(value, datetime):
                value = clock.beijing_date(value)
            if value is not None:
                months.append(Month.of(value))
    return (min(months), max(months)) if months else None


def _first_open_month() -> Month | None:
    """The month after the last closed one, else the earliest month with data."""
    last_closed = db.session.scalar(sa.select(sa.func.max(MonthlySnapshot.month)))
    if last_closed is not None:
        return Month.of(last_closed).next
    bounds = months_with_data()
    return bounds[0] if bounds else None


def next_month_to_close(now: datetime | None = None) -> Month | None:
    """The month the next closing must be; None when that month has not ended yet (or there
    is no data)."""
    candidate = _first_open_month()
    return candidate if candidate is not None and candidate.end_at <= (now or clock.now()) else None


def closable_months(now: datetime | None = None) -> list[Month]:
    """Every month that may be chosen as the last one to close: from the next month to close
    to the last month that has ended."""
    now = now or clock.now()
    first = next_month_to_close(now)
    if first is None:
        return []
    last = Month.current(now).previous
    months = [first]
    while months[-1] < last and len(months) < MAX_MONTHS_AT_ONCE:
        months.append(months[-1].next)
    return months


def close_months_through(until: Month, actor: User, *, now: datetime | None = None) -> list:
    """Close every month from the next one to close up to `until`, in order (the caller
    commits; a refusal part-way leaves nothing closed once the caller rolls back)."""
    now = now or clock.now()
    months = closable_months(now)
    if until not in months:
        first = next_month_to_close(now)
        if first is None or until < first:
            raise DomainError(
                _l(
                    "%(month)s is already closed or comes before the months to close.",
                    month=str(until),
                ),
                "month",
            )
        raise DomainError(_l("A month can be closed only after it has ended."), "month")
    return [close_month(month, actor, now=now) for month in months[: months.index(until) + 1]]


def close_month(month: Month, actor: User, *, now: datetime | None = None) -> MonthlySnapshot:
    """Freeze a month's report. Months close in order, once, and only after they have ended;
    the first month ever closed is the earliest with data, so none before it is left behind."""
    now = now or clock.now()
    closed = services.closings()
    if month in closed:
        raise Conflict(_l("%(month)s is already closed.", month=str(month)), "month")
    first = _first_open_month()
    out_of_order = DomainError(
        _l("Months close in order: close %(month)s first.", month=str(first)), "month"
    )
    if not closed and first is not None and month > first:
        raise out_of_order
    if month.end_at > now:
        raise DomainError(_l("A month can be closed only after it has ended."), "month")
    if closed and month > first:
        raise out_of_order
    if closed and month < first:
        raise DomainError(
            _l(
                "%(month)s is before the last closed month and cannot be closed now.",
                month=str(month),
            ),
            "month",
        )
    current_model = db.session.scalar(
        sa.select(ModelVersion.id).where(ModelVersion.status == ModelStatus.CURRENT)
    )
    figures = services.build_report(month, as_of=now)
    snapshot = MonthlySnapshot(
        month=month.first_day,
        closed_at=now,
        closed_by_id=actor.id,
        figures=figures,
        code_version=figures["code_version"],
        model_version_id=current_model,
    )
    try:
        with db.session.begin_nested():
            db.session.add(snapshot)
    except sa.exc.IntegrityError as error:
        raise Conflict(_l("%(month)s is already closed.", month=str(month)), "month") from error
    record_audit("report.close_month", snapshot, actor=actor, detail={"month": str(month)})
    return snapshot


def late_rows_count(month: Month) -> int:
    """Disbursement rows dated in a closed month but recorded after it closed."""
    snapshot = services.snapshot_for(month)
    if snapshot is None:
        return 0
    return int(
        db.session.scalar(
            sa.select(sa.func.count(Disbursement.id)).where(
                Disbursement.disbursed_on >= month.first_day,
                Disbursement.disbursed_on < month.end_day,
                Disbursement.created_at > snapshot.closed_at,
            )
        )
        or 0
    )
