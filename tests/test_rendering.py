"""The cheaper template helpers give the same text as Flask-Babel's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from flask_babel import format_datetime

from finplatform.rendering import beijing_time, datetime_format

# Asia/Shanghai is UTC+8 all year (no daylight saving since 1991).
CASES = [
    (datetime(2014, 6, 30, 16, 30, 5, tzinfo=UTC), "yyyy-MM-dd HH:mm", "2014-07-01 00:30"),
    (datetime(2014, 6, 30, 16, 30, 5, tzinfo=UTC), "yyyy-MM-dd HH:mm:ss", "2014-07-01 00:30:05"),
    (datetime(2014, 12, 31, 15, 59, tzinfo=UTC), "yyyy-MM-dd", "2014-12-31"),
    (datetime(2014, 12, 31, 16, 0, tzinfo=UTC), "yyyy-MM-dd", "2015-01-01"),
    # A naive time is taken as UTC, as Flask-Babel takes it.
    (datetime(2014, 2, 14, 1, 2), "yyyy-MM-dd HH:mm", "2014-02-14 09:02"),
    (
        datetime(2014, 2, 14, 9, 0, tzinfo=timezone(timedelta(hours=8))),
        "yyyy-MM-dd HH:mm",
        "2014-02-14 09:00",
    ),
]


@pytest.mark.parametrize(("moment", "pattern", "shown"), CASES)
def test_numeric_patterns_show_beijing_time_as_babel_does(app, moment, pattern, shown):
    with app.test_request_context("/"):
        assert datetime_format(moment, pattern) == shown
        assert format_datetime(moment, pattern) == shown


def test_other_patterns_still_go_to_babel(app):
    with app.test_request_context("/"):
        moment = datetime(2014, 6, 30, 16, 30, tzinfo=UTC)
        assert datetime_format(moment, "MMM d, yyyy") == "7月 1, 2014"
        assert datetime_format(moment, None) == format_datetime(moment)


def test_pages_speak_the_language_of_each_request(client):
    assert "页面不存在" in client.get("/no-such-page").get_data(as_text=True)
    client.get("/lang/en")
    assert "Page not found" in client.get("/no-such-page").get_data(as_text=True)
    client.get("/lang/zh_Hans_CN")
    assert "页面不存在" in client.get("/no-such-page").get_data(as_text=True)


def test_stored_instants_show_in_beijing_time():
    evening_utc = datetime(2014, 9, 29, 22, 30, tzinfo=UTC)
    assert beijing_time(evening_utc) == "2014-09-30 06:30"
    assert beijing_time("2014-09-29T22:30:00+00:00") == "2014-09-30 06:30"
    assert beijing_time(evening_utc.replace(tzinfo=None)) == "2014-09-30 06:30"  # SQLite's
    assert beijing_time(evening_utc, "%Y-%m-%d") == "2014-09-30"
    assert beijing_time(None) == ""
