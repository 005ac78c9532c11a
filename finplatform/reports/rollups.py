"""Monthly rollups (月度汇总): the report's sums kept per ended month, so that a report reads a
few thousand small rows instead of a year of applications and disbursements.

What is kept, for every month before `RollupState.rolled_until` (months that have ended):
- `monthly_rollups`: each measure's count and amount (requests, applications, approvals,
  rejections, disbursements) in total and by product kind, institution, district and industry
  (an institution's kind is read through the breakdown by institution); each money target's
  sum; the funnel of the month's requests; the specialists' firms and deals; the response
  times; and counts of distinct firms (served, first-time borrowers, with credit loans).
- `monthly_firms`: each firm's part in the month (served; loans and their net amount; credit
  loans; loans of any loan kind), from which the distinct counts are derived and corrected.
- `rollup_firms`: the district, industry and credit-community membership each firm was
  counted under. A firm that has moved since (or joined or left a community) is found by
  comparing with today's values, and the report moves its rolled-up rows to where a live query
  would count them; `refresh_rollups(full=True)` rebuilds everything under today's values.
The product kinds' credit and loan flags are recorded with the rollups; if they change, the
rollups are not used until the next refresh (which then rebuilds them).

Late rows. The refresh records the highest id it counted in each source table (the watermark).
A row with a higher id was recorded later, whatever its date, and a report adds it live to the
rolled-up month it is dated in; a count of distinct firms is corrected firm by firm for the
firms such rows belong to. This is exact because rows are never deleted, disbursements are
never edited (a correction is a reversal row), and an application is decided once, dated when
the decision is made: a decision recorded after a refresh falls in a month that is not rolled
up yet (`SETTLE` leaves a transaction in flight at a month's end time to commit first). What
changes otherwise is tracked apart:
- a request's amount can be edited while it is open: a month with a request edited after the
  refresh (`updated_at`) counts its requests live;
- the funnel of a month's requests moves on as they are applied to, approved and paid out:
  the requests that reached a step since the refresh (new applications and disbursements,
  approval events) are added to the rolled-up counts;
- response times are medians, and a specialist's firms a distinct count: a month with an
  application event, or a specialist's work, recorded since the refresh is computed live;
- matches are replaced when open requests are re-ranked (deleted and inserted again), and a
  deletion leaves nothing for a watermark to find: matches are never rolled up.

Refreshing. `refresh_rollups()` rolls up the months that ended since the last refresh and
recomputes those that rows or events recorded since then bear on, then moves the watermarks;
run again, it finds nothing to do. The monthly report job, closing a month, `flask seed demo`,
imports and `flask report refresh` call it. On PostgreSQL it first takes SHARE locks on the
source tables: writes in flight finish first, so no row below a watermark can appear later,
and new writes wait until the caller commits (callers commit straight after).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from finplatform.extensions import db
from finplatform.models import (
    Application,
    ApplicationEvent,
    CommunityMembership,
    ContactLog,
    Disbursement,
    Enterprise,
    FinancingRequest,
    MonthlyFirm,
    MonthlyRollup,
    ProductKind,
    Referral,
    RollupFirm,
    RollupState,
    utcnow,
)
from finplatform.reports import activity, metrics
from finplatform.reports.measures import MEASURES, Measure, Scope
from finplatform.reports.periods import REPORT_TZ, Month, local_midnight

STATE_ID = 1
SETTLE = timedelta(minutes=15)
# The tables rolled up, in the order the platform writes them (and the refresh locks them).
SOURCES: dict[str, type] = {
    "financing_requests": FinancingRequest,
    "applications": Application,
    "application_events": ApplicationEvent,
    "disbursements": Disbursement,
    "referrals": Referral,
    "contact_logs": ContactLog,
}
FUNNEL_STEPS = ("applied", "approved", "disbursed")
# Counts of distinct firms, derived from the firms' rows of every month after each refresh.
DERIVED = ("firms_served", "first_time_borrowers", "firms_with_credit_loans")


# ------------------------------------------------------------------------------ reading


@dataclass(frozen=True)
class Months:
    """Rolled-up months [low, high) a figure reads from the rollups, less `excluded`."""

    low: date
    high: date
    excluded: tuple[date, ...] = ()

    def conditions(self, column) -> list[sa.ColumnElement[bool]]:
        """WHERE conditions selecting these months in a rollup table's month column."""
        found = [column >= self.low, column < self.high]
        if self.excluded:
            found.append(column.not_in(self.excluded))
        return found


@dataclass(frozen=True)
class Split:
    """A figure's months read from the rollups, and the condition on the source rows that
    must still be read live (None: every row in scope)."""

    rolled: Months | None
    live: sa.ColumnElement[bool] | None

    @property
    def where(self) -> tuple:
        """The live condition as a `where` sequence."""
        return () if self.live is None else (self.live,)


@dataclass(frozen=True)
class Coverage:
    """What the rollups hold, as a report reads them."""

    until: date
    marks: dict[str, int]
    # A figure counting rows recorded up to an instant before this cannot use the rollups.
    ready_at: datetime
    # Rolled-up months whose requests were edited after the refresh.
    stale_requests: tuple[date, ...] = ()
    # Firms whose district or industry is not the one they were counted under.
    moved: tuple[int, ...] = ()
    # Firms that joined or left a credit community since they were counted.
    rejoined: tuple[int, ...] = ()

    def mark(self, source: str) -> int:
        """The last id of a source table the rollups counted."""
        return self.marks.get(source, 0)

    def usable(self, recorded_until: datetime | None) -> bool:
        """Whether a figure of rows recorded up to `recorded_until` can use the rollups."""
        return recorded_until is None or recorded_until >= self.ready_at

    def rolls(self, month: Month) -> bool:
        """Whether `month` is rolled up."""
        return month.first_day < self.until

    def split(self, measure: Measure, scope: Scope) -> Split:
        """Which of a measure's months in `scope` come from the rollups, and which rows live."""
        if (
            measure.source is None
            or scope.recorded_after is not None
            or not self.usable(scope.recorded_until)
            or scope.date_from is None
            or scope.date_from >= self.until
        ):
            return Split(None, None)
        high = min(scope.date_to, self.until)
        stale = tuple(
            day
            for day in (self.stale_requests if measure.source == "financing_requests" else ())
            if scope.date_from <= day < high
        )
        return Split(
            Months(scope.date_from, high, stale),
            self.recent(measure.source, measure.date_column, measure.is_date, scope.date_to, stale),
        )

    def recent(
        self, source: str, column, is_date: bool, date_to: date, stale: Iterable[date] = ()
    ) -> sa.ColumnElement[bool]:
        """Rows of `source` a report reads live: recorded after the refresh, dated after the
        rolled-up months (when the figure reaches past them), or in a stale month."""

        def bound(day: date):
            return day if is_date else local_midnight(day)

        parts = [SOURCES[source].id > self.mark(source)]
        if date_to > self.until:
            parts.append(column >= bound(self.until))
        parts += [
            sa.and_(column >= bound(day), column < bound(Month.of(day).end_day)) for day in stale
        ]
        return sa.or_(*parts)


def kind_flags() -> dict[str, list[str]]:
    """The product kinds counted as credit loans and as loans: the definitions the rollups
    are made with."""
    rows = db.session.execute(
        sa.select(ProductKind.code, ProductKind.is_credit_loan, ProductKind.is_loan).order_by(
            ProductKind.code
        )
    ).all()
    return {
        "credit": [row.code for row in rows if row.is_credit_loan],
        "loan": [row.code for row in rows if row.is_loan],
    }


def is_member(enterprise_id) -> sa.ColumnElement[bool]:
    """Whether a firm belongs to a credit community today."""
    return sa.exists().where(CommunityMembership.enterprise_id == enterprise_id)


def coverage() -> Coverage | None:
    """What the rollups hold now, or None when there are none (or their definitions changed)."""
    state = db.session.get(RollupState, STATE_ID)
    if state is None or state.kinds != kind_flags():
        return None
    until_at = local_midnight(state.rolled_until)
    stale = db.session.scalars(
        sa.select(type_as_date(month_start(FinancingRequest.created_at)))
        .where(
            FinancingRequest.updated_at > state.refreshed_at - SETTLE,
            FinancingRequest.created_at < until_at,
        )
        .distinct()
    ).all()
    moved = set(state.moved) | set(
        db.session.scalars(_moved_firms(Enterprise.updated_at > state.refreshed_at - SETTLE))
    )
    counted = set(db.session.scalars(sa.select(RollupFirm.enterprise_id).where(RollupFirm.member)))
    members = set(db.session.scalars(sa.select(CommunityMembership.enterprise_id)))
    return Coverage(
        until=state.rolled_until,
        marks={name: int(mark) for name, mark in state.watermarks.items()},
        ready_at=max(state.recorded_max or until_at, until_at),
        stale_requests=tuple(sorted(stale)),
        moved=tuple(sorted(moved)),
        rejoined=tuple(sorted(counted ^ members)),
    )


def _moved_firms(*conditions) -> sa.Select:
    """Firms whose district or industry is not the one the rollups count them under."""
    S = RollupFirm
    return (
        sa.select(S.enterprise_id)
        .join(Enterprise, Enterprise.id == S.enterprise_id)
        .where(
            sa.or_(
                S.district_code != Enterprise.district_code,
                S.industry_code != Enterprise.industry_code,
            ),
            *conditions,
        )
    )


def month_start(column, is_date: bool = False) -> sa.ColumnElement:
    """The first day of the Beijing-time month a date or a UTC timestamp falls in."""
    if db.session.get_bind().dialect.name == "postgresql":
        local = (
            sa.cast(column, sa.DateTime)
            if is_date
            else sa.func.timezone(sa.literal_column(f"'{REPORT_TZ.key}'"), column)
        )
        return sa.cast(sa.func.date_trunc(sa.literal_column("'month'"), local), sa.Date)
    if is_date:
        return sa.func.date(column, sa.literal_column("'start of month'"))
    # SQLite keeps UTC text; Beijing has kept UTC+8 all year round since 1991.
    return sa.func.date(
        column, sa.literal_column("'+8 hours'"), sa.literal_column("'start of month'")
    )


def type_as_date(expression) -> sa.ColumnElement[date]:
    """An SQL date expression read back as a Python date on every database."""
    return sa.type_coerce(expression, sa.Date)


# ---------------------------------------------------------------------------- refreshing


def refresh_rollups(now: datetime | None = None, *, full: bool = False) -> dict:
    """Roll up the months that ended since the last refresh and recompute the months that
    rows recorded since then bear on (`full`: rebuild everything); returns what was done."""
    now = now or utcnow()
    _lock_sources()
    marks = {
        name: int(db.session.scalar(sa.select(sa.func.max(model.id))) or 0)
        for name, model in SOURCES.items()
    }
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
        _roll(low, high, marks, kinds, now)
    _derive(until)
    recorded_max = _recorded_max(None if full else state, marks)
    if state is None:
        state = RollupState(id=STATE_ID)
        db.session.add(state)
    state.recorded_max = recorded_max
    state.refreshed_at = now
    state.rolled_until = until
    state.watermarks = marks
    state.kinds = kinds
    state.moved = sorted(db.session.scalars(_moved_firms()))
    db.session.flush()
    if db.session.get_bind().dialect.name == "postgresql":
        # Fresh statistics, or the planner takes a month's thousands of rows for a handful.
        db.session.execute(sa.text("ANALYZE monthly_rollups, monthly_firms, rollup_firms"))
    return {"months": len(months), "full": full}


def _lock_sources() -> None:
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text(f"LOCK TABLE {', '.join(SOURCES)} IN SHARE MODE"))
        return
    # SQLite: a write takes the database's write lock, so nothing commits under the refresh.
    db.session.execute(sa.update(RollupState).where(sa.false()).values(id=STATE_ID))


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


def _roll(low: date, high: date, marks: dict[str, int], kinds: dict, now: datetime) -> None:
    """Recompute every rollup row of the months [low, high) from the source rows."""
    for model in (MonthlyRollup, MonthlyFirm):
        db.session.execute(sa.delete(model).where(model.month >= low, model.month < high))
    scope = Scope(low, high)
    for measure in MEASURES.values():
        if measure.source is not None:
            _roll_measure(measure, scope, marks[measure.source])
    _roll_disbursements(scope, marks["disbursements"], kinds)
    _roll_firms(scope, marks)
    _roll_funnel(scope, marks)
    _roll_response_times(low, high, now)


def _rollup_insert(select: sa.Select) -> None:
    db.session.execute(
        sa.insert(MonthlyRollup).from_select(
            ["measure", "dimension", "month", "key", "count", "amount"], select
        )
    )


def _firm_insert(select: sa.Select) -> None:
    db.session.execute(
        sa.insert(MonthlyFirm).from_select(
            ["measure", "month", "enterprise_id", "count", "amount"], select
        )
    )


def _roll_measure(measure: Measure, scope: Scope, mark: int) -> None:
    """A measure's totals and breakdowns: by the row's own columns, and by the firm's district
    and industry as `rollup_firms` has them. (The institution's kind is left to the report,
    which reads it through the breakdown by institution.)"""
    month = month_start(measure.date_column, measure.is_date)
    counted = (measure.entity.id <= mark,)
    for name, (column, joins) in [("", (None, ())), *measure.dimensions.items()]:
        statement = None
        if not name:
            key = sa.literal("")
        elif not joins:
            key = sa.cast(column, sa.String(40))
        elif column.table is Enterprise.__table__ and measure.firm is not None:
            key = getattr(RollupFirm, column.key)
        else:
            continue
        statement = measure.select(
            [sa.literal(measure.name), sa.literal(name), month, key, measure.count, measure.amount],
            scope,
            where=counted,
        )
        if joins:
            statement = statement.join(RollupFirm, RollupFirm.enterprise_id == measure.firm)
        _rollup_insert(statement.group_by(month, *([key] if name else [])))


def _roll_disbursements(scope: Scope, mark: int, kinds: dict) -> None:
    """Money targets (credit-community loans by the recorded memberships), specialists' deals,
    and each firm's loans (count, net amount), credit loans and loans of any loan kind."""
    disbursements = MEASURES["disbursements"]
    D = Disbursement
    month = month_start(D.disbursed_on, True)
    counted = (D.id <= mark,)
    members = sa.select(RollupFirm.enterprise_id).where(RollupFirm.member.is_(True))
    for metric, conditions in metrics.money_metric_conditions(members).items():
        _rollup_insert(
            disbursements.select(
                [
                    sa.literal("money"),
                    sa.literal(metric),
                    month,
                    sa.literal(""),
                    disbursements.count,
                    disbursements.amount,
                ],
                scope,
                where=(*counted, *conditions),
            ).group_by(month)
        )
    specialist = sa.cast(Application.specialist_id, sa.String(40))
    _rollup_insert(
        disbursements.select(
            [
                sa.literal("specialist_deals"),
                sa.literal("specialist"),
                month,
                specialist,
                disbursements.count,
                disbursements.amount,
            ],
            scope,
            where=(*counted, Application.specialist_id.is_not(None)),
        )
        .join(Application, Application.id == D.application_id)
        .group_by(month, specialist)
    )
    loans = sa.func.sum(sa.case((D.reverses_id.is_(None), 1), else_=0))
    for name, count, where in (
        ("disbursements", loans, ()),
        ("credit_loans", sa.func.count(D.id), (D.product_kind_code.in_(kinds["credit"]),)),
        ("loans", sa.func.count(D.id), (D.product_kind_code.in_(kinds["loan"]),)),
    ):
        _firm_insert(
            disbursements.select(
                [sa.literal(name), month, D.enterprise_id, count, disbursements.amount],
                scope,
                where=(*counted, *where),
            ).group_by(month, D.enterprise_id)
        )


def _roll_firms(scope: Scope, marks: dict[str, int]) -> None:
    """Each firm served in each month (matches aside: they are counted live), and each
    specialist's distinct firms."""
    low, high = local_midnight(scope.date_from), local_midnight(scope.date_to)
    counted = {
        table: SOURCES[table].id <= marks[table]
        for table in ("financing_requests", "applications", "referrals", "contact_logs")
    }
    pairs = activity.served_pairs(low, high, where=counted, matches=False).subquery()
    month = month_start(pairs.c.at)
    _firm_insert(
        sa.select(
            sa.literal("served"), month, pairs.c.enterprise_id, sa.func.count(), sa.null()
        ).group_by(month, pairs.c.enterprise_id)
    )
    work = activity.specialist_work(low, high, where=counted).subquery()
    month = month_start(work.c.at)
    specialist = sa.cast(work.c.sid, sa.String(40))
    _rollup_insert(
        sa.select(
            sa.literal("specialist_firms"),
            sa.literal("specialist"),
            month,
            specialist,
            sa.func.count(sa.distinct(work.c.eid)),
            sa.null(),
        ).group_by(month, specialist)
    )


def _roll_funnel(scope: Scope, marks: dict[str, int]) -> None:
    """How many of each month's requests had an application, an approval and a
    disbursement (matches aside)."""
    R = FinancingRequest
    month = month_start(R.created_at)
    flags = activity.funnel_flags(
        applications=Application.id <= marks["applications"],
        disbursements=Disbursement.id <= marks["disbursements"],
    )
    for step in FUNNEL_STEPS:
        _rollup_insert(
            sa.select(
                sa.literal("funnel"),
                sa.literal(""),
                month,
                sa.literal(step),
                activity.count_where(flags[step]),
                sa.null(),
            )
            .where(
                R.created_at >= local_midnight(scope.date_from),
                R.created_at < local_midnight(scope.date_to),
                R.id <= marks["financing_requests"],
            )
            .group_by(month)
        )


def _roll_response_times(low: date, high: date, now: datetime) -> None:
    """Response times and missed deadlines of each month with applications."""
    low_at, high_at = local_midnight(low), local_midnight(high)
    A = Application
    months: set[date] = set()
    for column in (A.submitted_at, A.respond_by):
        months.update(
            db.session.scalars(
                sa.select(type_as_date(month_start(column)))
                .where(column >= low_at, column < high_at)
                .distinct()
            )
        )
    rows = []
    for day in sorted(months):
        figures = activity.response_times(Month.of(day), now)
        for interval in ("first_response", "decision"):
            for key in ("median", "p90"):
                rows.append(
                    {
                        "measure": "response_times",
                        "dimension": interval,
                        "month": day,
                        "key": key,
                        "count": figures[interval]["count"],
                        "amount": figures[interval][f"{key}_days"],
                    }
                )
        rows.append(
            {
                "measure": "response_times",
                "dimension": "past_deadline",
                "month": day,
                "key": "",
                "count": figures["past_deadline"],
                "amount": None,
            }
        )
    if rows:
        db.session.execute(sa.insert(MonthlyRollup), rows)


# ---------------------------------------------------------------- distinct firms, derived


def _derive(until: date) -> None:
    """Recompute the counts of distinct firms from the firms' rows of every month."""
    F = MonthlyFirm
    db.session.execute(sa.delete(MonthlyRollup).where(MonthlyRollup.measure.in_(DERIVED)))
    _rollup_insert(
        sa.select(
            sa.literal("firms_served"),
            sa.literal("month"),
            F.month,
            sa.literal(""),
            sa.func.count(),
            sa.null(),
        )
        .where(F.measure == "served")
        .group_by(F.month)
    )
    for year in _years("served"):
        _insert_firsts("firms_served", _firsts("served", year))
    # First-time borrowers: firms whose first loan ever is in the month, and their net amount.
    firsts = (
        sa.select(F.enterprise_id, sa.func.min(F.month).label("first"))
        .where(F.measure == "disbursements", F.count > 0)
        .group_by(F.enterprise_id)
        .subquery()
    )
    _rollup_insert(
        sa.select(
            sa.literal("first_time_borrowers"),
            sa.literal(""),
            F.month,
            sa.literal(""),
            sa.func.count(),
            sa.func.sum(F.amount),
        )
        .join(firsts, sa.and_(firsts.c.enterprise_id == F.enterprise_id, firsts.c.first == F.month))
        .where(F.measure == "disbursements")
        .group_by(F.month)
    )
    # Firms with a positive net credit-loan sum from January to the end of each month, and
    # (over the year) by the month of their first credit loan.
    for year in _years("credit_loans"):
        for month in (Month(year, number) for number in range(1, 13)):
            if month.first_day >= until:
                break
            positive = (
                sa.select(F.enterprise_id)
                .where(
                    F.measure == "credit_loans",
                    F.month >= date(year, 1, 1),
                    F.month < month.end_day,
                )
                .group_by(F.enterprise_id)
                .having(sa.func.sum(F.amount) > 0)
                .subquery()
            )
            _rollup_insert(
                sa.select(
                    sa.literal("firms_with_credit_loans"),
                    sa.literal("ytd"),
                    sa.literal(month.first_day, sa.Date),
                    sa.literal(""),
                    sa.func.count(),
                    sa.null(),
                ).select_from(positive)
            )
        _insert_firsts("firms_with_credit_loans", _firsts("credit_loans", year, positive=True))


def _years(measure: str) -> range:
    low, high = db.session.execute(
        sa.select(sa.func.min(MonthlyFirm.month), sa.func.max(MonthlyFirm.month)).where(
            MonthlyFirm.measure == measure
        )
    ).one()
    return range(0) if low is None else range(low.year, high.year + 1)


def _firsts(measure: str, year: int, positive: bool = False) -> sa.Subquery:
    """Each firm's first month of the year in a measure (those with a positive net amount)."""
    F = MonthlyFirm
    statement = (
        sa.select(sa.func.min(F.month).label("first"))
        .where(F.measure == measure, F.month >= date(year, 1, 1), F.month < date(year + 1, 1, 1))
        .group_by(F.enterprise_id)
    )
    if positive:
        statement = statement.having(sa.func.sum(F.amount) > 0)
    return statement.subquery()


def _insert_firsts(name: str, firsts: sa.Subquery) -> None:
    _rollup_insert(
        sa.select(
            sa.literal(name),
            sa.literal("first"),
            firsts.c.first,
            sa.literal(""),
            sa.func.count(),
            sa.null(),
        ).group_by(firsts.c.first)
    )
