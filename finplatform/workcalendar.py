"""China's working calendar: which days are working days, and the deadlines counted in them.

A day is a working day as the maintained `chinesecalendar` library says: the official holidays
(National Day, Spring Festival, …) are not, and the make-up weekends (调休) are. The library
knows only the years the State Council has announced; for a later year the calendar falls back
to Monday–Friday plus the holidays and make-up days the commission enters (`CalendarDay`), and
the admin page warns until the commission confirms that year complete (`CalendarYear`). A day the
commission entered overrides the library too.

The live service and the demo world's generator compute deadlines with the same
`WorkingCalendar.response_deadline`.
"""

from __future__ import annotations

import time as monotonic
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta

import chinese_calendar
import sqlalchemy as sa
from flask import current_app

from finplatform import clock
from finplatform.extensions import db
from finplatform.models.working_calendar import CalendarDay, CalendarYear

SATURDAY = 5
# An institution answers by close of business, Beijing time, on its last working day.
CLOSE_OF_BUSINESS = time(17, 30)
# How long a worker keeps the days entered by the commission before reading them again.
ENTERED_DAYS_CACHE_SECONDS = 60

LIBRARY_YEARS = range(
    min(chinese_calendar.constants.holidays).year,
    max(*chinese_calendar.constants.holidays, *chinese_calendar.constants.workdays).year + 1,
)


class WorkingCalendar:
    """Working days: the library's official calendar, overridden by the days entered."""

    def __init__(
        self, entered: Mapping[date, bool] | None = None, confirmed_years: Iterable[int] = ()
    ) -> None:
        self.entered = dict(entered or {})
        self.confirmed_years = frozenset(confirmed_years)
        self._known: dict[date, bool] = {}

    def is_working_day(self, day: date) -> bool:
        """Whether people work on `day` (a Beijing date)."""
        known = self._known.get(day)
        if known is None:
            if day in self.entered:
                known = self.entered[day]
            elif day.year in LIBRARY_YEARS:
                known = chinese_calendar.is_workday(day)
            else:
                known = day.weekday() < SATURDAY
            self._known[day] = known
        return known

    def covers(self, year: int) -> bool:
        """Whether the calendar knows `year`'s holidays (from the library or the commission)."""
        return year in LIBRARY_YEARS or year in self.confirmed_years

    def next_working_day(self, day: date) -> date:
        """`day` itself if it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, day: date, count: int) -> date:
        """The `count`-th working day after `day` (`day` itself not counted; 0 gives `day`)."""
        if count < 0:
            raise ValueError("count must not be negative")
        while count:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count -= 1
        return day

    def response_deadline(self, submitted_at: datetime, working_days: int) -> datetime:
        """When an institution must have answered a submission: close of business (17:30
        Beijing) on the `working_days`-th working day after the day it was received.

        A submission is received on its Beijing day, or on the next working day if it arrived
        on a holiday or weekend: one posted on Saturday, or on 1 October, is received on the
        first working day after.
        """
        received = self.next_working_day(clock.beijing_date(submitted_at))
        due = self.add_working_days(received, working_days)
        return clock.beijing_instant(due, CLOSE_OF_BUSINESS)


def load_calendar() -> WorkingCalendar:
    """The calendar with the days and years the commission entered, read from the database."""
    entered = dict(db.session.execute(sa.select(CalendarDay.day, CalendarDay.is_working_day)).all())
    confirmed = db.session.scalars(sa.select(CalendarYear.year)).all()
    return WorkingCalendar(entered, confirmed)


def current_calendar() -> WorkingCalendar:
    """This worker's calendar, read again at most every minute (and after its own edits)."""
    cached = current_app.extensions.get("finplatform_calendar")
    if cached is not None and monotonic.monotonic() - cached[0] < ENTERED_DAYS_CACHE_SECONDS:
        return cached[1]
    calendar = load_calendar()
    current_app.extensions["finplatform_calendar"] = (monotonic.monotonic(), calendar)
    return calendar


def forget_calendar() -> None:
    """Make this worker read the entered days again (after an edit)."""
    current_app.extensions.pop("finplatform_calendar", None)


def uncovered_years(calendar: WorkingCalendar | None = None) -> list[int]:
    """This year and next, where the calendar does not know the holidays yet."""
    calendar = calendar or current_calendar()
    year = clock.today().year
    return [y for y in (year, year + 1) if not calendar.covers(y)]
