"""Report facts (报表事实): each month's figures kept as they stand, written with the rows they
count, so a report reads small tables instead of a year of source rows.

What is kept. `report_facts`: for requests, applications, approvals, rejections and
disbursements, the count, amount and number of rows of each month in total and by each
breakdown (measures.py says what each counts); each money target's amount per month
(metrics.py); the funnel's steps per month of posting (activity.py). `report_firm_months`: one
row per firm, month and kind of activity, what the distinct-firm counts read (activity.py says
what each kind counts), matches included; the funnel's matched step per month of first ranking.
The response times are counted live.

How they stay right. A fact is the same query as the figure, restricted to the rows a write
touched (`contributions`); an ORM flush takes away the contributions of what it changes and adds
back the new ones (fact_hooks.py); the two bulk statements of ranking, re-ranking's delete of
a request's matches and the match API's stamp of a first ranking time, call `bulk_write` in
their transaction (what they touch is known there: the request ids, the stamped rows
returned by the UPDATE). Both write with INSERT … ON CONFLICT DO UPDATE
SET count = count + …, so two writers to one month wait for each other's row lock on
PostgreSQL and neither loses an update. `rebuild` (`flask report rebuild`) recomputes every
fact from the base tables with the same queries and must give the same rows
(tests/reports/test_facts.py checks that over random sequences of writes).

Why hooks, not triggers: the definitions (a firm's district at the time, an institution's
standing at the time, a month in Beijing time) are SQLAlchemy expressions written once in
measures.py, metrics.py and activity.py; the hook reuses them for one row and the rebuild for
all, on SQLite and PostgreSQL alike, where triggers would restate every definition twice.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from finplatform.extensions import db
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
from finplatform.reports import metrics
from finplatform.reports.activity import (
    FIRM_MONTH_SOURCES,
    FIRM_MONTHS,
    FUNNEL_STEPS,
    first_ranked_contributions,
    funnel_contributions,
)
from finplatform.reports.fact_writes import FACTS, KEYS, Deltas, Key, write_deltas
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
    Match: (),
    FUNNEL: (),
    FIRST_RANKED: (),
}
EVERY_ROW = Scope(None, date(2200, 1, 1))


# ------------------------------------------------------------------------------ computing


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


def _read_first_ranked(rows, into: Deltas, sign: int) -> None:
    for month, requests in rows:
        _add(into, FACTS, (FUNNEL, FUNNEL_STEPS[1], month, ""), requests, None, requests, sign)


def _read_firm_months(rows, into: Deltas, sign: int) -> None:
    for kind, month, firm, specialist, count, amount, counted in rows:
        _add(into, FIRM_MONTHS, (kind, month, firm, specialist), count, amount, counted, sign)


def _read_pool(rows, into: Deltas, sign: int) -> None:
    for day, amount, counted in rows:
        _add(into, FACTS, ("money", metrics.POOL_METRIC, day, ""), 0, amount, counted, sign)


def _measure_query(model, name: str) -> tuple[object, Callable]:
    """A measure's facts by month and every breakdown at once."""
    measure = MEASURES[name]
    names = list(measure.dimensions)
    month = local_month(measure.date_column)
    columns = [measure.dimensions[dimension][0] for dimension in names]
    amount = measure.amount if measure.amount is not None else sa.literal(None)
    statement = measure.select(
        [month, *columns, measure.count, amount, sa.func.count()], EVERY_ROW, dimension=names
    ).group_by(month, *columns)
    return statement, _reader(name, names, {})


def _disbursements_query() -> tuple[object, Callable]:
    """The disbursements' facts by month and every breakdown, with each money target's amount
    and rows (one scan for both). Each condition a target counts is evaluated once per row, in
    an inner query (written out per target, they would make a query slow to plan)."""
    measure = MEASURES["disbursements"]
    names = list(measure.dimensions)
    targets = metrics.money_metric_conditions()
    flags = list({id(c): c for only in targets.values() for c in only}.values())
    keys = [local_month(measure.date_column).label("month")] + [
        measure.dimensions[name][0].label(name) for name in names
    ]

    def build(condition) -> sa.Select:
        inner = sa.select(
            *keys,
            Disbursement.reverses_id.is_(None).label("original"),
            Disbursement.amount_yuan.label("amount"),
            *(flag.label(f"flag{index}") for index, flag in enumerate(flags)),
        ).where(*measure.scope_conditions(EVERY_ROW), *(() if condition is None else (condition,)))
        rows = inner.subquery()
        sums = []
        for only in targets.values():
            counted = sa.and_(*(rows.c[f"flag{flags.index(c)}"] for c in only))
            sums.append(sa.func.sum(sa.case((counted, rows.c.amount), else_=0)))
            sums.append(sa.func.sum(sa.case((counted, 1), else_=0)))
        grouped = [rows.c.month, *(rows.c[name] for name in names)]
        return sa.select(
            *grouped,
            sa.func.coalesce(sa.func.sum(sa.case((rows.c.original, 1), else_=-1)), 0),
            sum_money(rows.c.amount),
            sa.func.count(),
            *sums,
        ).group_by(*grouped)

    return build, _reader("disbursements", names, targets)


def _reader(name: str, names: list[str], targets: dict) -> Callable:
    width = len(names)

    def read(rows, into: Deltas, sign: int) -> None:
        for row in rows:
            day, keys = row[0], row[1 : 1 + width]
            count, total, counted = row[1 + width : 4 + width]
            _add(into, FACTS, (name, "", day, ""), count, total, counted, sign)
            for dimension, key in zip(names, keys, strict=True):
                key = (name, dimension, day, _key_text(key))
                _add(into, FACTS, key, count, total, counted, sign)
            for index, metric in enumerate(targets):
                money, counted_rows = row[4 + width + 2 * index : 6 + width + 2 * index]
                if counted_rows:
                    _add(into, FACTS, ("money", metric, day, ""), 0, money, counted_rows, sign)

    return read


@functools.cache
def _queries(model) -> list[tuple[sa.Select, Callable]]:
    """The grouped queries giving `model`'s facts, each with how to read its rows (built once:
    a flush only adds its WHERE)."""
    if model is FUNNEL:
        return [(funnel_contributions(), read_funnel)]
    if model is FIRST_RANKED:
        return [(first_ranked_contributions(), _read_first_ranked)]
    found = [(source, _read_firm_months) for source in FIRM_MONTH_SOURCES.get(model, ())]
    if len(found) > 1:
        found = [(sa.union_all(*(source for source, _ in found)), _read_firm_months)]
    if model is PoolContribution:
        month = local_month(PoolContribution.contributed_on)
        amount = sum_money(PoolContribution.amount_yuan)
        found.append((sa.select(month, amount, sa.func.count()).group_by(month), _read_pool))
    if model is Disbursement:
        return [*found, _disbursements_query()]
    return found + [_measure_query(model, name) for name in KEPT[model]]


# The rows a flush touched, by key: each model's own ids, and for the funnel the requests of
# the applications touched (`applications`).
IDS = sa.bindparam("ids", expanding=True)
APPLICATION_IDS = sa.bindparam("applications", expanding=True)


def by_keys(model) -> sa.ColumnElement[bool]:
    """The rows of `model` a flush touched, by key (the parameters `ids`, `applications`)."""
    if model is FUNNEL:  # one IN over a UNION, so that both halves use their index
        requests = sa.orm.aliased(FinancingRequest)
        wanted = sa.union_all(
            sa.select(requests.id).where(requests.id.in_(IDS)),
            sa.select(Application.request_id).where(Application.id.in_(APPLICATION_IDS)),
        )
        return FinancingRequest.id.in_(wanted)
    if model is FIRST_RANKED:
        return FinancingRequest.id.in_(IDS)
    return model.id.in_(IDS)


@functools.cache
def _queries_by_keys(model) -> list[tuple[sa.Select, Callable]]:
    condition = by_keys(model)
    return [(_where(statement, condition), read) for statement, read in _queries(model)]


def _where(statement, condition):
    """A source query restricted to some rows (None: every row)."""
    if callable(statement):
        return statement(condition)
    if condition is None:
        return statement
    if isinstance(statement, sa.CompoundSelect):
        return sa.union_all(*(part.where(condition) for part in statement.selects))
    return statement.where(condition)


def contributions(
    session: Session, model, where, into: Deltas, sign: int = 1, keys: dict | None = None
) -> None:
    """Add (sign +1) or take away (−1) the facts of `model`'s rows matching `where` (None and
    no `keys`: every row; `keys`: {"ids": …, "applications": …}, the rows touched by key) into
    `into`: one grouped query per measure, one for the firm-months."""
    if keys is not None:
        params = {
            "ids": list(keys.get("ids", ())),
            "applications": list(keys.get("applications", ())),
        }
        if model is not FUNNEL:
            params.pop("applications")
        if where is None:
            for statement, read in _queries_by_keys(model):
                read(session.execute(statement, params), into, sign)
            return
        where = sa.or_(by_keys(model), where)
    else:
        params = {}
    for statement, read in _queries(model):
        read(session.execute(_where(statement, where), params), into, sign)


def bulk_write(session: Session, model, sign: int, where=None, ids=None) -> None:
    """Add (+1) or take away (−1) the facts of `model`'s rows matching `where` or with the given
    ids, in the caller's transaction: for writes made with bulk SQL, which the flush hooks do not
    see (take away before the statement what it deletes, add after it what it wrote)."""
    deltas: Deltas = {}
    keys = None if ids is None else {"ids": ids}
    contributions(session, model, where, deltas, sign, keys)
    write_deltas(deltas, session.connection())


def rebuild(session: Session | None = None) -> int:
    """Recompute every fact from the base tables (`flask report rebuild`); the number of facts.
    The firm-months go in with one INSERT … SELECT over all their sources (the same queries
    the hooks run); the month facts are summed here and inserted."""
    session = session or db.session
    connection = session.connection()
    deltas: Deltas = {FACTS: {}}
    for model in KEPT:
        for statement, read in _queries(model):
            if read is not _read_firm_months:
                read(session.execute(_where(statement, None)), deltas, 1)
    for table in KEYS:
        connection.execute(sa.delete(table))
    names = KEYS[FACTS]
    values = [
        {**dict(zip(names, key, strict=True)), "count": count, "amount": amount, "rows": rows}
        for key, (count, amount, rows) in deltas[FACTS].items()
    ]
    if values:
        connection.execute(sa.insert(FACTS), values)
    parts = [source for sources in FIRM_MONTH_SOURCES.values() for source in sources]
    rows = sa.union_all(*parts).subquery()
    keys = [rows.c[name] for name in KEYS[FIRM_MONTHS]]
    sums = [sa.func.sum(rows.c[name]) for name in ("count", "amount", "rows")]
    connection.execute(
        sa.insert(FIRM_MONTHS).from_select(
            [*KEYS[FIRM_MONTHS], "count", "amount", "rows"],
            sa.select(*keys, *sums).group_by(*keys),
        )
    )
    if connection.dialect.name == "postgresql":  # the planner's statistics of the new rows
        connection.execute(sa.text(f"ANALYZE {FACTS.name}, {FIRM_MONTHS.name}"))
    return len(values) + connection.scalar(sa.select(sa.func.count()).select_from(FIRM_MONTHS))


def all_facts() -> list[tuple]:
    """Every fact and firm-month, sorted: what `rebuild` must reproduce."""
    return [
        tuple(row)
        for table, names in KEYS.items()
        for row in db.session.execute(sa.select(table).order_by(*(table.c[name] for name in names)))
    ]


# ------------------------------------------------------------------------- the flush hooks
