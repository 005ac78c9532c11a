"""Every role's main page at a laptop's 1366 px and a phone's 390 px, with screenshots saved
under test-artifacts/ to look at; at 390 px nothing makes the page itself scroll sideways (wide
tables scroll inside their own box)."""

from __future__ import annotations

import pytest
from flask import url_for

from finplatform.access import ROLE_HOME
from finplatform.models import Role
from seeds.demo_accounts import DEMO_ACCOUNTS
from tests.test_page_walk import walk_world  # noqa: F401  (the fixture)

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 900}
# Pages people read on a phone beyond the landing pages: the commission's monthly report.
MORE_AT_390 = {Role.COMMISSION: ["/reports/"]}
SIDEWAYS = "document.scrollingElement.scrollWidth - window.innerWidth"


def _sign_in(page, live_server, account) -> None:
    page.context.clear_cookies()
    page.set_viewport_size(LAPTOP)
    page.goto(live_server + "/auth/login")
    page.get_by_label("电子邮箱").fill(account.email)
    page.get_by_label("密码").fill(account.password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def test_each_roles_main_page_at_1366_and_390_px(
    app,
    walk_world,  # noqa: F811
    live_server,
    page,
    artifacts_dir,
):
    with app.test_request_context():
        homes = {role: url_for(endpoint) for role, endpoint in ROLE_HOME.items()}
    overflowing = {}
    for account in DEMO_ACCOUNTS:
        role = account.role
        _sign_in(page, live_server, account)
        for path in [homes[role], *MORE_AT_390.get(role, [])]:
            name = path.strip("/").replace("/", "-") or "home"
            for size in (LAPTOP, PHONE):
                page.set_viewport_size(size)
                page.goto(live_server + path)
                page.wait_for_load_state()
                page.screenshot(
                    path=str(artifacts_dir / f"width-{size['width']}-{role.value}-{name}.png"),
                    full_page=True,
                )
                if size is PHONE:
                    # What a phone shows first, readable without zooming into a long image.
                    page.screenshot(
                        path=str(artifacts_dir / f"width-390-{role.value}-{name}-top.png")
                    )
                    if (extra := page.evaluate(SIDEWAYS)) > 0:
                        overflowing[(role.value, path)] = extra
    assert overflowing == {}  # pixels the page scrolls sideways at 390 px, per page
