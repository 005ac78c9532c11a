"""Bulk-loading a generated world into the database, and a digest of what is stored.

Rows go in table by table in foreign-key order, inside the caller's transaction (the CLI
commits once): PostgreSQL through COPY, other databases through executemany in batches. The
loader refuses a database that already holds data beyond the reference lists unless asked to
replace it, and then empties those tables first. The world's rows carry no attribute history;
it starts from them (`finplatform.history.backfill`) in the same transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from finplatform.history.backfill import backfill
from finplatform.models import Base
from finplatform.models.sql import is_postgresql
from finplatform.reports import facts

if TYPE_CHECKING:
    from seeds.world import World

REFERENCE_TABLES = ("districts", "industries", "product_kinds", "institution_kinds", "targets")
BATCH_SIZE = 10_000

Progress = Callable[[str, int], None]


class WorldLoadError(Exception):
    """The world cannot be loaded into this database as things stand."""


def data_tables() -> list[sa.Table]:
    """Every table except the reference lists, parents before children."""
    return [t for t in Base.metadata.sorted_tables if t.name not in REFERENCE_TABLES]


def tables_with_data(connection: Connection) -> list[str]:
    """Names of the non-reference tables that hold at least one row."""
    return [
        table.name
        for table in data_tables()
        if connection.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first()
    ]


def empty_data_tables(connection: Connection) -> None:
    """Delete every row of the non-reference tables (reference lists stay)."""
    tables = data_tables()
    if is_postgresql(connection):
        names = ", ".join(connection.dialect.identifier_preparer.quote(t.name) for t in tables)
        connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        return
    if not is_postgresql(connection):
        # Users and enterprises point at each other; check the keys at commit instead.
        connection.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
    for table in reversed(tables):
        connection.execute(table.delete())


def load_world(
    connection: Connection,
    world: World,
    *,
    replace: bool = False,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Insert every row of `world` in the connection's transaction; returns rows per table."""
    occupied = tables_with_data(connection)
    if occupied and not replace:
        raise WorldLoadError(
            "the database already holds data (" + ", ".join(occupied[:5]) + "); "
            "load with --replace to empty those tables first"
        )
    if occupied:
        empty_data_tables(connection)
    tables = Base.metadata.tables
    if not is_postgresql(connection):
        for batch in world.batches:
            _insert(connection, tables[batch.table], batch.columns, batch.rows, progress)
        backfill(connection)
        _facts(connection)
        return world.counts()
    foreign_keys = _drop_foreign_keys(connection)
    indexes = _drop_secondary_indexes(connection)
    for batch in world.batches:
        _copy(connection, tables[batch.table], batch.columns, batch.rows, progress)
    for definition in indexes:
        connection.exec_driver_sql(definition)
    _restore_foreign_keys(connection, foreign_keys)
    _reset_sequences(connection)
    backfill(connection)
    _facts(connection)
    return world.counts()


def _facts(connection: Connection) -> None:
    """The report facts of the loaded rows (the bulk load bypasses the ORM's hooks)."""
    facts.rebuild(Session(bind=connection))


def _insert(connection, table, columns, rows, progress) -> None:
    statement = table.insert()
    for start in range(0, len(rows), BATCH_SIZE):
        chunk = rows[start : start + BATCH_SIZE]
        connection.execute(statement, [dict(zip(columns, row, strict=True)) for row in chunk])
        if progress:
            progress(table.name, len(chunk))


def _copy(connection, table, columns, rows, progress) -> None:
    driver = connection.connection.driver_connection
    quote = connection.dialect.identifier_preparer.quote
    command = f"COPY {quote(table.name)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    with driver.cursor() as cursor, cursor.copy(command) as copy:
        for start in range(0, len(rows), BATCH_SIZE):
            chunk = rows[start : start + BATCH_SIZE]
            for row in chunk:
                copy.write_row(row)
            if progress:
                progress(table.name, len(chunk))


def _drop_foreign_keys(connection: Connection) -> list[tuple[str, str, str]]:
    """Drop the data tables' foreign keys (as the database defines them) for the bulk load.

    Checked row by row, a foreign key costs a trigger and a lock on the parent row per inserted
    row, which makes up most of a large COPY; added back afterwards, each key is validated once
    over the whole table (`_restore_foreign_keys`), so the data is checked all the same.
    """
    names = [table.name for table in data_tables()]
    found = connection.execute(
        sa.text(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)"
            " FROM pg_constraint WHERE contype = 'f'"
            " AND conrelid::regclass::text = ANY(:tables) ORDER BY 1, 2"
        ),
        {"tables": names},
    ).all()
    quote = connection.dialect.identifier_preparer.quote
    for table, name, _definition in found:
        connection.exec_driver_sql(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
    return [tuple(row) for row in found]


def _drop_secondary_indexes(connection: Connection) -> list[str]:
    """Drop the data tables' indexes that back no constraint; returns their definitions.

    Building an index once over a loaded table is much cheaper than updating it row by row;
    a unique index, rebuilt, still refuses duplicates.
    """
    found = connection.execute(
        sa.text(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)"
            " FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid"
            " WHERE t.relname = ANY(:tables) AND NOT i.indisprimary"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"
            " ORDER BY 1"
        ),
        {"tables": [table.name for table in data_tables()]},
    ).all()
    for name, _definition in found:
        connection.exec_driver_sql(f"DROP INDEX {name}")
    return [definition for _name, definition in found]


def _restore_foreign_keys(connection: Connection, foreign_keys) -> None:
    """Add the dropped foreign keys back; each validates every loaded row at once."""
    quote = connection.dialect.identifier_preparer.quote
    for table, name, definition in foreign_keys:
        connection.exec_driver_sql(
            f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}"
        )


def _reset_sequences(connection: Connection) -> None:
    """After rows with explicit ids, the next id each sequence hands out is max(id) + 1."""
    for table in data_tables():
        if "id" not in table.c or not table.c.id.primary_key:
            continue
        connection.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
            )
        )


def database_digest(connection: Connection) -> str:
    """A sha256 over every non-reference row, table by table in primary-key order."""
    digest = hashlib.sha256()
    for table in data_tables():
        digest.update(table.name.encode())
        query = sa.select(table).order_by(*table.primary_key.columns)
        for row in connection.execute(query):
            digest.update("\x1f".join(str(value) for value in row).encode())
            digest.update(b"\x1e")
    return digest.hexdigest()
