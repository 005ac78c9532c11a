"""The platform's one clock: "now" and "today", in Beijing time (Asia/Shanghai).

Instants are stored in UTC; days are Beijing days, because that is where every user lives. Nothing
else in the platform reads the server's own clock or zone: every "now" and "today" comes from here.

A demo or test instance may pin "today" (the `TODAY` setting, `FINPLATFORM_TODAY` in the
environment): the clock then reads that Beijing day at the current Beijing time of day, so a
world whose history ends on 2014-12-31 is seen as of its end instead of twelve years later, while
instants within the day still move on.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

BEIJING = ZoneInfo("Asia/Shanghai")


def pinned_today() -> date | None:
    """The day this instance is pinned to, if any (setting `TODAY`)."""
    if not has_app_context():
        return None
    return current_app.config.get("TODAY")


def now() -> datetime:
    """The current instant, timezone-aware, in UTC (on the pinned day, if one is set)."""
    instant = datetime.now(UTC)
    pinned = pinned_today()
    if pinned is None:
        return instant
    local = instant.astimezone(BEIJING)
    return datetime.combine(pinned, local.timetz()).astimezone(UTC)


def today() -> date:
    """Today's date in Beijing."""
    return beijing_date(now())


def beijing(instant: datetime) -> datetime:
    """The instant on Beijing's wall clock."""
    if instant.tzinfo is None:
        raise ValueError("naive datetime given; instants are always timezone-aware")
    return instant.astimezone(BEIJING)


def beijing_date(instant: datetime) -> date:
    """The Beijing day an instant falls on."""
    return beijing(instant).date()


def beijing_instant(day: date, at: time = time(0, 0)) -> datetime:
    """The UTC instant of a Beijing wall-clock time on `day` (midnight unless told)."""
    return datetime.combine(day, at, BEIJING).astimezone(UTC)
