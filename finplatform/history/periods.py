"""The one rule for "valid at", in Python and as SQL."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa


def valid_at(valid_from: datetime | None, valid_to: datetime | None, when: datetime) -> bool:
    """Whether a period holds at `when`: from `valid_from` included to `valid_to` excluded.

    A missing `valid_from` reaches back to all earlier time; a missing `valid_to` is still open.
    So where one period ends and the next starts, the instant belongs to the next.
    """
    if when.tzinfo is None:
        raise ValueError("naive datetime given; instants are always timezone-aware")
    return (valid_from is None or valid_from <= when) and (valid_to is None or when < valid_to)


def held_at(period, when) -> sa.ColumnElement[bool]:
    """`valid_at` as a SQL condition on a history model (or alias) at an instant or column."""
    return sa.and_(
        sa.or_(period.valid_from.is_(None), period.valid_from <= when),
        sa.or_(period.valid_to.is_(None), period.valid_to > when),
    )
