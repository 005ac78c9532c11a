"""Counts of distinct firms (served, first-time borrowers, with credit loans) from the rolled-up
counts, corrected firm by firm for the firms with rows the rollups do not hold (combined.py)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from finplatform.extensions import db
from finplatform.models import Disbursement, MonthlyFirm, MonthlyRollup
from finplatform.reports import activity, metrics
from finplatform.reports.measures import bucket_for_year, sum_money, to_money
from finplatform.reports.periods import Month
from finplatform.reports.rollups import SERVED_DATES, Coverage, month_number, rolled_value

R, F = MonthlyRollup, MonthlyFirm


def _known(condition) -> sa.ColumnElement[bool]:
    """A condition that is false, not unknown, when it compares with NULL."""
    return sa.func.coalesce(condition, False)


def _served_changes(first: Month, last: Month, coverage: Coverage) -> list[tuple]:
    """(first month served as rolled up or None, first month served now, firms) for the firms
    with acts of service from `first` to `last` that the rollups do not hold (matches
    included: they are never rolled up)."""
    live = activity.served_pairs(
        first.start_at,
        last.end_at,
        where={
            table: coverage.recent(table, column, False, last.end_day)
            for table, column in SERVED_DATES.items()
        },
    ).subquery()
    firms = (
        sa.select(
            live.c.enterprise_id,
            sa.func.min(bucket_for_year(live.c.at, first.year)).label("live_first"),
        )
        .group_by(live.c.enterprise_id)
        .subquery()
    )
    rolled_first = (
        sa.select(sa.func.min(month_number(F.month)))
        .where(
            F.measure == "served",
            F.enterprise_id == firms.c.enterprise_id,
            F.month >= date(first.year, 1, 1),
            F.month < date(first.year + 1, 1, 1),
        )
        .scalar_subquery()
    )
    pairs = sa.select(rolled_first.label("old"), firms.c.live_first.label("live")).subquery()
    now = sa.case(
        (pairs.c.old.is_(None), pairs.c.live),
        (pairs.c.live < pairs.c.old, pairs.c.live),
        else_=pairs.c.old,
    )
    return db.session.execute(
        sa.select(pairs.c.old, now, sa.func.count()).group_by(pairs.c.old, now)
    ).all()


def _firsts(name: str, year: int) -> dict[int, int]:
    """Rolled-up firms by the month of the year they first counted in (1–12)."""
    rows = db.session.execute(
        sa.select(R.month, R.count).where(
            R.measure == name,
            R.dimension == "first",
            R.month >= date(year, 1, 1),
            R.month < date(year + 1, 1, 1),
        )
    ).all()
    result = dict.fromkeys(range(1, 13), 0)
    for day, count in rows:
        result[day.month] = int(count)
    return result


def _served_firsts(year: int, until: Month, coverage: Coverage) -> dict[int, int]:
    """Firms served by the month of the year they were first served in, up to `until`."""
    result = _firsts("firms_served", year)
    for old, now, count in _served_changes(Month(year, 1), until, coverage):
        if old is not None:
            result[int(old)] -= int(count)
        result[int(now)] += int(count)
    return result


def firms_served(month: Month, coverage: Coverage | None) -> int:
    """activity.firms_served for one month."""
    if coverage is None or not coverage.rolls(month):
        return activity.firms_served(month.start_at, month.end_at)
    live = activity.served_pairs(
        month.start_at,
        month.end_at,
        where={
            table: coverage.recent(table, column, False, month.end_day)
            for table, column in SERVED_DATES.items()
        },
    ).subquery()
    counted = sa.exists().where(
        F.measure == "served", F.month == month.first_day, F.enterprise_id == live.c.enterprise_id
    )
    added = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(live.c.enterprise_id))).where(~counted)
    )
    return rolled_value("firms_served", "month", month)[0] + int(added or 0)


def _credit_changes(year: int, until: Month, coverage: Coverage) -> list[tuple]:
    """(first credit month and positive net sum as rolled up, the same now, firms) for the
    firms with credit-loan disbursements from January to `until` that the rollups do not hold."""
    D = Disbursement
    low, high = date(year, 1, 1), until.end_day
    live = (
        sa.select(
            D.enterprise_id,
            sa.func.min(month_number(D.disbursed_on)).label("live_first"),
            sa.func.sum(D.amount_yuan).label("live_sum"),
        )
        .where(
            D.product_kind_code.in_(metrics.CREDIT_KINDS),
            D.disbursed_on >= low,
            D.disbursed_on < high,
            coverage.recent("disbursements", D.disbursed_on, True, high),
        )
        .group_by(D.enterprise_id)
        .subquery()
    )

    def rolled(aggregate):
        return (
            sa.select(aggregate)
            .where(
                F.measure == "credit_loans",
                F.enterprise_id == live.c.enterprise_id,
                F.month >= low,
                F.month < high,
            )
            .scalar_subquery()
        )

    pairs = sa.select(
        rolled(sa.func.min(month_number(F.month))).label("old_first"),
        sa.func.coalesce(rolled(sa.func.sum(F.amount)), 0).label("old_sum"),
        live.c.live_first,
        live.c.live_sum,
    ).subquery()
    now_first = sa.case(
        (pairs.c.old_first.is_(None), pairs.c.live_first),
        (pairs.c.live_first < pairs.c.old_first, pairs.c.live_first),
        else_=pairs.c.old_first,
    )
    was_positive = pairs.c.old_sum > 0
    is_positive = pairs.c.old_sum + pairs.c.live_sum > 0
    return db.session.execute(
        sa.select(
            pairs.c.old_first, was_positive, now_first, is_positive, sa.func.count()
        ).group_by(pairs.c.old_first, was_positive, now_first, is_positive)
    ).all()


def count_metric_by_month(metric: str, year: int, coverage: Coverage | None) -> list[int]:
    """metrics.count_metric_by_month over a whole year, with rolled-up months from the
    rollups."""
    if coverage is None or metric not in {"firms_served", "firms_with_credit_loans"}:
        return metrics.count_metric_by_month(metric, year)
    december = Month(year, 12)
    if metric == "firms_served":
        values = _served_firsts(year, december, coverage)
    else:
        values = _firsts("firms_with_credit_loans", year)
        for old, was_positive, now, is_positive, count in _credit_changes(year, december, coverage):
            if was_positive:
                values[int(old)] -= int(count)
            if is_positive:
                values[int(now)] += int(count)
    return [values[number] for number in range(1, 13)]


def count_metric(metric: str, month: Month, coverage: Coverage | None) -> int:
    """metrics.count_metric, with rolled-up months from the rollups."""
    if coverage is None or metric not in {"firms_served", "firms_with_credit_loans"}:
        return metrics.count_metric(metric, month)
    if metric == "firms_served":
        values = _served_firsts(month.year, month, coverage)
        return sum(values[number] for number in range(1, month.month + 1))
    last_rolled = min(month, Month.of(coverage.until).previous)
    total = (
        rolled_value("firms_with_credit_loans", "ytd", last_rolled)[0]
        if last_rolled.year == month.year
        else 0
    )
    for _, was_positive, _, is_positive, count in _credit_changes(month.year, month, coverage):
        total += int(count) * (int(bool(is_positive)) - int(bool(was_positive)))
    return total


def first_time_borrowers(month: Month, recorded_until: datetime, coverage: Coverage | None) -> dict:
    """activity.first_time_borrowers, from the rolled-up first loans and a correction for the
    firms with disbursements recorded since."""
    if coverage is None or not coverage.rolls(month) or not coverage.usable(recorded_until):
        return activity.first_time_borrowers(month, recorded_until)
    D = Disbursement
    in_month = sa.and_(D.disbursed_on >= month.first_day, D.created_at <= recorded_until)
    live = (
        sa.select(
            D.enterprise_id,
            sa.func.min(sa.case((D.reverses_id.is_(None), D.disbursed_on))).label("first"),
            sa.func.sum(sa.case((in_month, D.amount_yuan), else_=0)).label("amount"),
            sa.func.max(sa.case((in_month, 1), else_=0)).label("recorded"),
        )
        .where(
            D.disbursed_on < month.end_day,
            coverage.recent("disbursements", D.disbursed_on, True, month.end_day),
        )
        .group_by(D.enterprise_id)
        .subquery()
    )
    rolled_first = (
        sa.select(sa.func.min(F.month))
        .where(F.measure == "disbursements", F.count > 0, F.enterprise_id == live.c.enterprise_id)
        .scalar_subquery()
    )
    rolled_month = sa.select(F.amount).where(
        F.measure == "disbursements",
        F.month == month.first_day,
        F.enterprise_id == live.c.enterprise_id,
    )
    firms = sa.select(
        rolled_first.label("old_first"),
        rolled_month.scalar_subquery().label("rolled_amount"),
        sa.exists(rolled_month).label("rolled_row"),
        live.c.first,
        live.c.amount,
        live.c.recorded,
    ).subquery()
    was_first = _known(firms.c.old_first == month.first_day)
    earlier = sa.or_(
        _known(firms.c.old_first < month.first_day), _known(firms.c.first < month.first_day)
    )
    starts = sa.or_(was_first, _known(firms.c.first >= month.first_day))
    is_first = sa.and_(~earlier, starts, sa.or_(firms.c.rolled_row, firms.c.recorded == 1))
    rolled_amount = sa.func.coalesce(firms.c.rolled_amount, 0)
    count_change, amount_change = db.session.execute(
        sa.select(
            activity.count_where(sa.and_(is_first, ~was_first))
            - activity.count_where(sa.and_(was_first, ~is_first)),
            sum_money(
                sa.case((is_first, rolled_amount + firms.c.amount), else_=0)
                - sa.case((was_first, rolled_amount), else_=0)
            ),
        )
    ).one()
    count, amount = rolled_value("first_time_borrowers", "", month)
    return {
        "count": count + int(count_change or 0),
        "amount": to_money(amount) + to_money(amount_change),
    }
