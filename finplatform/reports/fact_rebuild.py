"""`flask report rebuild` on PostgreSQL: every fact recomputed from the base tables in one
INSERT … SELECT per table. The tables' primary keys and indexes are dropped while they fill
and built again after (one sort each, instead of a million and a half scattered index
insertions), and the session's memory for sorting and hashing is raised for the transaction so
that grouping millions of rows stays in memory."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from finplatform.reports.fact_writes import KEYS, Source, columns_of, source_rows, summed_rows

MEMORY = {"work_mem": "256MB", "maintenance_work_mem": "256MB"}


def rebuild_in_sql(connection, sources: Sequence[Source]) -> int:
    """Empty both tables and insert what `sources` (every fact query, over every row) count;
    the number of rows written."""
    before = {name: connection.scalar(sa.text(f"SHOW {name}")) for name in MEMORY}
    _set(connection, MEMORY)
    connection.execute(sa.text(f"TRUNCATE {', '.join(table.name for table in KEYS)}"))
    parts = source_rows(sources)
    for table in KEYS:
        connection.execute(sa.schema.DropConstraint(table.primary_key))
        for index in table.indexes:
            index.drop(connection)
        rows = summed_rows(table, parts[table], ordered=False)
        connection.execute(sa.insert(table).from_select(columns_of(table), rows))
        connection.execute(sa.schema.AddConstraint(table.primary_key))
        for index in table.indexes:
            index.create(connection)
    _set(connection, before)
    # The planner's statistics of the new rows.
    connection.execute(sa.text(f"ANALYZE {', '.join(table.name for table in KEYS)}"))
    return sum(connection.scalar(sa.select(sa.func.count()).select_from(table)) for table in KEYS)


def _set(connection, values: dict) -> None:
    """Set some settings until the end of the transaction."""
    for name, value in values.items():
        connection.execute(
            sa.text("SELECT set_config(:name, :value, true)"), {"name": name, "value": value}
        )
