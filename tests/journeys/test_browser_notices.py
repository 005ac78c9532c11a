"""In Chromium: an institution decides an application and the firm's e-mail notice arrives at a
real local SMTP server; the firm's notice settings, looked at in a screenshot."""

from __future__ import annotations

import pytest

from finplatform.deals import services
from tests.factories import Factory
from tests.journeys.test_browser_journeys import confirm, fill_approval

pytestmark = pytest.mark.browser


def _sign_in(page, live_server, user) -> None:
    page.goto(live_server + "/lang/en?next=/auth/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(Factory.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def test_a_decision_reaches_the_firm_by_mail(
    db, world, post_request, live_server, page, inbox, artifacts_dir
):
    application = services.submit_application(post_request(), world.credit_loan, world.firm_user)
    db.session.commit()
    _sign_in(page, live_server, world.bank_user)
    page.goto(live_server + "/institution/inbox")
    approve = fill_approval(page, page, application)
    approve.get_by_role("button", name="Approve").click()
    confirm(page)
    page.locator("#approved-terms").wait_for()
    inbox.wait_for(1)
    [message] = inbox.messages
    assert message["To"] == world.firm_user.email
    assert message["Subject"] == "平台通知：申请的审批结果"
    assert f"/applications/{application.id}" in inbox.body()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    _sign_in(page, live_server, world.firm_user)
    page.goto(live_server + "/lang/zh_Hans_CN?next=/settings/notices")
    choices = page.locator("#notice-settings")
    assert choices.get_by_label("申请的审批结果").is_checked()
    choices.get_by_label("要求补充材料").uncheck()
    choices.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert page.get_by_text("通知设置已保存。").is_visible()
    assert not choices.get_by_label("要求补充材料").is_checked()
    page.screenshot(path=str(artifacts_dir / "notice-settings.png"), full_page=True)
