"""The commission's edits to the working calendar: holidays, make-up days, confirmed years."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from finplatform.audit import record_audit
from finplatform.exceptions import DomainError
from finplatform.extensions import db
from finplatform.models import CalendarDay, CalendarYear, User
from finplatform.workcalendar import forget_calendar

# The calendar is read for deadlines and loan due dates: years far from now are typing errors.
FIRST_YEAR, LAST_YEAR = 2004, 2100


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise DomainError(
            _l("The year must be between %(first)d and %(last)d.", first=FIRST_YEAR, last=LAST_YEAR)
        )


def enter_day(day: date, is_working_day: bool, note: str, actor: User) -> CalendarDay:
    """Record `day` as a holiday or a make-up working day (replacing an earlier entry)."""
    _check_year(day.year)
    entry = db.session.get(CalendarDay, day)
    if entry is None:
        entry = CalendarDay(day=day, is_working_day=is_working_day)
        db.session.add(entry)
    entry.is_working_day = is_working_day
    entry.note = note.strip()
    entry.entered_by_id = actor.id
    db.session.flush()
    record_audit(
        "calendar.day_entered",
        entry,
        actor=actor,
        detail={"day": day.isoformat(), "working": is_working_day, "note": entry.note},
    )
    forget_calendar()
    return entry


def remove_day(day: date, actor: User) -> None:
    """Forget what was entered for `day`: the library or the weekend rule applies again."""
    entry = db.session.get(CalendarDay, day)
    if entry is None:
        raise DomainError(_l("Nothing was entered for %(day)s.", day=day.isoformat()))
    record_audit("calendar.day_removed", entry, actor=actor, detail={"day": day.isoformat()})
    db.session.delete(entry)
    db.session.flush()
    forget_calendar()


def confirm_year(year: int, actor: User) -> CalendarYear:
    """Say that every holiday and make-up day of `year` has been entered."""
    _check_year(year)
    confirmed = db.session.get(CalendarYear, year)
    if confirmed is not None:
        raise DomainError(_l("%(year)d is already confirmed.", year=year))
    confirmed = CalendarYear(year=year, confirmed_by_id=actor.id)
    db.session.add(confirmed)
    db.session.flush()
    record_audit("calendar.year_confirmed", confirmed, actor=actor, detail={"year": year})
    forget_calendar()
    return confirmed
