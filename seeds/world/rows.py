"""The world as table rows: the row batches, and the conversions from drawn arrays to values.

Money becomes Decimal, minutes after `facts.ANCHOR` aware UTC datetimes or Beijing dates, and
array rows consecutive primary keys. `RowContext` carries what every table's rows need.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

import numpy as np

from seeds.world import facts
from seeds.world.facts import ANCHOR64, MINUTES_PER_DAY, NEVER, WorldSize

DAY = MINUTES_PER_DAY


@dataclass
class TableRows:
    """Rows for one table, as tuples in `columns` order."""

    table: str
    columns: tuple[str, ...]
    rows: list[tuple]


@dataclass
class World:
    """A generated world: row batches in load order, and the draws they came from."""

    size: WorldSize
    seed: int
    batches: list[TableRows]
    draws: dict = field(default_factory=dict, repr=False)

    def counts(self) -> dict[str, int]:
        """Rows per table."""
        counts: dict[str, int] = {}
        for batch in self.batches:
            counts[batch.table] = counts.get(batch.table, 0) + len(batch.rows)
        return counts

    def digest(self) -> str:
        """A sha256 over every row, to compare two generations without a database."""
        digest = hashlib.sha256()
        for batch in self.batches:
            digest.update(repr((batch.table, batch.columns)).encode())
            for row in batch.rows:
                digest.update(repr(row).encode())
        return digest.hexdigest()


@dataclass
class RowContext:
    """What turning drawn arrays into rows needs: the Generator (rows draw names, times and
    notes, in a fixed order), the size, reference codes by index, and the shared password hash."""

    rng: np.random.Generator
    size: WorldSize
    district_codes: list[str]
    division_codes: list[str]
    start_day: int
    password_hash: str


_ANCHOR_SECONDS = int(facts.ANCHOR.timestamp())


def datetimes(minutes: np.ndarray) -> list[datetime | None]:
    """Aware UTC datetimes of world minutes; None for `facts.NEVER`."""
    minutes = np.asarray(minutes, dtype=np.int64)
    valid = minutes < NEVER
    seconds = (np.where(valid, minutes, 0) * 60 + _ANCHOR_SECONDS).tolist()
    if valid.all():
        return [datetime.fromtimestamp(second, UTC) for second in seconds]
    return [
        datetime.fromtimestamp(second, UTC) if ok else None
        for second, ok in zip(seconds, valid.tolist(), strict=True)
    ]


def local_dates(minutes: np.ndarray) -> list:
    """The Beijing calendar dates of world minutes."""
    days = (np.asarray(minutes) + facts.LOCAL_OFFSET_MINUTES) // DAY
    return (ANCHOR64.astype("datetime64[D]") + days).tolist()


def yuan(values: np.ndarray) -> list[Decimal | None]:
    """Whole yuan amounts as Decimal."""
    return [Decimal(v) for v in np.asarray(values, dtype=np.int64).tolist()]


def rates(hundredths: np.ndarray) -> list[Decimal]:
    """Rates in hundredths of a percent as Decimal percentages."""
    return [Decimal(v).scaleb(-2) for v in np.asarray(hundredths, dtype=np.int64).tolist()]


def ids(n: int, first: int = 1) -> list[int]:
    """Consecutive primary keys."""
    return list(range(first, first + n))


def or_none(values: np.ndarray, missing: int = 0) -> list:
    """The values, with `missing` as None (a foreign key to nobody)."""
    return [None if v == missing else v for v in np.asarray(values).tolist()]
