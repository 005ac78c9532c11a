"""Each role's main page in a real browser, in Chinese, on the small demo world: the menu and the
page read in Chinese, and a screenshot of each is saved under test-artifacts/ to look at."""

from __future__ import annotations

import pytest

from finplatform.models import Role
from seeds.demo_accounts import DEMO_ACCOUNTS
from tests.test_page_walk import walk_world  # noqa: F401  (the fixture)
from tests.visible_text import foreign_words

pytestmark = pytest.mark.browser

# The page each role lands on after signing in, and a heading it shows.
MAIN_PAGES = {
    Role.ENTERPRISE: ("/enterprise/", "融资需求"),
    Role.INSTITUTION: ("/institution/", "金融产品"),
    Role.SPECIALIST: ("/specialist/", "企业"),
    Role.COMMISSION: ("/reports/", "月度报表"),
    Role.ADMIN: ("/admin/", "机构管理"),
    Role.DATA_PROVIDER: ("/settings/tokens", "API 令牌"),
}
# Pages whose words came from codes or JSON before: looked at in the browser too.
MORE_PAGES = {
    Role.SPECIALIST: ["/specialist/queue?tab=rejected"],
    Role.COMMISSION: ["/reports/rows?month=2014-11&measure=applications&scope=month"],
    Role.INSTITUTION: ["/institution/repayment-imports/"],
    Role.ADMIN: ["/admin/audit", "/admin/models/", "/admin/imports/"],
}


def test_each_role_main_page_in_chinese(walk_world, live_server, page, artifacts_dir):  # noqa: F811
    for account in DEMO_ACCOUNTS:
        path, heading = MAIN_PAGES[account.role]
        page.context.clear_cookies()
        page.goto(live_server + "/auth/login")
        page.get_by_label("电子邮箱").fill(account.email)
        page.get_by_label("密码").fill(account.password)
        page.get_by_role("button", name="登录").click()
        page.wait_for_load_state()
        page.goto(live_server + path)
        text = page.locator("body").inner_text()
        assert heading in text, account.role
        assert foreign_words(text) == [], account.role
        name = f"role-main-{account.role.value}"
        page.screenshot(path=str(artifacts_dir / f"{name}.png"), full_page=True)
        page.screenshot(path=str(artifacts_dir / f"{name}-top.png"))  # what shows first
        for number, more in enumerate(MORE_PAGES.get(account.role, []), start=1):
            page.goto(live_server + more)
            assert foreign_words(page.locator("body").inner_text()) == [], more
            page.screenshot(path=str(artifacts_dir / f"role-{account.role.value}-{number}.png"))
