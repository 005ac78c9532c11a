"""The rows of the monthly rollups for a range of months, each computed by INSERT … SELECT
from the source tables, and the counts of distinct firms derived from them (see rollups.py)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from finplatform.extensions import db
from finplatform.models import (
    Application,
    Disbursement,
    FinancingRequest,
    FirmAttributes,
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


def _insert_rows(rows: list[dict]) -> None:
    """Rollup rows computed by an aggregate query, written in one statement."""
    if rows:
        db.session.execute(sa.insert(MonthlyRollup), rows)


def _roll_measure(measure: Measure, scope: Scope, mark: int) -> None:
    """A measure's totals and breakdowns: by the row's own columns, and by the firm's district
    and industry as they were at the row's date. (The institution's kind is left to the
    report, which reads it through the breakdown by institution.)"""
    month = month_start(measure.date_column, measure.is_date)
    keys = {}
    for name, (column, joins) in measure.dimensions.items():
        if not joins or column.table is FirmAttributes.__table__:
            keys[name] = column
    # The firm's district and industry at the row's date, which no later move changes.
    then = [name for name in keys if measure.dimensions[name][1]]

    one_pass = db.session.get_bind().dialect.name == "postgresql"

    def grouped(names: list[str]) -> sa.Select:
        statement = measure.select(
            [
                type_as_date(month).label("month"),
                *(keys[name].label(f"key_{name}") for name in names),
                *(
                    (sa.func.grouping(keys[name]) if one_pass else sa.literal(0)).label(
                        f"set_{name}"
                    )
                    for name in names
                ),
                measure.count.label("count"),
                measure.amount.label("amount"),
            ],
            scope,
            dimension=then,
            where=(measure.entity.id <= mark,),
        )
        return statement

    rows: list[dict] = []

    def collect(result, names: list[str]) -> None:
        for row in result:
            values = row._mapping
            # grouping(key) is 0 for the key a row is grouped by; a total row has none.
            name = next((n for n in names if values[f"set_{n}"] == 0), "")
            key = values[f"key_{name}"] if name else ""
            rows.append(
                {
                    "measure": measure.name,
                    "dimension": name,
                    "month": values["month"],
                    "key": str(key),
                    "count": int(values["count"] or 0),
                    "amount": values["amount"],
                }
            )

    names = list(keys)
    if one_pass:
        # One pass over the months' rows: the total and every breakdown (GROUPING SETS).
        sets = [sa.tuple_(month), *(sa.tuple_(month, keys[name]) for name in names)]
        collect(db.session.execute(grouped(names).group_by(sa.func.grouping_sets(*sets))), names)
    else:
        collect(db.session.execute(grouped([]).group_by(month)), [])
        for name in names:
            statement = grouped([name]).group_by(month, keys[name])
            collect(db.session.execute(statement), [name])
    _insert_rows(rows)


def _roll_disbursements(scope: Scope, mark: int, kinds: dict) -> None:
    """Money targets (credit-community loans by the recorded memberships), specialists' deals,
    and each firm's loans (count, net amount), credit loans and loans of any loan kind."""
    disbursements = MEASURES["disbursements"]
    D = Disbursement
    month = type_as_date(month_start(D.disbursed_on, True)).label("month")
    counted = (D.id <= mark,)
    members = sa.select(RollupFirm.enterprise_id).where(RollupFirm.member.is_(True))
    conditions = metrics.money_metric_conditions(members)
    net = sa.case((D.reverses_id.is_(None), 1), else_=-1)
    columns = []
    for metric, where in conditions.items():
        met = sa.and_(sa.true(), *where)
        columns += [
            sa.func.coalesce(sa.func.sum(sa.case((met, net), else_=0)), 0).label(f"n_{metric}"),
            sa.func.sum(sa.case((met, D.amount_yuan), else_=0)).label(f"a_{metric}"),
        ]
    result = db.session.execute(
        disbursements.select([month, *columns], scope, where=counted).group_by(month)
    )
    _insert_rows(
        [
            {
                "measure": "money",
                "dimension": metric,
                "month": row.month,
                "key": "",
                "count": int(row._mapping[f"n_{metric}"]),
                "amount": row._mapping[f"a_{metric}"],
            }
            for row in result
            for metric in conditions
        ]
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
    # Each firm's month in one pass: loans (their number, the net amount of every row), credit
    # loans and loans of any loan kind (rows, net amount).
    credit = D.product_kind_code.in_(kinds["credit"])
    loan = D.product_kind_code.in_(kinds["loan"])
    firms = (
        disbursements.select(
            [
                month,
                D.enterprise_id.label("enterprise_id"),
                sa.func.sum(sa.case((D.reverses_id.is_(None), 1), else_=0)).label("loans"),
                sa.func.sum(D.amount_yuan).label("amount"),
                sa.func.sum(sa.case((credit, 1), else_=0)).label("credit_rows"),
                sa.func.sum(sa.case((credit, D.amount_yuan), else_=0)).label("credit_amount"),
                sa.func.sum(sa.case((loan, 1), else_=0)).label("loan_rows"),
                sa.func.sum(sa.case((loan, D.amount_yuan), else_=0)).label("loan_amount"),
            ],
            scope,
            where=counted,
        )
        .group_by(month, D.enterprise_id)
        .cte("firm_months")
    )
    _firm_insert(
        sa.union_all(
            sa.select(
                sa.literal("disbursements"),
                firms.c.month,
                firms.c.enterprise_id,
                firms.c.loans,
                firms.c.amount,
            ),
            sa.select(
                sa.literal("credit_loans"),
                firms.c.month,
                firms.c.enterprise_id,
                firms.c.credit_rows,
                firms.c.credit_amount,
            ).where(firms.c.credit_rows > 0),
            sa.select(
                sa.literal("loans"),
                firms.c.month,
                firms.c.enterprise_id,
                firms.c.loan_rows,
                firms.c.loan_amount,
            ).where(firms.c.loan_rows > 0),
        )
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
    result = db.session.execute(
        sa.select(
            type_as_date(month).label("month"),
            *(activity.count_where(flags[step]).label(step) for step in FUNNEL_STEPS),
        )
        .where(
            R.created_at >= local_midnight(scope.date_from),
            R.created_at < local_midnight(scope.date_to),
            R.id <= marks["financing_requests"],
        )
        .group_by(month)
    )
    _insert_rows(
        [
            {
                "measure": "funnel",
                "dimension": "",
                "month": row.month,
                "key": step,
                "count": int(row._mapping[step]),
                "amount": None,
            }
            for row in result
            for step in FUNNEL_STEPS
        ]
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


def derive_counts(until: date, since: date | None = None) -> None:
    """Recompute the counts of distinct firms from the firms' rows, for the years from the one
    `since` falls in (the first month recomputed; every year when None)."""
    F = MonthlyFirm
    low = date(since.year, 1, 1) if since is not None else date.min
    db.session.execute(
        sa.delete(MonthlyRollup).where(
            MonthlyRollup.measure.in_(DERIVED), MonthlyRollup.month >= low
        )
    )
    _rollup_insert(
        sa.select(
            sa.literal("firms_served"),
            sa.literal("month"),
            F.month,
            sa.literal(""),
            sa.func.count(),
            sa.null(),
        )
        .where(F.measure == "served", F.month >= low)
        .group_by(F.month)
    )
    for year in _years("served", low):
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
        .where(F.measure == "disbursements", F.month >= low)
        .group_by(F.month)
    )
    # Firms with a positive net credit-loan sum from January to the end of each month, and
    # (over the year) by the month of their first credit loan.
    for year in _years("credit_loans", low):
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


def _years(measure: str, low: date) -> range:
    """The years from `low` on with firms' rows of a measure."""
    first, last = db.session.execute(
        sa.select(sa.func.min(MonthlyFirm.month), sa.func.max(MonthlyFirm.month)).where(
            MonthlyFirm.measure == measure, MonthlyFirm.month >= low
        )
    ).one()
    return range(0) if first is None else range(first.year, last.year + 1)


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
