"""Distinct firms counted once (the firm-months' firsts): facts derived from each firm's
firm-months (activity.py), kept in `report_facts` under the measure "firms", one row a month:

- served: firms served in the month (a firm-month of kind served);
- served_new: firms whose first month served in the year is the month (firms served in the
  year to date is their sum from January; a target's last-year shape reads them by month);
- credit_new: firms whose first month with a credit loan in the year is the month, among those
  whose net credit-loan sum over the whole year is positive (the target's last-year shape);
- credit_ytd: firms whose net credit-loan sum from 1 January to the end of the month is
  positive (firms with credit loans in the year to date; kept for every month of a year);
- borrower_new: first-time borrowers (首贷户), firms whose first month with a disbursement (not
  a reversal) ever is the month, with their net amount in it;
- specialist_firms, specialist_deals (key: the specialist): each specialist's firms in the
  month, and their deals (net disbursements on applications they brokered) and amount.

How they stay right. A write that changes a firm's firm-months of these kinds reads that
firm's months before the write, applies the write's deltas to them, and adds the difference of
the two firms' facts (`add_firm_deltas`, in the write's unit of work, before the firm-months are
written). On PostgreSQL it first takes a transaction lock per firm (ordered), so two writers to
one firm see each other's months. `rebuild_values` recomputes them from all the firm-months
with grouped queries (`flask report rebuild`); the property test checks that both give the
same rows.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from finplatform.extensions import db
from finplatform.models import Institution, InstitutionStatus, ReportFact, Role, User
from finplatform.reports.activity import FIRM_MONTHS, specialist_rows
from finplatform.reports.fact_writes import FACTS, Deltas
from finplatform.reports.measures import sum_money, to_money
from finplatform.reports.metrics import INSTITUTION_METRICS
from finplatform.reports.periods import Month

MEASURE = "firms"
KINDS = ("served", "credit", "borrowed", "specialist", "deals")
FM = FIRM_MONTHS.c
COLUMNS = (FM.kind, FM.enterprise_id, FM.month, FM.specialist_id, FM.count, FM.amount)
R = ReportFact
# The class of PostgreSQL's advisory locks taken per firm while its firsts are recomputed.
LOCK_CLASS = 1616

# (month, specialist) → (count, amount) of one firm and kind
Months = dict[tuple[date, int], tuple[int, Decimal | None]]


def firm_facts(kind: str, months: Months) -> dict[tuple[str, date, str], list]:
    """The facts one firm's months of one kind contribute: (dimension, month, key) → [count,
    amount]; each is one firm."""
    found: dict[tuple[str, date, str], list] = {}

    def add(dimension: str, day: date, key="", count=1, amount=None) -> None:
        found[(dimension, day, str(key))] = [count, amount]

    if kind in ("specialist", "deals"):  # the specialists' firms and deals, by specialist
        for (day, specialist), (count, amount) in months.items():
            if kind == "deals":
                add("specialist_deals", day, specialist, count, amount or Decimal("0.00"))
            else:
                add("specialist_firms", day, specialist)
        return found
    days_of = {day: months[(day, specialist)] for day, specialist in months}
    if kind == "borrowed":
        lent = sorted(day for day, (count, _) in days_of.items() if count > 0)
        if lent:
            add("borrower_new", lent[0], amount=days_of[lent[0]][1] or Decimal("0.00"))
        return found
    years: dict[int, list[date]] = defaultdict(list)
    for day in sorted(days_of):
        years[day.year].append(day)
    for year, days in years.items():
        if kind == "served":
            add("served_new", days[0])
            for day in days:
                add("served", day)
            continue
        amounts = {day.month: days_of[day][1] or 0 for day in days}
        if sum(amounts.values()) > 0:
            add("credit_new", days[0])
        running = 0
        for month in range(1, 13):
            running += amounts.get(month, 0)
            if running > 0:
                add("credit_ytd", date(year, month, 1))
    return found


def _add(into: dict, facts: dict, sign: int) -> None:
    for (dimension, day, key), (count, amount) in facts.items():
        entry = into.setdefault((MEASURE, dimension, day, key), [0, None, 0])
        entry[0] += sign * count
        entry[2] += sign
        if amount is not None:
            entry[1] = (entry[1] or Decimal("0.00")) + sign * amount


def add_firm_deltas(deltas: Deltas, connection) -> None:
    """Add to `deltas` what its firm-month changes do to the firms' firsts (before writing)."""
    changes: dict[tuple[str, int], dict[tuple[date, int], list]] = defaultdict(dict)
    for (kind, month, firm, specialist), change in deltas.get(FIRM_MONTHS, {}).items():
        if kind in KINDS and any(change):
            changes[(kind, firm)][(month, specialist)] = change
    if not changes:
        return
    firms = sorted({firm for _, firm in changes})
    if connection.dialect.name == "postgresql":
        connection.execute(
            sa.text(
                f"SELECT pg_advisory_xact_lock({LOCK_CLASS}, firm) FROM "
                "(SELECT unnest(CAST(:firms AS integer[])) AS firm ORDER BY 1) AS locked"
            ),
            {"firms": firms},
        )
    before: dict[tuple[str, int], dict] = defaultdict(dict)
    for kind, firm, *key, count, amount, rows in connection.execute(
        sa.select(*COLUMNS, FM.rows).where(
            FM.kind.in_(sorted({kind for kind, _ in changes})), FM.enterprise_id.in_(firms)
        )
    ):
        if (kind, firm) in changes:
            before[(kind, firm)][tuple(key)] = (count, amount, rows)
    into = deltas.setdefault(FACTS, {})
    for (kind, firm), changed in changes.items():
        old = before[(kind, firm)]
        new = dict(old)
        for key, (count, amount, rows) in changed.items():
            had = old.get(key, (0, None, 0))
            total = had[1] if amount is None else (had[1] or 0) + amount
            new[key] = (had[0] + count, total, had[2] + rows)
        _add(into, firm_facts(kind, _kept(old)), -1)
        _add(into, firm_facts(kind, _kept(new)), 1)


def _kept(months: dict) -> Months:
    """The months a firm-month row stands for (a row with no rows is deleted)."""
    return {key: (count, amount) for key, (count, amount, rows) in months.items() if rows > 0}


# ------------------------------------------------------------------------------ rebuild


def _grouped(dimension: str, rows: sa.Subquery, *sums, key=None) -> sa.Select:
    """(dimension, month, key, count, amount, rows) per month (and key) of some firms' rows."""
    keys = [rows.c.month] if key is None else [rows.c.month, key]
    count, amount = sums if sums else (sa.func.count(), sa.null())
    return sa.select(
        sa.literal(dimension, sa.String),
        rows.c.month,
        sa.literal("", sa.String) if key is None else sa.cast(key, sa.String),
        count,
        amount,
        sa.func.count(),
    ).group_by(*keys)


def _of(kind: str) -> sa.Subquery:
    return sa.select(FIRM_MONTHS).where(FM.kind == kind).subquery()


def _firsts(kind: str, *having) -> sa.Subquery:
    """Each firm's first month of `kind` in each year (with `having`: of the years it holds)."""
    year = sa.extract("year", FM.month)
    return (
        sa.select(sa.func.min(FM.month).label("month"))
        .where(FM.kind == kind)
        .group_by(FM.enterprise_id, year)
        .having(*having)
        .subquery()
    )


def _credit_ytd(connection) -> sa.Select | None:
    """Per month of the years with credit loans, the firms whose net sum since January is
    positive (each firm's credit months joined to the month ends they count towards)."""
    years = connection.scalars(
        sa.select(sa.extract("year", FM.month)).where(FM.kind == "credit").distinct()
    ).all()
    if not years:
        return None
    ends = sa.union_all(
        *(
            sa.select(
                sa.literal(date(int(year), month, 1), sa.Date).label("month"),
                sa.literal(date(int(year), 1, 1), sa.Date).label("start"),
            )
            for year in years
            for month in range(1, 13)
        )
    ).subquery()
    positive = (
        sa.select(ends.c.month)
        .join(ends, sa.and_(FM.month >= ends.c.start, FM.month <= ends.c.month))
        .where(FM.kind == "credit")
        .group_by(FM.enterprise_id, ends.c.month)
        .having(sa.func.sum(FM.amount) > 0)
        .subquery()
    )
    return _grouped("credit_ytd", positive)


def rebuild_values(connection) -> list[dict]:
    """Every firms' fact recomputed from all the firm-months with grouped queries (for
    `facts.rebuild`; apart from the per-firm arithmetic above, which the property test checks
    against them)."""
    lent = (FM.kind == "borrowed", FM.count > 0)
    first = (
        sa.select(FM.enterprise_id, sa.func.min(FM.month).label("month"))
        .where(*lent)
        .group_by(FM.enterprise_id)
        .subquery()
    )
    borrowed = (
        sa.select(FM.month, FM.amount)
        .join(first, sa.and_(first.c.enterprise_id == FM.enterprise_id, first.c.month == FM.month))
        .where(*lent)
        .subquery()
    )
    specialist, deals = _of("specialist"), _of("deals")
    statements = [
        _grouped("served", _of("served")),
        _grouped("served_new", _firsts("served")),
        _grouped("credit_new", _firsts("credit", sa.func.sum(FM.amount) > 0)),
        _grouped("borrower_new", borrowed, sa.func.count(), sum_money(borrowed.c.amount)),
        _grouped("specialist_firms", specialist, key=specialist.c.specialist_id),
        _grouped(
            "specialist_deals",
            deals,
            sa.func.sum(deals.c.count),
            sum_money(deals.c.amount),
            key=deals.c.specialist_id,
        ),
        _credit_ytd(connection),
    ]
    names = ("dimension", "month", "key", "count", "amount", "rows")
    return [
        {"measure": MEASURE, **dict(zip(names, row, strict=True))}
        for statement in statements
        if statement is not None
        for row in connection.execute(statement)
    ]


# ------------------------------------------------------------------------------ reading


def _counts(dimension: str, first: Month, last: Month) -> dict[date, tuple[int, Decimal]]:
    return {
        month: (int(count), amount)
        for month, count, amount in db.session.execute(
            sa.select(R.month, R.count, R.amount).where(
                R.measure == MEASURE,
                R.dimension == dimension,
                R.month >= first.first_day,
                R.month <= last.first_day,
            )
        )
    }


def specialists(month: Month) -> list[dict]:
    """Per specialist: firms served (referrals, contacts, applications they brokered), deals
    brokered (net disbursements on their applications) and the amount, in the month."""
    served, deals = {}, {}
    for dimension, key, count, amount in db.session.execute(
        sa.select(R.dimension, R.key, R.count, R.amount).where(
            R.measure == MEASURE,
            R.dimension.in_(("specialist_firms", "specialist_deals")),
            R.month == month.first_day,
        )
    ):
        if dimension == "specialist_firms":
            served[int(key)] = int(count)
        else:
            deals[int(key)] = (int(count), to_money(amount))
    return specialist_rows(served, deals)


def first_time_borrowers(month: Month) -> dict:
    """Firms whose first ever disbursement falls in the month: how many, and their net amount."""
    count, amount = _counts("borrower_new", month, month).get(month.first_day, (0, None))
    return {"count": count, "amount": to_money(amount)}


def firms_served(month: Month) -> int:
    """Distinct firms served in the month."""
    return _counts("served", month, month).get(month.first_day, (0, None))[0]


def count_metric_by_month(metric: str, year: int) -> list[int]:
    """A count target's new firms or institutions per month of a year, by first occurrence
    (firms with credit loans: a net positive credit-loan sum over the year)."""
    return _new_by_month(metric, Month(year, 12))


def _new_by_month(metric: str, until: Month) -> list[int]:
    values = [0] * 12
    if metric in ("firms_served", "firms_with_credit_loans"):
        dimension = "served_new" if metric == "firms_served" else "credit_new"
        for month, (count, _) in _counts(dimension, Month(until.year, 1), until).items():
            values[month.month - 1] = count
        return values
    approved = sa.select(Institution.approved_at).where(
        Institution.kind_code == INSTITUTION_METRICS[metric],
        Institution.status == InstitutionStatus.APPROVED,
        Institution.approved_at >= Month(until.year, 1).start_at,
        Institution.approved_at < until.end_at,
    )
    for when in db.session.scalars(approved):
        values[Month.current(when).month - 1] += 1
    return values


def count_metric(metric: str, month: Month) -> int:
    """A count target's value for 1 January to the end of `month` (distinct; the specialists:
    active accounts at the month's end)."""
    if metric == "specialists":
        return int(
            db.session.scalar(
                sa.select(sa.func.count(User.id)).where(
                    User.role == Role.SPECIALIST,
                    User.active.is_(True),
                    User.created_at < month.end_at,
                )
            )
            or 0
        )
    if metric == "firms_with_credit_loans":
        return _counts("credit_ytd", month, month).get(month.first_day, (0, None))[0]
    return sum(_new_by_month(metric, month))
