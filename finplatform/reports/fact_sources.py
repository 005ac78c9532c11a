"""The queries that count report facts (facts.py), each with how to read its grouped rows:
in Python (`read`, into deltas) and in SQL (`as_rows`, the fact rows of one grouped row), so
that the flush hooks, the bulk writers and `flask report rebuild` count the same way."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from finplatform.models import (
    Application,
    ContactLog,
    Disbursement,
    FinancingRequest,
    Match,
    PoolContribution,
    Referral,
)
from finplatform.models.sql import local_month
from finplatform.reports import metrics, responses
from finplatform.reports.activity import (
    FIRM_MONTH_SOURCES,
    FIRM_MONTHS,
    FUNNEL_STEPS,
    first_ranked_contributions,
    funnel_contributions,
)
from finplatform.reports.fact_writes import (
    FACTS,
    NO_AMOUNT,
    Deltas,
    Key,
    RowShape,
    Source,
    name,
)
from finplatform.reports.measures import MEASURES, Scope, sum_money

# The funnel's facts count requests, touched through their applications and disbursements.
FUNNEL = "funnel"
FUNNEL_STEPS_KEPT = (FUNNEL_STEPS[0], *FUNNEL_STEPS[2:])
# The funnel's matched step counts requests by their first ranking time, apart from the rest of
# a request's facts: only a flush that sets or clears that time recounts it.
FIRST_RANKED = "first_ranked"
# The measures kept, by the table whose rows they count.
KEPT: dict[object, tuple[str, ...]] = {
    FinancingRequest: ("requests",),
    Application: ("applications", "approvals", "rejections"),
    Disbursement: ("disbursements",),
    PoolContribution: (),
    Referral: (),
    ContactLog: (),
    Match: ("matches",),
    FUNNEL: (),
    FIRST_RANKED: (),
}
EVERY_ROW = Scope(None, date(2200, 1, 1))


def _add(into: Deltas, table, key: Key, count, amount, rows: int, sign: int) -> None:
    entry = into.setdefault(table, {}).setdefault(key, [0, None, 0])
    entry[0] += sign * int(count or 0)
    if amount is not None:
        entry[1] = (entry[1] or Decimal("0.00")) + sign * Decimal(amount)
    entry[2] += sign * int(rows)


def _key_text(value) -> str:
    return "" if value is None else str(value)


def read_funnel(rows, into: Deltas, sign: int) -> None:
    """Add the funnel's rows (month, requests, applied, approved, disbursed) to the deltas."""
    for month, requests, *steps in rows:
        for step, count in zip(FUNNEL_STEPS_KEPT, (requests, *steps), strict=True):
            _add(into, FACTS, (FUNNEL, step, month, ""), count, None, requests, sign)


def funnel_rows(columns: list) -> list[RowShape]:
    """`read_funnel` in SQL."""
    month, requests, *steps = columns
    return [
        (FACTS, [name(FUNNEL), name(step), month, name(""), count, NO_AMOUNT, requests], None)
        for step, count in zip(FUNNEL_STEPS_KEPT, (requests, *steps), strict=True)
    ]


def _read_first_ranked(rows, into: Deltas, sign: int) -> None:
    for month, requests in rows:
        _add(into, FACTS, (FUNNEL, FUNNEL_STEPS[1], month, ""), requests, None, requests, sign)


def _first_ranked_rows(columns: list) -> list[RowShape]:
    month, requests = columns
    step = name(FUNNEL_STEPS[1])
    return [(FACTS, [name(FUNNEL), step, month, name(""), requests, NO_AMOUNT, requests], None)]


def read_firm_months(rows, into: Deltas, sign: int) -> None:
    for kind, month, firm, specialist, count, amount, counted in rows:
        _add(into, FIRM_MONTHS, (kind, month, firm, specialist), count, amount, counted, sign)


def _firm_month_rows(columns: list) -> list[RowShape]:
    return [(FIRM_MONTHS, columns, None)]


def _read_responses(rows, into: Deltas, sign: int) -> None:
    for kind, month, days, count in rows:
        key = (responses.MEASURE, kind, month, responses.duration_key(days))
        _add(into, FACTS, key, count, None, count, sign)


def _response_rows(columns: list) -> list[RowShape]:
    kind, month, days, count = columns
    key = sa.cast(sa.cast(days, sa.Float), sa.Text)  # as `duration_key` writes it
    return [(FACTS, [name(responses.MEASURE), kind, month, key, count, NO_AMOUNT, count], None)]


def _read_pool(rows, into: Deltas, sign: int) -> None:
    for day, amount, counted in rows:
        _add(into, FACTS, ("money", metrics.POOL_METRIC, day, ""), 0, amount, counted, sign)


def _pool_rows(columns: list) -> list[RowShape]:
    day, amount, counted = columns
    metric = name(metrics.POOL_METRIC)
    return [(FACTS, [name("money"), metric, day, name(""), ZERO_COUNT, amount, counted], None)]


ZERO_COUNT = sa.literal_column("0", sa.BigInteger)


def _measure_query(model, measure_name: str) -> Source:
    """A measure's facts by month and every breakdown at once."""
    measure = MEASURES[measure_name]
    names = list(measure.dimensions)
    month = local_month(measure.date_column)
    columns = [measure.dimensions[dimension][0] for dimension in names]
    amount = measure.amount if measure.amount is not None else NO_AMOUNT
    statement = measure.select(
        [month, *columns, measure.count, amount, sa.func.count()], EVERY_ROW, dimension=names
    ).group_by(month, *columns)
    return Source(statement, *_reader(measure_name, names, {}))


def _disbursements_query() -> Source:
    """The disbursements' facts by month and every breakdown, with each money target's amount
    and rows (one scan for both). Each condition a target counts is evaluated once per row, in
    an inner query (written out per target, they would make a query slow to plan)."""
    measure = MEASURES["disbursements"]
    names = list(measure.dimensions)
    targets = metrics.money_metric_conditions()
    flags = list({id(c): c for only in targets.values() for c in only}.values())
    keys = [local_month(measure.date_column).label("month")] + [
        measure.dimensions[dimension][0].label(dimension) for dimension in names
    ]

    def build(condition) -> sa.Select:
        inner = measure.select(
            [
                *keys,
                Disbursement.reverses_id.is_(None).label("original"),
                Disbursement.amount_yuan.label("amount"),
                *(flag.label(f"flag{index}") for index, flag in enumerate(flags)),
            ],
            EVERY_ROW,
            dimension=names,
            where=() if condition is None else (condition,),
        )
        # OFFSET 0 keeps PostgreSQL from merging the inner query into the outer one, which
        # would copy each condition into every sum that reads it.
        rows = inner.offset(0).subquery()
        sums = []
        for only in targets.values():
            counted = sa.and_(*(rows.c[f"flag{flags.index(c)}"] for c in only))
            sums.append(sa.func.sum(sa.case((counted, rows.c.amount), else_=0)))
            sums.append(sa.func.sum(sa.case((counted, 1), else_=0)))
        grouped = [rows.c.month, *(rows.c[dimension] for dimension in names)]
        return sa.select(
            *grouped,
            sa.func.coalesce(sa.func.sum(sa.case((rows.c.original, 1), else_=-1)), 0),
            sum_money(rows.c.amount),
            sa.func.count(),
            *sums,
        ).group_by(*grouped)

    return Source(build, *_reader("disbursements", names, targets))


def _reader(measure: str, names: list[str], targets: dict) -> tuple[Callable, Callable]:
    """How to read a measure's grouped rows (month, keys…, count, amount, rows, then each
    target's amount and rows): in Python, and as fact rows in SQL."""
    width = len(names)

    def read(rows, into: Deltas, sign: int) -> None:
        for row in rows:
            day, keys = row[0], row[1 : 1 + width]
            count, total, counted = row[1 + width : 4 + width]
            _add(into, FACTS, (measure, "", day, ""), count, total, counted, sign)
            for dimension, key in zip(names, keys, strict=True):
                key = (measure, dimension, day, _key_text(key))
                _add(into, FACTS, key, count, total, counted, sign)
            for index, metric in enumerate(targets):
                money, counted_rows = row[4 + width + 2 * index : 6 + width + 2 * index]
                if counted_rows:
                    _add(into, FACTS, ("money", metric, day, ""), 0, money, counted_rows, sign)

    def as_rows(columns: list) -> list[RowShape]:
        day, keys = columns[0], columns[1 : 1 + width]
        sums = columns[1 + width : 4 + width]
        found = [(FACTS, [name(measure), name(""), day, name(""), *sums], None)]
        for dimension, key in zip(names, keys, strict=True):
            text = sa.func.coalesce(sa.cast(key, sa.Text), name(""))
            found.append((FACTS, [name(measure), name(dimension), day, text, *sums], None))
        for index, metric in enumerate(targets):
            money, counted = columns[4 + width + 2 * index : 6 + width + 2 * index]
            shape = [name("money"), name(metric), day, name(""), ZERO_COUNT, money, counted]
            found.append((FACTS, shape, counted != 0))
        return found

    return read, as_rows


@functools.cache
def queries(model) -> list[Source]:
    """The grouped queries giving `model`'s facts, each with how to read its rows (built once:
    a flush only adds its WHERE)."""
    if model is FUNNEL:
        return [Source(funnel_contributions, read_funnel, funnel_rows)]
    if model is FIRST_RANKED:
        return [Source(first_ranked_contributions(), _read_first_ranked, _first_ranked_rows)]
    found = [
        Source(source, read_firm_months, _firm_month_rows)
        for source in FIRM_MONTH_SOURCES.get(model, ())
    ]
    if len(found) > 1:
        found = [Source(sa.union_all(*(s.statement for s in found)), *found[0][1:])]
    if model is PoolContribution:
        month = local_month(PoolContribution.contributed_on)
        amount = sum_money(PoolContribution.amount_yuan)
        statement = sa.select(month, amount, sa.func.count()).group_by(month)
        found.append(Source(statement, _read_pool, _pool_rows))
    if model is Disbursement:
        return [*found, _disbursements_query()]
    if model is Application:
        found.append(Source(responses.response_contributions(), _read_responses, _response_rows))
    return found + [_measure_query(model, measure) for measure in KEPT[model]]
