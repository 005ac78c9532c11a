"""The rows of the monthly rollups for a range of months, each computed by INSERT … SELECT
from the source tables, and the counts of distinct firms derived from them (see rollups.py)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from finplatform.extensions import db
from finplatform.models import (
    Application,
    Disbursement,
    Enterprise,
    FinancingRequest,
    MonthlyFirm,
    MonthlyRollup,
    RollupFirm,
)
from finplatform.reports import activity, metrics
from finplatform.reports.measures import MEASURES, Measure, Scope
from finplatform.reports.periods import Month, local_midnight
from finplatform.reports.rollups import SOURCES, approved_since, month_start, type_as_date

FUNNEL_STEPS = ("applied", "approved", "disbursed")
# Counts of distinct firms, derived from the firms' rows of every month after each refresh.
DERIVED = ("firms_served", "first_time_borrowers", "firms_with_credit_loans")


def roll_months(low: date, high: date, marks: dict[str, int], kinds: dict, now: datetime) -> None:
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
    # The steps as of the marks; an approval recorded since belongs to the report's additions.
    counted = Application.id <= marks["applications"]
    flags = {
        "applied": activity.funnel_flags(applications=counted)["applied"],
        "approved": activity.funnel_flags(
            applications=sa.and_(counted, ~approved_since(marks["application_events"]))
        )["approved"],
        "disbursed": activity.funnel_flags(disbursements=Disbursement.id <= marks["disbursements"])[
            "disbursed"
        ],
    }
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


def derive_counts(until: date) -> None:
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
