"""The one clock and China's working calendar, at their edges.

Expected dates are written from the State Council's holiday notices: 2014's Spring Festival
holiday ran 31 Jan – 6 Feb with make-up working days on Sunday 26 Jan and Saturday 8 Feb;
National Day ran 1–7 Oct with make-up working days on Sunday 28 Sep and Saturday 11 Oct.
A deadline is 17:30 Beijing (09:30 UTC) on the third working day after the day received.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pytest
import sqlalchemy as sa

from finplatform import clock
from finplatform.models import Application
from finplatform.workcalendar import LIBRARY_YEARS, WorkingCalendar, uncovered_years
from seeds.loader import load_world
from seeds.world import facts, generate_world, world_password_hash
from seeds.world.decisions import response_deadlines


def beijing(*parts: int) -> datetime:
    """A Beijing wall-clock time as a UTC instant."""
    return datetime(*parts, tzinfo=clock.BEIJING).astimezone(UTC)


CALENDAR = WorkingCalendar()


def test_a_monday_6am_beijing_submission_counts_from_monday_not_sunday():
    # 06:00 Monday in Beijing is 22:00 Sunday in UTC.
    submitted = beijing(2014, 3, 10, 6, 0)
    assert submitted.weekday() == 6
    assert CALENDAR.response_deadline(submitted, 3) == beijing(2014, 3, 13, 17, 30)


def test_national_day_week_is_skipped():
    # Tuesday 30 Sep: received that day; 8, 9, 10 Oct are the next three working days.
    assert CALENDAR.response_deadline(beijing(2014, 9, 30, 10, 0), 3) == beijing(
        2014, 10, 10, 17, 30
    )


def test_a_submission_during_the_holiday_is_received_on_the_first_working_day_after():
    # Friday 3 Oct is a holiday: received Wednesday 8 Oct; then 9, 10 and Saturday 11 Oct,
    # a make-up working day.
    assert CALENDAR.response_deadline(beijing(2014, 10, 3, 11, 0), 3) == beijing(
        2014, 10, 11, 17, 30
    )


def test_spring_festival_week_is_skipped_and_its_make_up_saturday_counts():
    # Thursday 30 Jan (New Year's Eve) was a working day; then Friday 7 Feb, Saturday 8 Feb
    # (make-up) and Monday 10 Feb.
    assert CALENDAR.response_deadline(beijing(2014, 1, 30, 15, 0), 3) == beijing(
        2014, 2, 10, 17, 30
    )


def test_make_up_sunday_is_a_working_day_and_a_holiday_weekday_is_not():
    assert CALENDAR.is_working_day(date(2014, 9, 28))  # Sunday, make-up day
    assert not CALENDAR.is_working_day(date(2014, 10, 6))  # Monday, National Day
    assert not CALENDAR.is_working_day(date(2014, 3, 9))  # an ordinary Sunday


def test_zero_working_days_is_close_of_business_on_the_day_received():
    assert CALENDAR.response_deadline(beijing(2014, 3, 8, 9, 0), 0) == beijing(2014, 3, 10, 17, 30)


def test_after_the_librarys_last_year_the_calendar_falls_back_to_weekends():
    last = LIBRARY_YEARS[-1]
    assert last == 2026
    # 31 Dec 2026 is a Thursday and a working day. 2027 is not in the library: Friday 1 Jan
    # counts as a working day until the commission enters it, weekends do not.
    assert CALENDAR.response_deadline(beijing(2026, 12, 31, 10, 0), 3) == beijing(
        2027, 1, 5, 17, 30
    )
    assert not CALENDAR.covers(2027)


def test_days_entered_by_the_commission_fill_the_uncovered_year():
    entered = WorkingCalendar({date(2027, 1, 1): False}, confirmed_years=[2027])
    assert entered.response_deadline(beijing(2026, 12, 31, 10, 0), 3) == beijing(2027, 1, 6, 17, 30)
    assert entered.covers(2027)


def test_an_entered_day_overrides_the_library():
    # Say the city closed offices on Wednesday 12 March 2014.
    closed = WorkingCalendar({date(2014, 3, 12): False})
    assert closed.response_deadline(beijing(2014, 3, 10, 9, 0), 3) == beijing(2014, 3, 14, 17, 30)


def test_negative_working_days_are_refused():
    with pytest.raises(ValueError):
        CALENDAR.add_working_days(date(2014, 3, 10), -1)


def test_a_pinned_today_is_the_beijing_day_of_now(pin_today):
    pin_today(date(2014, 12, 31))
    assert clock.today() == date(2014, 12, 31)
    assert clock.beijing_date(clock.now()) == date(2014, 12, 31)


def test_beijing_date_of_an_early_morning_instant():
    # 23:30 UTC on 9 March is 07:30 on 10 March in Beijing.
    assert clock.beijing_date(datetime(2014, 3, 9, 23, 30, tzinfo=UTC)) == date(2014, 3, 10)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        clock.beijing(datetime(2014, 3, 9, 23, 30))


def test_uncovered_years_are_this_year_and_next_without_holidays(pin_today):
    pin_today(date(2026, 12, 4))
    assert uncovered_years(WorkingCalendar()) == [2027]
    assert uncovered_years(WorkingCalendar(confirmed_years=[2027])) == []
    pin_today(date(2014, 6, 1))
    assert uncovered_years(WorkingCalendar()) == []


def _minute(instant: datetime) -> int:
    return int((instant - facts.ANCHOR).total_seconds() // 60)


def test_the_demo_world_gives_the_live_services_due_dates():
    # The same submissions as above: 30 Sep 2014 10:00, 3 Oct (holiday) and Monday 06:00.
    submitted = np.array(
        [
            _minute(beijing(2014, 9, 30, 10, 0)),
            _minute(beijing(2014, 10, 3, 11, 0)),
            _minute(beijing(2014, 3, 10, 6, 0)),
        ]
    )
    assert response_deadlines(submitted).tolist() == [
        _minute(beijing(2014, 10, 10, 17, 30)),
        _minute(beijing(2014, 10, 11, 17, 30)),
        _minute(beijing(2014, 3, 13, 17, 30)),
    ]


def test_every_loaded_world_application_is_due_when_the_live_service_would_say(db):
    load_world(
        db.session.connection(),
        generate_world("small", 5, world_password_hash("scrypt:1024:8:1", 0)),
    )
    db.session.commit()
    rows = db.session.execute(sa.select(Application.submitted_at, Application.respond_by)).all()
    assert len(rows) > 100
    live = WorkingCalendar()
    assert [respond_by for _, respond_by in rows] == [
        live.response_deadline(submitted_at, 3) for submitted_at, _ in rows
    ]
