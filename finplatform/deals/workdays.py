"""Working-day arithmetic for response deadlines.

Working days are Monday to Friday. Public holidays (and the make-up working weekends of the
Chinese calendar) are not modelled yet: a deadline over a holiday falls due too early.
"""

from __future__ import annotations

from datetime import datetime, timedelta

SATURDAY = 5


def add_working_days(start: datetime, days: int) -> datetime:
    """The moment `days` working days after `start`, at the same time of day.

    A start on a weekend counts from the next Monday's same time.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    moment = start
    while moment.weekday() >= SATURDAY:
        moment += timedelta(days=1)
    remaining = days
    while remaining:
        moment += timedelta(days=1)
        if moment.weekday() < SATURDAY:
            remaining -= 1
    return moment
