"""Which months hold data, which month closes next, and closing several months in one step.

Months close in order with no gap: the first month to close is the earliest month with data
(a request posted, an application submitted or a loan disbursed), and each later one follows
the last closed month. So closing a later month first can never strand earlier ones.
"""

from __future__ import annotations

from datetime import date, datetime

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


def _month_of(value: date | datetime | None) -> Month | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return Month.of(clock.beijing_date(value))
    return Month.of(value)


def months_with_data() -> tuple[Month, Month] | None:
    """The earliest and latest months holding a request, an application or a disbursement."""
    bounds = [
        db.session.execute(sa.select(sa.func.min(column), sa.func.max(column))).one()
        for column in (
            FinancingRequest.created_at,
            Application.submitted_at,
            Disbursement.disbursed_on,
        )
    ]
    firsts = [m for m in (_month_of(low) for low, _ in bounds) if m is not None]
    lasts = [m for m in (_month_of(high) for _, high in bounds) if m is not None]
    if not firsts:
        return None
    return min(firsts), max(lasts)


def next_month_to_close(now: datetime | None = None) -> Month | None:
    """The month the next closing must be: the one after the last closed month, else the
    earliest month with data; None when that month has not ended yet (or there is no data)."""
    now = now or clock.now()
    last_closed = db.session.scalar(sa.select(sa.func.max(MonthlySnapshot.month)))
    if last_closed is not None:
        candidate = Month.of(last_closed).next
    else:
        bounds = months_with_data()
        if bounds is None:
            return None
        candidate = bounds[0]
    return candidate if candidate.end_at <= now else None


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


def close_month(month: Month, actor: User, *, now: datetime | None = None) -> MonthlySnapshot:
    """Close one month (`freeze_month`); the first month ever closed must be the
    earliest with data, so that none before it is left behind."""
    if db.session.scalar(sa.select(sa.func.count()).select_from(MonthlySnapshot)) == 0:
        bounds = months_with_data()
        if bounds is not None and month > bounds[0]:
            raise DomainError(
                _l("Months close in order: close %(month)s first.", month=str(bounds[0])),
                "month",
            )
    return freeze_month(month, actor, now=now)


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


def freeze_month(month: Month, actor: User, *, now: datetime | None = None) -> MonthlySnapshot:
    """Freeze a month's report; months close in order and only once they have ended.

    Close through `close_months_through` or `close_month` below, which also make the first
    month closed the earliest with data."""
    now = now or clock.now()
    if month.end_at > now:
        raise DomainError(_l("A month can be closed only after it has ended."), "month")
    closed = services.closings()
    if month in closed:
        raise Conflict(_l("%(month)s is already closed.", month=str(month)), "month")
    if closed and month != max(closed).next:
        raise DomainError(
            _l("Months close in order: close %(month)s first.", month=str(max(closed).next))
            if month > max(closed)
            else _l(
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
