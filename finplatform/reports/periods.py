"""Report months: parsing "2014-06", and the instants where a month begins and ends.

Months are the commission's months in Beijing time (Asia/Shanghai): a request posted at 23:30 on
30 June in Tianjin belongs to June even though it is 15:30 UTC. Timestamps are stored in UTC, so
a month is turned into a pair of aware UTC instants and compared with `>=` / `<`, which uses the
indexes on every database and needs no timezone function in SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l

from finplatform import clock
from finplatform.exceptions import DomainError

_MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month of the report (year, month)."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """A month from "YYYY-MM"; a DomainError with a readable message otherwise."""
        found = _MONTH_PATTERN.match((text or "").strip())
        if not found:
            raise DomainError(_l("Give the month as YYYY-MM, for example 2014-06."), "month")
        year, month = int(found.group(1)), int(found.group(2))
        if not 1 <= month <= 12:
            raise DomainError(_l("A month is numbered 01 to 12."), "month")
        if not 2000 <= year <= 2100:
            raise DomainError(_l("Reports cover the years 2000 to 2100."), "month")
        return cls(year, month)

    @classmethod
    def found_in(cls, text: str) -> Month | None:
        """The month "YYYY-MM" names, or None when it names none (an address typed by hand)."""
        try:
            return cls.parse(text)
        except DomainError:
            return None

    @classmethod
    def of(cls, day: date) -> Month:
        """The month containing a date."""
        return cls(day.year, day.month)

    @classmethod
    def current(cls, now: datetime | None = None) -> Month:
        """The month it is now in Beijing time."""
        return cls.of(clock.beijing_date(now or clock.now()))

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> date:
        """The first day of the month."""
        return date(self.year, self.month, 1)

    @property
    def next(self) -> Month:
        """The month after this one."""
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)

    @property
    def previous(self) -> Month:
        """The month before this one."""
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    @property
    def end_day(self) -> date:
        """The first day of the next month (the end is exclusive)."""
        return self.next.first_day

    @property
    def start_at(self) -> datetime:
        """00:00 Beijing time on the first day, as an aware UTC instant."""
        return clock.beijing_instant(self.first_day)

    @property
    def end_at(self) -> datetime:
        """00:00 Beijing time on the first day of the next month, in UTC (exclusive)."""
        return clock.beijing_instant(self.end_day)

    def months_of_year_until(self) -> list[Month]:
        """January to this month of the same year."""
        return [Month(self.year, number) for number in range(1, self.month + 1)]


# Midnight in Beijing time at the start of a day, as an aware UTC instant (measures.py's name).
local_midnight = clock.beijing_instant


def year_months(year: int) -> list[Month]:
    """The twelve months of a year."""
    return [Month(year, number) for number in range(1, 13)]
