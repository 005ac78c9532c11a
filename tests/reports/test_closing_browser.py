"""Closing months in the browser: the page offers the earliest open month with data, and the
months up to a chosen one close in one confirmed step, in order."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from finplatform.models import MonthlySnapshot, Role
from tests.factories import Factory

pytestmark = pytest.mark.browser


def _closed(db) -> list[str]:
    db.session.expire_all()
    months = db.session.scalars(sa.select(MonthlySnapshot.month).order_by(MonthlySnapshot.month))
    return [day.isoformat()[:7] for day in months]


def test_several_months_close_in_order_after_one_confirmation(
    db, make, world, live_server, page, artifacts_dir
):
    admin = make.user(Role.ADMIN)
    page.goto(live_server + "/auth/login")
    page.get_by_label("电子邮箱").fill(admin.email)
    page.get_by_label("密码").fill(Factory.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    page.goto(live_server + "/reports/admin?year=2013")
    # The world's first request was posted in March 2013.
    assert "2013-03" in page.inner_text("#close-months label")
    page.select_option("#close-until", "2013-05")
    page.get_by_role("button", name="关账").click()
    text = page.inner_text("#confirm-text")
    assert "2013-03" in text and "2013-05" in text
    page.screenshot(path=str(artifacts_dir / "close-months-confirm.png"))
    page.locator("#confirm-dialog").get_by_role("button", name="取消").click()
    assert _closed(db) == []

    page.get_by_role("button", name="关账").click()
    with page.expect_navigation():
        page.locator("#confirm-dialog").get_by_role("button", name="确认").click()
    assert _closed(db) == ["2013-03", "2013-04", "2013-05"]
    assert "2013-06" in page.inner_text("#close-months label")

    page.select_option("#close-until", "2013-08")
    page.get_by_role("button", name="关账").click()
    with page.expect_navigation():
        page.locator("#confirm-dialog").get_by_role("button", name="确认").click()
    assert _closed(db) == ["2013-03", "2013-04", "2013-05", "2013-06", "2013-07", "2013-08"]
    assert page.locator("#months tr[data-month='2013-08'] .badge").count() == 1
    page.screenshot(path=str(artifacts_dir / "close-months-done.png"), full_page=True)
