"""The report in a real browser: charts drawn, Chinese rendered, print layout; a screenshot."""

from __future__ import annotations

import pytest

from finplatform.models import Role
from tests.factories import Factory

pytestmark = pytest.mark.browser


def test_report_screenshot(make, world, live_server, page, artifacts_dir):
    viewer = make.user(Role.COMMISSION, email="viewer@example.cn")
    page.goto(live_server + "/auth/login")
    page.locator("input[name=email]").fill(viewer.email)
    page.locator("input[name=password]").fill(Factory.PASSWORD)
    page.locator("form button[type=submit], form input[type=submit]").last.click()
    page.goto(live_server + "/reports/?month=2014-06")
    assert page.locator("svg.report-chart").count() == 3
    assert page.locator("#targets tr[data-metric=financing_facilitated]").is_visible()
    assert page.get_by_text("滨海科技支行").first.is_visible()
    page.screenshot(path=str(artifacts_dir / "monthly-report-2014-06.png"), full_page=True)
    page.emulate_media(media="print")
    assert page.locator("nav.navbar").is_hidden()
    page.pdf(path=str(artifacts_dir / "monthly-report-2014-06.pdf"), format="A4")
