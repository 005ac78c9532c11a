"""The report's figures: rolled-up months read from the rollups, the rest live (rollups.py).

Each function gives the same answer as its live counterpart in measures.py, metrics.py or
activity.py, which it falls back to when there are no rollups (`coverage` None) or they cannot
answer (an open month, a report as of an earlier instant, adjustments). Rolled-up sums and the
live sums of the rows recorded since are added per key; a count of distinct firms is corrected
firm by firm for the firms that have rows recorded since. Everything is an SQL aggregate; the
Python here adds up aggregates, never source rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa

from finplatform.extensions import db
from finplatform.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    ContactLog,
    Disbursement,
    Enterprise,
    FinancingRequest,
    Institution,
    Match,
    MonthlyFirm,
    MonthlyRollup,
    Referral,
    RollupFirm,
)
from finplatform.reports import activity, measures, metrics
from finplatform.reports.measures import (
    MEASURES,
    ZERO,
    Measure,
    Scope,
    bucket_for_year,
    sum_money,
    to_money,
)
from finplatform.reports.periods import Month, local_midnight
from finplatform.reports.rollups import Coverage, Months, Split, is_member

R, F = MonthlyRollup, MonthlyFirm
SERVED_DATES = {
    "financing_requests": FinancingRequest.created_at,
    "applications": Application.submitted_at,
    "referrals": Referral.created_at,
    "contact_logs": ContactLog.happened_at,
}


def _rolled(coverage: Coverage | None, measure: Measure, scope: Scope) -> Split | None:
    split = coverage.split(measure, scope) if coverage is not None else None
    return split if split is not None and split.rolled is not None else None


def _sums(rows: Iterable[tuple], into: dict | None = None) -> dict:
    """(key, count, amount) rows added up per key."""
    result = {} if into is None else into
    for key, count, amount in rows:
        before = result.get(key, (0, None))
        total = before[1] if amount is None else (before[1] or ZERO) + Decimal(amount)
        result[key] = (before[0] + int(count or 0), total)
    return result


def _rolled_value(measure: str, dimension: str, month: Month, key: str = "") -> tuple:
    """(count, amount) of one rollup row, zero when there is none."""
    row = db.session.execute(
        sa.select(R.count, R.amount).where(
            R.measure == measure, R.dimension == dimension, R.month == month.first_day, R.key == key
        )
    ).first()
    return (int(row.count), row.amount) if row else (0, None)


def _known(condition) -> sa.ColumnElement[bool]:
    """A condition that is false, not unknown, when it compares with NULL."""
    return sa.func.coalesce(condition, False)


def _number(month_day) -> sa.ColumnElement[int]:
    """The month number (1–12) of a date."""
    return sa.cast(sa.extract("month", month_day), sa.Integer)


# -------------------------------------------------------------------------------- measures


def totals(measure: Measure, scope: Scope, coverage: Coverage | None) -> dict:
    """measures.totals, with rolled-up months from the rollups."""
    split = _rolled(coverage, measure, scope)
    if split is None:
        return measures.totals(measure, scope)
    live = measures.totals(measure, scope, where=split.where)
    count, amount = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(R.count), 0), sum_money(R.amount)).where(
            R.measure == measure.name, R.dimension == "", *split.rolled.conditions(R.month)
        )
    ).one()
    return {
        "count": live["count"] + int(count),
        "amount": None if measure.amount is None else live["amount"] + to_money(amount),
    }


def breakdowns(scope: Scope, coverage: Coverage | None) -> dict[str, dict[str, list[dict]]]:
    """measures.breakdowns of every measure, with rolled-up months from the rollups (and each
    dimension's names read once for all measures)."""
    sums = {name: _breakdown_sums(measure, scope, coverage) for name, measure in MEASURES.items()}
    keys: dict[str, set] = {}
    for by_dimension in sums.values():
        for dimension, rows in by_dimension.items():
            keys.setdefault(dimension, set()).update(key for key, _, _ in rows)
    labels = {
        dimension: measures.dimension_labels(dimension, list(found))
        for dimension, found in keys.items()
    }
    return {
        name: {
            dimension: measures.breakdown_entries(measure, dimension, rows, labels[dimension])
            for dimension, rows in sums[name].items()
        }
        for name, measure in MEASURES.items()
    }


def _breakdown_sums(
    measure: Measure, scope: Scope, coverage: Coverage | None
) -> dict[str, list[tuple]]:
    """(key, count, amount) rows of each of a measure's breakdowns."""
    names = list(measure.dimensions)
    split = _rolled(coverage, measure, scope)
    if split is None:
        return measures.breakdowns_sums(measure, scope, names)
    live = measures.breakdowns_sums(measure, scope, names, where=split.where)
    rolled = _rolled_breakdowns(measure, split.rolled)
    moved = _moved_firms(measure, split.rolled, coverage)
    result = {}
    for name in names:
        sums = _sums(live[name])
        _sums(rolled.get(name, ()), sums)
        _sums(moved.get(name, ()), sums)
        # These measures count rows: a key whose rows all moved away has none left.
        result[name] = [
            (key, count, amount)
            for key, (count, amount) in sums.items()
            if count or name not in moved
        ]
    return result


def _rolled_breakdowns(measure: Measure, months: Months) -> dict[str, list[tuple]]:
    """(key, count, amount) of a measure's breakdowns in rolled-up months; an institution's
    kind is read through the breakdown by institution, so it is today's kind."""
    result: dict[str, list[tuple]] = {}
    rows = db.session.execute(
        sa.select(R.dimension, R.key, sa.func.sum(R.count), sa.func.sum(R.amount))
        .where(
            R.measure == measure.name,
            R.dimension.in_(list(measure.dimensions)),
            *months.conditions(R.month),
        )
        .group_by(R.dimension, R.key)
    ).all()
    for name, key, count, amount in rows:
        column = measure.dimensions[name][0]
        typed = int if isinstance(column.type, sa.Integer) else str
        result.setdefault(name, []).append((typed(key), count, amount))
    for name, (column, joins) in measure.dimensions.items():
        if joins and column.table is Institution.__table__:
            result[name] = [
                tuple(row)
                for row in db.session.execute(
                    sa.select(column, sa.func.sum(R.count), sa.func.sum(R.amount))
                    .join(Institution, sa.cast(Institution.id, sa.String(40)) == R.key)
                    .where(
                        R.measure == measure.name,
                        R.dimension == "institution",
                        *months.conditions(R.month),
                    )
                    .group_by(column)
                )
            ]
    return result


def _moved_firms(measure: Measure, months: Months, coverage: Coverage) -> dict[str, list]:
    """Rolled-up rows of firms that moved district or industry since they were counted: taken
    from where the rollups counted them and put where a live query counts them."""
    if not coverage.moved or measure.firm is None:
        return {}
    S, E = RollupFirm, Enterprise
    date_column = measure.date_column
    kept_apart = [
        sa.and_(
            date_column >= local_midnight(day), date_column < local_midnight(Month.of(day).end_day)
        )
        for day in months.excluded
    ]
    rows = db.session.execute(
        measure.select(
            [
                S.district_code,
                E.district_code,
                S.industry_code,
                E.industry_code,
                measure.count,
                measure.amount,
            ],
            Scope(months.low, months.high),
            where=(
                measure.entity.id <= coverage.mark(measure.source),
                measure.firm.in_(coverage.moved),
                *(~part for part in kept_apart),
            ),
        )
        .join(S, S.enterprise_id == measure.firm)
        .join(E, E.id == measure.firm)
        .group_by(S.district_code, E.district_code, S.industry_code, E.industry_code)
    ).all()
    result: dict[str, list] = {"district": [], "industry": []}
    for was_district, district, was_industry, industry, count, amount in rows:
        taken = (-int(count), -Decimal(amount)) if amount is not None else (-int(count), None)
        result["district"] += [(was_district, *taken), (district, count, amount)]
        result["industry"] += [(was_industry, *taken), (industry, count, amount)]
    return result


def totals_by_month(
    measure: Measure, months: list[Month], coverage: Coverage | None
) -> dict[Month, dict]:
    """measures.totals_by_month, with rolled-up months from the rollups."""
    split = (
        _rolled(coverage, measure, Scope(min(months).first_day, max(months).end_day))
        if months
        else None
    )
    if split is None:
        return measures.totals_by_month(measure, months)
    result = measures.totals_by_month(measure, months, where=split.where)
    rows = db.session.execute(
        sa.select(R.month, R.count, R.amount).where(
            R.measure == measure.name,
            R.dimension == "",
            R.month.in_([month.first_day for month in months]),
            *split.rolled.conditions(R.month),
        )
    ).all()
    for day, count, amount in rows:
        figures = result[Month.of(day)]
        figures["count"] += int(count)
        if figures["amount"] is not None:
            figures["amount"] += to_money(amount)
    return result


def breakdown_by_month(
    measure: Measure, months: list[Month], dimension: str, coverage: Coverage | None
) -> dict[Month, list[dict]]:
    """measures.breakdown_by_month (of a breakdown by a column of the row itself), with
    rolled-up months from the rollups."""
    split = (
        _rolled(coverage, measure, Scope(min(months).first_day, max(months).end_day))
        if months
        else None
    )
    if split is None:
        return measures.breakdown_by_month(measure, months, dimension)
    live = measures.breakdown_by_month(measure, months, dimension, where=split.where)
    rows = db.session.execute(
        sa.select(R.month, R.key, R.count, R.amount).where(
            R.measure == measure.name,
            R.dimension == dimension,
            R.month.in_([month.first_day for month in months]),
            *split.rolled.conditions(R.month),
        )
    ).all()
    labels = measures.dimension_labels(dimension, list({row.key for row in rows}))
    result = {}
    for month in months:
        entries = {entry["key"]: dict(entry) for entry in live[month]}
        for row in (row for row in rows if row.month == month.first_day):
            names = labels.get(row.key, (row.key, row.key))
            entry = entries.setdefault(
                row.key,
                {
                    "key": row.key,
                    "name_zh": names[0],
                    "name_en": names[1],
                    "count": 0,
                    "amount": ZERO,
                },
            )
            entry["count"] += int(row.count)
            entry["amount"] += to_money(row.amount)
        result[month] = sorted(entries.values(), key=lambda entry: (-entry["amount"], entry["key"]))
    return result


# ------------------------------------------------------------------------------ money targets


def _rejoined_loans(months: Months, coverage: Coverage, by_month: bool) -> list[tuple]:
    """(month, amount) to add to credit-community loans for the firms that joined (+) or
    left (−) a community since the rollups counted them."""
    if not coverage.rejoined:
        return []
    signed = sa.case((is_member(F.enterprise_id), F.amount), else_=-F.amount)
    statement = sa.select(F.month if by_month else sa.literal(None), sum_money(signed)).where(
        F.measure == "loans", F.enterprise_id.in_(coverage.rejoined), *months.conditions(F.month)
    )
    return db.session.execute(statement.group_by(F.month) if by_month else statement).all()


def money_metrics(scope: Scope, coverage: Coverage | None) -> dict[str, Decimal]:
    """metrics.money_metrics, with rolled-up months from the rollups."""
    split = _rolled(coverage, MEASURES["disbursements"], scope)
    if split is None:
        return metrics.money_metrics(scope)
    result = metrics.money_metrics(scope, where=split.where)
    for metric, amount in db.session.execute(
        sa.select(R.dimension, sum_money(R.amount))
        .where(R.measure == "money", *split.rolled.conditions(R.month))
        .group_by(R.dimension)
    ):
        result[metric] += to_money(amount)
    for _, amount in _rejoined_loans(split.rolled, coverage, by_month=False):
        result["credit_community_loans"] += to_money(amount)
    return result


def money_metrics_by_month(year: int, coverage: Coverage | None) -> dict[str, list[Decimal]]:
    """metrics.money_metrics_by_month, with rolled-up months from the rollups."""
    scope = Scope(date(year, 1, 1), date(year + 1, 1, 1))
    split = _rolled(coverage, MEASURES["disbursements"], scope)
    if split is None:
        return metrics.money_metrics_by_month(year)
    result = metrics.money_metrics_by_month(year, where=split.where)
    rows = db.session.execute(
        sa.select(R.dimension, R.month, R.amount).where(
            R.measure == "money", *split.rolled.conditions(R.month)
        )
    ).all()
    for metric, day, amount in rows:
        result[metric][day.month - 1] += to_money(amount)
    for day, amount in _rejoined_loans(split.rolled, coverage, by_month=True):
        result["credit_community_loans"][day.month - 1] += to_money(amount)
    return result


# ------------------------------------------------------------------------------ distinct firms


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
        sa.select(sa.func.min(_number(F.month)))
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
    return _rolled_value("firms_served", "month", month)[0] + int(added or 0)


def _credit_changes(year: int, until: Month, coverage: Coverage) -> list[tuple]:
    """(first credit month and positive net sum as rolled up, the same now, firms) for the
    firms with credit-loan disbursements from January to `until` that the rollups do not hold."""
    D = Disbursement
    low, high = date(year, 1, 1), until.end_day
    live = (
        sa.select(
            D.enterprise_id,
            sa.func.min(_number(D.disbursed_on)).label("live_first"),
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
        rolled(sa.func.min(_number(F.month))).label("old_first"),
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
        for old, was, now, is_, count in _credit_changes(year, december, coverage):
            if was:
                values[int(old)] -= int(count)
            if is_:
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
        _rolled_value("firms_with_credit_loans", "ytd", last_rolled)[0]
        if last_rolled.year == month.year
        else 0
    )
    for _, was, _, is_, count in _credit_changes(month.year, month, coverage):
        total += int(count) * (int(bool(is_)) - int(bool(was)))
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
    was = _known(firms.c.old_first == month.first_day)
    earlier = sa.or_(
        _known(firms.c.old_first < month.first_day), _known(firms.c.first < month.first_day)
    )
    starts = sa.or_(was, _known(firms.c.first >= month.first_day))
    is_ = sa.and_(~earlier, starts, sa.or_(firms.c.rolled_row, firms.c.recorded == 1))
    rolled_amount = sa.func.coalesce(firms.c.rolled_amount, 0)
    count_change, amount_change = db.session.execute(
        sa.select(
            activity.count_where(sa.and_(is_, ~was)) - activity.count_where(sa.and_(was, ~is_)),
            sum_money(
                sa.case((is_, rolled_amount + firms.c.amount), else_=0)
                - sa.case((was, rolled_amount), else_=0)
            ),
        )
    ).one()
    count, amount = _rolled_value("first_time_borrowers", "", month)
    return {
        "count": count + int(count_change or 0),
        "amount": to_money(amount) + to_money(amount_change),
    }


# ----------------------------------------------------------------- funnel, times, specialists


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
    matched = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(Match.request_id)))
        .join(RQ, RQ.id == Match.request_id)
        .where(*in_month)
    )
    approved = E.to_status == ApplicationStatus.APPROVED.value
    approved_since = sa.exists().where(
        E.application_id == A.id, E.id > coverage.mark("application_events"), approved
    )
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
            applications=sa.and_(A.id <= coverage.mark("applications"), ~approved_since)
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
            int(matched or 0),
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
