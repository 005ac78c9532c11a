"""`/reports/` opens on the latest month with data, and a month/year picker reaches any month."""

from __future__ import annotations

import pytest

from finplatform.models import Role
from tests.factories import Factory


def test_the_report_opens_on_the_latest_month_with_data(client, login, make, world):
    login(make.user(Role.COMMISSION))
    page = client.get("/reports/").get_data(as_text=True)
    # The world's last loan is of 30 June 2014, but a request came at 00:10 on 1 July.
    assert 'data-report-month="2014-07"' in page
    assert 'id="month-picker"' in page
    assert '<option value="2013"' in page  # its first request was posted in March 2013


def test_the_picker_asks_for_a_year_and_a_month(client, login, make, world):
    login(make.user(Role.COMMISSION))
    page = client.get("/reports/?year=2013&m=9").get_data(as_text=True)
    assert 'data-report-month="2013-09"' in page
    assert '<option value="2013" selected' in page and '<option value="9" selected' in page
    assert client.get("/reports/?year=2013&m=13").status_code == 404


def test_with_no_data_the_report_opens_on_the_last_month_that_ended(client, login, make, pin_today):
    from datetime import date

    pin_today(date(2014, 3, 15))
    login(make.user(Role.COMMISSION))
    page = client.get("/reports/").get_data(as_text=True)
    assert 'data-report-month="2014-02"' in page


@pytest.mark.browser
def test_the_month_picker_in_the_browser(make, world, live_server, page, artifacts_dir):
    viewer = make.user(Role.COMMISSION)
    page.goto(live_server + "/auth/login")
    page.get_by_label("电子邮箱").fill(viewer.email)
    page.get_by_label("密码").fill(Factory.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    page.goto(live_server + "/reports/")
    assert page.get_attribute("[data-report-month]", "data-report-month") == "2014-07"
    page.select_option("#picker-year", "2013")
    page.select_option("#picker-month", "9")
    with page.expect_navigation():
        page.locator("#month-picker").get_by_role("button", name="查看").click()
    assert page.get_attribute("[data-report-month]", "data-report-month") == "2013-09"
    assert page.input_value("#picker-year") == "2013"
    page.screenshot(path=str(artifacts_dir / "report-month-picker.png"))
