"""Report facts (报表事实): each month's figures kept as they stand, written with the rows they
count, so a report reads small tables instead of a year of source rows.

What is kept. `report_facts`: for requests, matches, applications, approvals, rejections and
disbursements, the count, amount and number of rows of each month in total and by each
breakdown (measures.py says what each counts); each money target's amount per month
(metrics.py); the funnel's steps per month of posting (activity.py), its matched step per month
of first ranking; the applications' response times by exact duration (responses.py); the firms
counted once and the specialists' work (firsts.py, derived from the firm-months, which a flush
counts in Python for that). `report_firm_months`: one row per firm, month and kind of activity,
what the distinct-firm counts read (activity.py says what each kind counts), matches included.

How they stay right. A fact is the same query as the figure, restricted to the rows a write
touched (`contributions`); an ORM flush takes away the contributions of what it changes and adds
back the new ones (fact_hooks.py); the two bulk statements of ranking, re-ranking's delete of
a request's matches and the match API's stamp of a first ranking time, call `bulk_write` in
their transaction (what they touch is known there: the request ids, the stamped rows
returned by the UPDATE). Both write with INSERT … ON CONFLICT DO UPDATE
SET count = count + …, so two writers to one month wait for each other's row lock on
PostgreSQL and neither loses an update; on PostgreSQL a flush counts and writes in one
statement (fact_writes.py). `rebuild` (`flask report rebuild`) recomputes every fact from the
base tables with the same queries (fact_sources.py) and must give the same rows
(tests/reports/test_facts_random.py checks that over random sequences of writes).

Why hooks, not triggers: the definitions (a firm's district at the time, an institution's
standing at the time, a month in Beijing time) are SQLAlchemy expressions written once in
measures.py, metrics.py and activity.py; the hook reuses them for one row and the rebuild for
all, on SQLite and PostgreSQL alike, where triggers would restate every definition twice.
"""

from __future__ import annotations

import functools

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from finplatform.extensions import db
from finplatform.models import Application, FinancingRequest
from finplatform.reports import firsts
from finplatform.reports.fact_rebuild import rebuild_in_sql
from finplatform.reports.fact_sources import (
    FIRST_RANKED,
    FUNNEL,
    KEPT,
    queries,
    read_firm_months,
)
from finplatform.reports.fact_writes import (
    FACTS,
    FIRM_MONTHS,
    KEYS,
    Deltas,
    Source,
    source_rows,
    summed_rows,
    write_deltas,
)

__all__ = ["FIRST_RANKED", "FUNNEL", "KEPT", "all_facts", "bulk_write", "rebuild"]


def in_keys(column, key: str, tag: str | None, negate: bool = False) -> sa.ColumnElement[bool]:
    """`column` in (or not in) the parameter `key` (a list of ids): an expanding IN, or with a
    `tag`, one array parameter `{tag}{key}` (the same SQL whatever the number of ids)."""
    if tag is None:
        found = sa.bindparam(key, expanding=True)
        return column.not_in(found) if negate else column.in_(found)
    kind = postgresql.ARRAY(sa.Integer)
    array = sa.cast(sa.bindparam(f"{tag}{key}", type_=kind), kind)
    return column != sa.all_(array) if negate else column == sa.any_(array)


def by_keys(model, tag: str | None = None) -> sa.ColumnElement[bool]:
    """The rows of `model` a flush touched, by key (the parameters `ids`, `applications`;
    with a `tag`, arrays named after it)."""
    if model is FUNNEL:  # one IN over a UNION, so that both halves use their index
        requests = sa.orm.aliased(FinancingRequest)
        wanted = sa.union_all(
            sa.select(requests.id).where(in_keys(requests.id, "ids", tag)),
            sa.select(Application.request_id).where(in_keys(Application.id, "applications", tag)),
        )
        return FinancingRequest.id.in_(wanted)
    if model is FIRST_RANKED:
        return in_keys(FinancingRequest.id, "ids", tag)
    return in_keys(model.id, "ids", tag)


def tag_of(model) -> str:
    """The prefix of a model's parameters in a statement counting several models."""
    return f"{model if isinstance(model, str) else model.__tablename__}_"


@functools.cache
def _queries_by_keys(model, tag: str | None = None) -> list[Source]:
    condition = by_keys(model, tag)
    return [Source(_where(source.statement, condition), *source[1:]) for source in queries(model)]


def keyed_sources(model, keys: dict, where=None) -> tuple[list[Source], dict]:
    """`model`'s queries restricted to the rows touched (`keys`: {"ids": …, "applications":
    …}, or matching `where`), with their parameters, to run in one statement (PostgreSQL)."""
    tag = tag_of(model)
    params = {f"{tag}{key}": list(keys.get(key, ())) for key in ("ids", "applications")}
    if model is not FUNNEL:
        params.pop(f"{tag}applications")
    if where is None:
        return _queries_by_keys(model, tag), params
    condition = sa.or_(by_keys(model, tag), where)
    return [
        Source(_where(source.statement, condition), *source[1:]) for source in queries(model)
    ], params


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
            for statement, read, _ in _queries_by_keys(model):
                read(session.execute(statement, params), into, sign)
            return
        where = sa.or_(by_keys(model), where)
    else:
        params = {}
    for statement, read, _ in queries(model):
        read(session.execute(_where(statement, where), params), into, sign)


def bulk_write(session: Session, model, sign: int, where=None, ids=None) -> None:
    """Add (+1) or take away (−1) the facts of `model`'s rows matching `where` or with the given
    ids, in the caller's transaction: for writes made with bulk SQL, which the flush hooks do not
    see (take away before the statement what it deletes, add after it what it wrote)."""
    deltas: Deltas = {}
    keys = None if ids is None else {"ids": ids}
    contributions(session, model, where, deltas, sign, keys)
    firsts.add_firm_deltas(deltas, session.connection())
    write_deltas(deltas, session.connection())


def rebuild(session: Session | None = None) -> int:
    """Recompute every fact from the base tables (`flask report rebuild`); the number of facts.
    The same queries the hooks run, over every row: on PostgreSQL one INSERT … SELECT per
    table (each query a CTE read once, its rows turned into facts and summed in SQL); on
    SQLite the month facts are summed here, the firm-months inserted by one INSERT … SELECT."""
    session = session or db.session
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        count = rebuild_in_sql(connection, _every_source())
        return count + _rebuild_firsts(connection)
    deltas: Deltas = {FACTS: {}}
    for model in KEPT:
        for statement, read, _ in queries(model):
            if read is not read_firm_months:
                read(session.execute(_where(statement, None)), deltas, 1)
    for table in KEYS:
        connection.execute(sa.delete(table))
    values = [
        {**dict(zip(KEYS[FACTS], key, strict=True)), "count": count, "amount": amount, "rows": rows}
        for key, (count, amount, rows) in deltas[FACTS].items()
    ]
    if values:
        connection.execute(sa.insert(FACTS), values)
    parts = source_rows([s for s in _every_source() if s.read is read_firm_months])
    connection.execute(
        sa.insert(FIRM_MONTHS).from_select(
            [*KEYS[FIRM_MONTHS], "count", "amount", "rows"],
            summed_rows(FIRM_MONTHS, parts[FIRM_MONTHS], ordered=False),
        )
    )
    count = connection.scalar(sa.select(sa.func.count()).select_from(FIRM_MONTHS))
    return len(values) + count + _rebuild_firsts(connection)


def _rebuild_firsts(connection) -> int:
    """The firms counted once, from the firm-months just rebuilt (firsts.py)."""
    derived = firsts.rebuild_values(connection)
    if derived:
        connection.execute(sa.insert(FACTS), derived)
    return len(derived)


def _every_source() -> list[Source]:
    """Every fact query over every row."""
    return [
        source._replace(statement=_where(source.statement, None))
        for model in KEPT
        for source in queries(model)
    ]


def all_facts() -> list[tuple]:
    """Every fact and firm-month, sorted: what `rebuild` must reproduce."""
    return [
        tuple(row)
        for table, names in KEYS.items()
        for row in db.session.execute(sa.select(table).order_by(*(table.c[name] for name in names)))
    ]


# ------------------------------------------------------------------------- the flush hooks
