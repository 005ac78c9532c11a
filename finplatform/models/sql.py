"""The few places where SQLite and PostgreSQL need different SQL, each behind one name.

Callers write portable expressions and never ask which database they talk to; the
difference is decided once, when SQLAlchemy compiles the statement for its dialect.
"""

from __future__ import annotations

import sqlalchemy as sa
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


def is_postgresql(connection: sa.Connection) -> bool:
    """Whether bulk paths may use PostgreSQL's own statements (COPY, TRUNCATE …)."""
    return connection.dialect.name == "postgresql"
