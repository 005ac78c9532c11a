"""Refreshing the monthly rollups (rollups.py says what they hold): which months to recompute,
the watermarks, the lock that keeps them exact, and the record of how far the rollups reach."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

import sqlalchemy as sa

from finplatform.extensions import db
from finplatform.models import (
    Application,
    ApplicationEvent,
    ContactLog,
    Disbursement,
    Enterprise,
    FinancingRequest,
    MonthlyFirm,
    MonthlyRollup,
    Referral,
    RollupFirm,
    RollupState,
    utcnow,
)
from finplatform.reports import rollup_rows
from finplatform.reports.periods import REPORT_TZ, Month
from finplatform.reports.rollups import (
    SETTLE,
    SOURCES,
    STATE_ID,
    is_member,
    kind_flags,
    month_start,
    moved_firms,
    type_as_date,
)


def refresh_rollups(now: datetime | None = None, *, full: bool = False) -> dict:
    """Roll up the months that ended since the last refresh and recompute the months that
    rows recorded since then bear on (`full`: rebuild everything); returns what was done."""
    now = now or utcnow()
    marks = _marks()
    state = db.session.get(RollupState, STATE_ID)
    if state is None and not any(marks.values()):
        return {"months": 0, "full": False}
    until = Month.current(now - SETTLE).first_day
    kinds = kind_flags()
    full = full or state is None or state.kinds != kinds or until < state.rolled_until
    if full:
        for model in (MonthlyRollup, MonthlyFirm, RollupFirm):
            db.session.execute(sa.delete(model))
        first = _first_month()
        months = _months_between(first, until) if first else []
    else:
        months = _touched_months(state, marks, until)
        if not months and state.rolled_until == until and state.watermarks == marks:
            return {"months": 0, "full": False}
    _place_firms()
    for low, high in _ranges(months):
        rollup_rows.roll_months(low, high, marks, kinds, now)
    if months:
        rollup_rows.derive_counts(until, since=None if full else min(months))
    recorded_max = _recorded_max(None if full else state, marks)
    if state is None:
        state = RollupState(id=STATE_ID)
        db.session.add(state)
    state.recorded_max = recorded_max
    state.refreshed_at = now
    state.rolled_until = until
    state.watermarks = marks
    state.kinds = kinds
    state.moved = sorted(db.session.scalars(moved_firms()))
    db.session.flush()
    if db.session.get_bind().dialect.name == "postgresql":
        # Fresh statistics, or the planner takes a month's thousands of rows for a handful.
        db.session.execute(sa.text("ANALYZE monthly_rollups, monthly_firms, rollup_firms"))
    return {"months": len(months), "full": full}


def _marks() -> dict[str, int]:
    """The last id of each source table, read when no write to them is in flight: every row
    below a mark is committed, so none can turn up later below it."""

    def read() -> dict[str, int]:
        return {
            name: int(db.session.scalar(sa.select(sa.func.max(model.id))) or 0)
            for name, model in SOURCES.items()
        }

    if db.session.get_bind().dialect.name != "postgresql":
        # SQLite: a write takes the database's write lock; nothing else commits until we do.
        db.session.execute(sa.update(RollupState).where(sa.false()).values(id=STATE_ID))
        return read()
    # SHARE waits for the writes in flight and holds new ones back; rolling back to the
    # savepoint releases it as soon as the marks are read.
    savepoint = db.session.begin_nested()
    db.session.execute(sa.text(f"LOCK TABLE {', '.join(SOURCES)} IN SHARE MODE"))
    marks = read()
    savepoint.rollback()
    return marks


def _first_month() -> date | None:
    """The first month any source row is dated in."""
    firsts = [
        db.session.scalar(sa.select(sa.func.min(column)))
        for column in (
            FinancingRequest.created_at,
            Application.submitted_at,
            Application.respond_by,
            Disbursement.disbursed_on,
            Referral.created_at,
            ContactLog.happened_at,
        )
    ]
    days = [
        value.astimezone(REPORT_TZ).date() if isinstance(value, datetime) else value
        for value in firsts
        if value is not None
    ]
    return Month.of(min(days)).first_day if days else None


def _months_between(low: date, high: date) -> list[date]:
    months, month = [], Month.of(low)
    while month.first_day < high:
        months.append(month.first_day)
        month = month.next
    return months


def _ranges(months: Iterable[date]) -> list[tuple[date, date]]:
    """Consecutive months as [low, high) ranges."""
    ranges: list[tuple[date, date]] = []
    for day in sorted(set(months)):
        if ranges and ranges[-1][1] == day:
            ranges[-1] = (ranges[-1][0], Month.of(day).end_day)
        else:
            ranges.append((day, Month.of(day).end_day))
    return ranges


def _touched_months(state: RollupState, marks: dict[str, int], until: date) -> list[date]:
    """Months to recompute: ended since the last refresh, or borne on by what was recorded
    since (rows, status events, edited requests)."""
    old = {name: int(state.watermarks.get(name, 0)) for name in SOURCES}
    A, D, E, R = Application, Disbursement, ApplicationEvent, FinancingRequest

    def new(model, name):
        return sa.and_(model.id > old[name], model.id <= marks[name])

    request_of_application = (R, R.id == A.request_id)
    application_of_event = (A, A.id == E.application_id)
    # (the month a figure files a row under, the table recorded in, rows since, joins)
    queries = [
        (month_start(R.created_at), R, new(R, "financing_requests"), ()),
        (month_start(R.created_at), R, R.updated_at > state.refreshed_at - SETTLE, ()),
        (month_start(A.submitted_at), A, new(A, "applications"), ()),
        (month_start(A.decided_at), A, new(A, "applications"), ()),
        (month_start(A.respond_by), A, new(A, "applications"), ()),
        (month_start(R.created_at), A, new(A, "applications"), (request_of_application,)),
        (month_start(D.disbursed_on, True), D, new(D, "disbursements"), ()),
        (
            month_start(R.created_at),
            D,
            new(D, "disbursements"),
            ((A, A.id == D.application_id), request_of_application),
        ),
        (month_start(A.submitted_at), E, new(E, "application_events"), (application_of_event,)),
        (month_start(A.respond_by), E, new(E, "application_events"), (application_of_event,)),
        (
            month_start(R.created_at),
            E,
            new(E, "application_events"),
            (application_of_event, request_of_application),
        ),
        (month_start(Referral.created_at), Referral, new(Referral, "referrals"), ()),
        (month_start(ContactLog.happened_at), ContactLog, new(ContactLog, "contact_logs"), ()),
    ]
    months = set(_months_between(state.rolled_until, until))
    for expression, table, condition, joins in queries:
        statement = sa.select(type_as_date(expression)).select_from(table)
        for target, onclause in joins:
            statement = statement.join(target, onclause)
        months.update(
            day
            for day in db.session.scalars(statement.where(condition).distinct())
            if day is not None and day < until
        )
    return sorted(months)


def _recorded_max(state: RollupState | None, marks: dict[str, int]) -> datetime | None:
    """The latest recorded time among the rows the rollups count."""
    found = [state.recorded_max] if state is not None and state.recorded_max else []
    for name in ("financing_requests", "applications", "disbursements"):
        model = SOURCES[name]
        conditions = [model.id <= marks[name]]
        if state is not None:
            conditions.append(model.id > int(state.watermarks.get(name, 0)))
        latest = db.session.scalar(sa.select(sa.func.max(model.created_at)).where(*conditions))
        if latest is not None:
            found.append(latest)
    return max(found) if found else None


def _place_firms() -> None:
    """Record the district, industry and membership of the firms not placed yet."""
    placed = sa.select(RollupFirm.enterprise_id).where(RollupFirm.enterprise_id == Enterprise.id)
    db.session.execute(
        sa.insert(RollupFirm).from_select(
            ["enterprise_id", "district_code", "industry_code", "member"],
            sa.select(
                Enterprise.id,
                Enterprise.district_code,
                Enterprise.industry_code,
                is_member(Enterprise.id),
            ).where(~sa.exists(placed)),
        )
    )
