"""The few places where SQLite and PostgreSQL need different SQL, each behind one name.

Callers write portable expressions and never ask which database they talk to; the
difference is decided once, when SQLAlchemy compiles the statement for its dialect.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class years_before(FunctionElement):
    """`day` moved back by `years` whole calendar years, as a date (29 February → 28th/1st
    as each database does it: PostgreSQL gives 28 February, SQLite 1 March)."""

    type = sa.Date()
    inherit_cache = True
    name = "years_before"


@compiles(years_before)
def _years_before_sqlite(element, compiler, **kw):
    day, years = list(element.clauses)
    day_sql, years_sql = compiler.process(day, **kw), compiler.process(years, **kw)
    return f"date({day_sql}, '-' || CAST({years_sql} AS TEXT) || ' years')"


@compiles(years_before, "postgresql")
def _years_before_postgresql(element, compiler, **kw):
    day, years = list(element.clauses)
    day_sql, years_sql = compiler.process(day, **kw), compiler.process(years, **kw)
    return f"CAST(CAST({day_sql} AS DATE) - make_interval(years => {years_sql}) AS DATE)"


class days_between(FunctionElement):
    """Days (with the fraction of a day) from the instant `earlier` to the instant `later`."""

    type = sa.Float()
    inherit_cache = True
    name = "days_between"


@compiles(days_between)
def _days_between_sqlite(element, compiler, **kw):
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"(julianday({later}) - julianday({earlier}))"


@compiles(days_between, "postgresql")
def _days_between_postgresql(element, compiler, **kw):
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"(EXTRACT(EPOCH FROM ({later}) - ({earlier})) / 86400.0)"


class local_month(sa.sql.functions.GenericFunction):
    """The first day of a row's month in Beijing time, from a UTC timestamp (or a date)."""

    type = sa.Date()
    inherit_cache = True


def _month_argument(element, compiler, **kw) -> tuple[str, bool]:
    """local_month's argument compiled, and whether it is a date (no time, no time zone)."""
    (column,) = element.clauses
    date_only = isinstance(column.type, sa.Date) and not isinstance(column.type, sa.DateTime)
    return compiler.process(column, **kw), date_only


@compiles(local_month)
def _local_month_sqlite(element, compiler, **kw):
    text, date_only = _month_argument(element, compiler, **kw)
    if date_only:
        return f"date({text}, 'start of month')"
    return f"date({text}, '+8 hours', 'start of month')"


@compiles(local_month, "postgresql")
def _local_month_postgresql(element, compiler, **kw):
    text, date_only = _month_argument(element, compiler, **kw)
    if date_only:
        return f"CAST(date_trunc('month', {text}) AS DATE)"
    return f"CAST(date_trunc('month', {text} AT TIME ZONE 'Asia/Shanghai') AS DATE)"


def upsert(connection: sa.Connection, table: sa.Table):
    """An INSERT on `table` that can take `.on_conflict_do_update(…)` on either database."""
    dialect = postgresql if is_postgresql(connection) else sqlite
    return dialect.insert(table)


def is_postgresql(connection: sa.Connection) -> bool:
    """Whether bulk paths may use PostgreSQL's own statements (COPY, TRUNCATE …)."""
    return connection.dialect.name == "postgresql"
