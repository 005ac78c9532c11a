"""Writing report facts: the deltas a flush or a bulk statement computed (facts.py) go into
`report_facts` and `report_firm_months` as increments, so two writers to one month wait for each
other's row lock on PostgreSQL and neither loses an update; rows a change empties are dropped."""

from __future__ import annotations

import functools

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite

from finplatform.models import ReportFact
from finplatform.reports.activity import FIRM_MONTHS

FACTS = ReportFact.__table__
KEYS = {
    FACTS: ("measure", "dimension", "month", "key"),
    FIRM_MONTHS: tuple(FIRM_MONTHS.primary_key.columns.keys()),
}
Key = tuple  # (measure, dimension, month, key) or (kind, month, enterprise_id, specialist_id)
Deltas = dict[sa.Table, dict[Key, list]]


@functools.cache
def _increment(table: sa.Table):
    """SQLite: INSERT … ON CONFLICT DO UPDATE adding a row's count, amount and rows."""
    statement = sqlite.insert(table)
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


@functools.cache
def _increment_all(dialect) -> sa.TextClause:
    """PostgreSQL: one statement adding the deltas of both tables, each given as arrays (one
    round trip, and the same SQL whatever the number of rows, so it is prepared once)."""
    parts = []
    for table, names in KEYS.items():
        columns = [*names, "count", "amount", "rows"]
        arrays = ", ".join(
            f"CAST(:{table.name}_{name} AS {table.c[name].type.compile(dialect)}[])"
            for name in columns
        )
        parts.append(
            f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT * FROM unnest({arrays}) "
            f"ON CONFLICT ({', '.join(names)}) DO UPDATE SET count = {table.name}.count + "
            f"excluded.count, amount = CASE WHEN {table.name}.amount IS NULL THEN excluded.amount "
            f"ELSE {table.name}.amount + coalesce(excluded.amount, 0) END, "
            f"rows = {table.name}.rows + excluded.rows"
        )
    return sa.text(f"WITH written AS ({parts[0]}) {parts[1]}")


def write_deltas(deltas: Deltas, connection) -> None:
    """Add the deltas (INSERT … ON CONFLICT DO UPDATE with increments, rows in key order so that
    concurrent writers lock them in the same order), then drop emptied rows."""
    found = {
        table: [
            (*key, count, amount, rows)
            for key, (count, amount, rows) in sorted(changes.items(), key=lambda item: str(item[0]))
            if count or rows or amount
        ]
        for table, changes in deltas.items()
    }
    if not any(found.values()):
        return
    if connection.dialect.name == "postgresql":
        params = {}
        for table, names in KEYS.items():
            columns = [*names, "count", "amount", "rows"]
            values = list(zip(*found.get(table, []), strict=True)) or [()] * len(columns)
            params.update(
                {f"{table.name}_{n}": list(v) for n, v in zip(columns, values, strict=True)}
            )
        connection.execute(_increment_all(connection.dialect), params)
    else:
        for table, rows in found.items():
            if rows:
                columns = [*KEYS[table], "count", "amount", "rows"]
                values = [dict(zip(columns, row, strict=True)) for row in rows]
                connection.execute(_increment(table), values)
    for table, rows in found.items():
        emptied = sorted({row[KEYS[table].index("month")] for row in rows if row[-1] < 0})
        if emptied:  # only a change or deletion takes rows away
            connection.execute(
                sa.delete(table).where(table.c.rows <= 0, table.c.month.in_(emptied))
            )
