"""The home page and sign-in work in a real browser, in Chinese, with CJK text rendered."""

from __future__ import annotations

import pytest

from seeds.demo_accounts import create_demo_accounts

pytestmark = pytest.mark.browser


def test_admin_signs_in_through_the_browser(db, live_server, page, artifacts_dir):
    create_demo_accounts()
    db.session.commit()
    page.goto(live_server + "/")
    assert "科技金融对接服务平台" in page.title()
    page.get_by_role("link", name="登录").first.click()
    page.get_by_label("电子邮箱").fill("admin@demo.local")
    page.get_by_label("密码").fill("Demo2014pass")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/admin/")
    assert page.get_by_role("heading", name="机构管理").is_visible()
    assert page.get_by_text("待审核").is_visible()
    page.screenshot(path=str(artifacts_dir / "admin-home.png"), full_page=True)
