"""Writing report facts: the deltas a flush or a bulk statement computed (facts.py) go into
`report_facts` and `report_firm_months` as increments, so two writers to one month wait for each
other's row lock on PostgreSQL and neither loses an update; rows a change empties are dropped.

On PostgreSQL a flush's facts are one statement: the queries counting what it touched
(`Source`s, restricted by key) run as CTEs inside the INSERT … ON CONFLICT DO UPDATE of both
tables, with the deltas already known (what the flush took away before it ran) passed as
arrays; it returns the months of rows it emptied, deleted only then. SQLite runs the queries
and writes their sums from Python.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Sequence
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from finplatform.models import ReportFact
from finplatform.models.base import Money
from finplatform.reports.activity import FIRM_MONTHS

FACTS = ReportFact.__table__
KEYS = {
    FACTS: ("measure", "dimension", "month", "key"),
    FIRM_MONTHS: tuple(FIRM_MONTHS.primary_key.columns.keys()),
}
Key = tuple  # (measure, dimension, month, key) or (kind, month, enterprise_id, specialist_id)
Deltas = dict[sa.Table, dict[Key, list]]
# One row shape a source's rows give: the table, its key, count, amount and rows columns
# (expressions over the source's columns, in order), and the condition for a row to count.
RowShape = tuple[sa.Table, list, object]
NO_AMOUNT = sa.cast(sa.null(), Money)
PARAMETER = re.compile(r"%\((\w+)\)s")
_CREATED: dict[tuple[str, str], bool] = {}  # the write functions this process made


class Source(NamedTuple):
    """A grouped query giving facts, read in Python (`read(rows, into, sign)`) or turned into
    fact rows in SQL (`as_rows(columns)`: the RowShapes of one row of its columns)."""

    statement: object
    read: Callable
    as_rows: Callable[[list], list[RowShape]]


def name(value: str) -> sa.ColumnElement:
    """A constant of the facts' keys (a measure, a dimension …) written into the SQL."""
    assert "'" not in value
    return sa.literal_column(f"'{value}'", sa.String)


def columns_of(table: sa.Table) -> list[str]:
    return [*KEYS[table], "count", "amount", "rows"]


def summed_rows(table: sa.Table, parts: Sequence[sa.Select], ordered: bool = True) -> sa.Select:
    """The rows of some fact-row SELECTs summed by key, the rows that change nothing left out,
    in key order (`ordered`: the order concurrent writers lock them in)."""
    rows = (sa.union_all(*parts) if len(parts) > 1 else parts[0]).subquery("fact_rows")
    columns = list(rows.c)
    width = len(KEYS[table])
    keys = columns[:width]
    count, amount, counted = (sa.func.sum(column) for column in columns[width:])
    changes = sa.or_(count != 0, counted != 0, sa.func.coalesce(amount, 0) != 0)
    summed = sa.select(*keys, count, amount, counted).group_by(*keys).having(changes)
    return summed.order_by(*keys) if ordered else summed


def source_rows(sources: Sequence[Source]) -> dict[sa.Table, list[sa.Select]]:
    """Per table, the fact-row SELECTs of some sources, each source a CTE read once."""
    parts: dict[sa.Table, list[sa.Select]] = {FACTS: [], FIRM_MONTHS: []}
    for index, source in enumerate(sources):
        found = source.statement.cte(f"source{index}")
        for table, columns, condition in source.as_rows(list(found.c)):
            labelled = zip(columns, columns_of(table), strict=True)
            select = sa.select(*(column.label(label) for column, label in labelled))
            select = select.select_from(found)
            parts[table].append(select if condition is None else select.where(condition))
    return parts


def _given(table: sa.Table) -> sa.Select:
    """Deltas computed in Python, passed as one array per column."""
    kinds = {column: postgresql.ARRAY(table.c[column].type) for column in columns_of(table)}
    arrays = [
        sa.cast(sa.bindparam(f"{table.name}_{column}", type_=kind), kind)
        for column, kind in kinds.items()
    ]
    unnested = sa.func.unnest(*arrays).table_valued(*columns_of(table)).render_derived()
    return sa.select(*unnested.c)


def _adding(table: sa.Table, statement):
    """An INSERT adding each row's count, amount and rows to the row of its key, if any."""
    excluded = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=list(KEYS[table]),
        set_={
            "count": table.c.count + excluded.count,
            "amount": sa.case(
                (table.c.amount.is_(None), excluded.amount),
                else_=table.c.amount + sa.func.coalesce(excluded.amount, 0),
            ),
            "rows": table.c.rows + excluded.rows,
        },
    )


def _upsert(table: sa.Table, rows: sa.Select):
    statement = postgresql.insert(table).from_select(columns_of(table), rows)
    return _adding(table, statement).returning(table.c.month, table.c.rows)


@functools.cache
def _write_statement(sources: tuple[Source, ...], given: frozenset) -> tuple[str, dict]:
    """The one statement adding `sources`' rows and the given deltas to both tables, compiled
    once per shape (its SQL, and the values of its constants)."""
    parts = source_rows(sources)
    emptied = []
    for table in KEYS:
        if table in given:
            parts[table].append(_given(table))
        if parts[table]:
            written = _upsert(table, summed_rows(table, parts[table])).cte(f"{table.name}_written")
            emptied.append(
                sa.select(name(table.name).label("tab"), written.c.month).where(written.c.rows <= 0)
            )
    statement = sa.union_all(*emptied) if len(emptied) > 1 else emptied[0]
    compiled = statement.compile(dialect=postgresql.psycopg.dialect())
    return str(compiled), dict(compiled.params), _as_function(compiled)


def _as_function(compiled) -> tuple[str, str]:
    """The statement as a PL/pgSQL function, so that each session plans it once (a generic
    plan, kept across rollbacks) instead of at every flush: its CREATE and its call."""
    sql = str(compiled)
    order = list(dict.fromkeys(PARAMETER.findall(sql)))
    types = [_type_of(compiled, key) for key in order]
    body = PARAMETER.sub(lambda found: f"${order.index(found[1]) + 1}", sql).replace("%%", "%")
    digest = hashlib.md5(f"{types}{body}".encode()).hexdigest()[:20]
    function = f"report_write_{digest}"
    create = (
        f"CREATE OR REPLACE FUNCTION {function}({', '.join(types)}) "
        "RETURNS TABLE (o_tab text, o_month date) LANGUAGE plpgsql "
        f"SET plan_cache_mode = force_generic_plan AS $f$ BEGIN RETURN QUERY {body}; END $f$"
    )
    casts = ", ".join(f"CAST(%({key})s AS {kind})" for key, kind in zip(order, types, strict=True))
    return create, f"SELECT * FROM {function}({casts})"


def _type_of(compiled, key: str) -> str:
    """A parameter's SQL type (a constant without one: what PostgreSQL infers from its value)."""
    kind = compiled.binds[key].type
    if isinstance(kind, sa.types.NullType):
        kind = {int: sa.Integer(), str: sa.Text()}[type(compiled.params[key])]
    return compiled.dialect.type_compiler_instance.process(kind)


def _call(connection, function: tuple[str, str]) -> str | None:
    """The call of a write function, created first if this process has not yet (on a
    connection of its own, committed at once, so that a rollback does not take it away);
    None where it cannot be created (a role without CREATE on the schema)."""
    create, call = function
    key = (str(connection.engine.url), call)
    if key not in _CREATED:
        with connection.engine.connect() as other:
            other = other.execution_options(isolation_level="AUTOCOMMIT")
            try:
                other.exec_driver_sql(create)
            except sa.exc.DBAPIError:  # or another process created it at the same time
                name = call.removeprefix("SELECT * FROM ").split("(")[0]
                created = other.exec_driver_sql(f"SELECT to_regproc('{name}')").scalar()
                _CREATED[key] = created is not None
            else:
                _CREATED[key] = True
    return call if _CREATED[key] else None


def _rows(deltas: Deltas) -> dict[sa.Table, list[tuple]]:
    return {
        table: [
            (*key, count, amount, rows)
            for key, (count, amount, rows) in sorted(changes.items(), key=lambda item: str(item[0]))
            if count or rows or amount
        ]
        for table, changes in deltas.items()
    }


def write(
    connection, deltas: Deltas, sources: Sequence[Source] = (), params=None, cached=True
) -> None:
    """PostgreSQL: add the deltas and what the sources count (their `params`: the rows
    touched) to the facts in one statement (see the module docstring; `cached`: the sources
    are built once, so is the statement)."""
    found = {table: rows for table, rows in _rows(deltas).items() if rows}
    if not found and not sources:
        return
    compile_write = _write_statement if cached else _write_statement.__wrapped__
    sql, values, function = compile_write(tuple(sources), frozenset(found))
    if cached:
        sql = _call(connection, function) or sql
    values = {**values, **(params or {})}
    for table, rows in found.items():
        columns = list(zip(*rows, strict=True))
        values.update(
            {f"{table.name}_{n}": list(v) for n, v in zip(columns_of(table), columns, strict=True)}
        )
    emptied = connection.exec_driver_sql(sql, values).all()
    _drop_emptied(connection, {(tab, month) for tab, month in emptied})


def _drop_emptied(connection, emptied: set) -> None:
    for table in KEYS:
        months = sorted(month for tab, month in emptied if tab == table.name)
        if months:  # only a change or deletion takes rows away
            connection.execute(sa.delete(table).where(table.c.rows <= 0, table.c.month.in_(months)))


@functools.cache
def _increment(table: sa.Table):
    """SQLite: INSERT … ON CONFLICT DO UPDATE adding a row's count, amount and rows."""
    return _adding(table, sqlite.insert(table))


def write_deltas(deltas: Deltas, connection) -> None:
    """Add deltas computed in Python (INSERT … ON CONFLICT DO UPDATE with increments, rows in
    key order so that concurrent writers lock them in the same order), then drop emptied
    rows."""
    found = _rows(deltas)
    if connection.dialect.name == "postgresql":
        write(connection, deltas)
        return
    for table, rows in found.items():
        if rows:
            values = [dict(zip(columns_of(table), row, strict=True)) for row in rows]
            connection.execute(_increment(table), values)
    emptied = {
        (table.name, row[KEYS[table].index("month")])
        for table, rows in found.items()
        for row in rows
        if row[-1] < 0
    }
    _drop_emptied(connection, emptied)
