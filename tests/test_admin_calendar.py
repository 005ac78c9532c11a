"""The admin's working-calendar page: entering the days of a year the library does not know."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa

from finplatform import clock
from finplatform.models import CalendarDay, CalendarYear, Role
from finplatform.workcalendar import current_calendar


def _admin(client, login, make):
    admin = make.user(Role.ADMIN)
    login(admin)
    client.get("/lang/en")
    return admin


def test_admin_home_warns_until_next_year_is_confirmed(client, login, make, pin_today):
    pin_today(date(2026, 12, 4))
    _admin(client, login, make)
    page = client.get("/admin/").get_data(as_text=True)
    assert "The holidays of 2027 are not known yet" in page
    response = client.post("/admin/calendar/2027/confirm", follow_redirects=True)
    assert "The working calendar of 2027 is confirmed." in response.get_data(as_text=True)
    assert "The holidays of 2027 are not known yet" not in client.get("/admin/").get_data(
        as_text=True
    )


def test_an_entered_holiday_moves_a_deadline(client, db, login, make):
    _admin(client, login, make)
    response = client.post(
        "/admin/calendar/?year=2027",
        data={"day": "2027-01-01", "kind": "holiday", "note": "元旦"},
        follow_redirects=True,
    )
    assert "2027-01-01 saved." in response.get_data(as_text=True)
    assert db.session.get(CalendarDay, date(2027, 1, 1)).is_working_day is False
    # Thursday 31 Dec 2026 at 10:00: 1 Jan is now a holiday, so 4, 5 and 6 Jan count.
    submitted = datetime(2026, 12, 31, 10, 0, tzinfo=clock.BEIJING)
    assert current_calendar().response_deadline(submitted, 3) == datetime(
        2027, 1, 6, 9, 30, tzinfo=UTC
    )
    client.post("/admin/calendar/2027-01-01/remove", follow_redirects=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CalendarDay)) == 0


def test_a_year_far_away_is_refused_with_a_message(client, db, login, make):
    _admin(client, login, make)
    response = client.post(
        "/admin/calendar/", data={"day": "2207-01-01", "kind": "holiday"}, follow_redirects=True
    )
    assert "The year must be between 2004 and 2100." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CalendarDay)) == 0


def test_confirming_a_year_twice_is_refused(client, db, login, make):
    _admin(client, login, make)
    client.post("/admin/calendar/2027/confirm")
    response = client.post("/admin/calendar/2027/confirm", follow_redirects=True)
    assert "2027 is already confirmed." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CalendarYear)) == 1


def test_only_admins_reach_the_calendar(client, login, make):
    login(make.user(Role.COMMISSION))
    assert client.get("/admin/calendar/").status_code == 403
