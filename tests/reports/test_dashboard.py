"""The commission's landing page: each target's progress this year, the month's key figures,
charts with visible titles, and links into the report."""

from __future__ import annotations

import re

from finplatform.models import Role


def test_the_landing_page_shows_each_targets_progress_and_the_months_figures(
    client, login, make, world, db
):
    login(make.user(Role.COMMISSION))
    response = client.get("/targets/")
    page = response.get_data(as_text=True)
    # The latest month with data is 2014-07 (a request at 00:10 on 1 July).
    assert "截至2014-07" in page
    assert 'href="/reports/?month=2014-07"' in page
    money = page[page.index('data-metric="financing_facilitated"') :].split('class="col-md-6"')[0]
    for words in ("本年累计", "目标值", "截至目前应完成", "年末预测"):
        assert words in money
    assert re.search(r"(进度正常|落后)", money)
    assert re.search(r"(落后进度|领先进度)", money)
    assert "<figcaption" in money and "按月累计" in money and "<svg" in money
    count = page[page.index('data-metric="firms_served"') :].split('class="col-md-6"')[0]
    assert "15000家" in count  # the plan's 2014 targets (seeded reference data)
    assert "新增科技金融对接服务平台4家" in page[page.index('id="unmeasured-targets"') :]
    figures = page[page.index('id="key-figures"') :]
    assert 'data-measure="disbursements"' in figures
    assert "/reports/rows?month=2014-07&amp;measure=disbursements&amp;scope=month" in figures


def test_a_past_year_shows_its_december(client, login, make, world, db):
    login(make.user(Role.COMMISSION))
    page = client.get("/targets/?year=2013").get_data(as_text=True)
    assert "截至2013-12" in page


def test_a_year_without_data_opens_the_latest(client, login, make, world):
    login(make.user(Role.COMMISSION))
    for asked in ("-1", "1999", "99999", "abc"):
        response = client.get(f"/targets/?year={asked}")
        assert response.status_code == 200, asked
        assert "截至2014-07" in response.get_data(as_text=True), asked
