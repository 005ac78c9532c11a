"""Destructive and irreversible actions ask first, in a dialog saying what will happen."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from finplatform.confirmations import CONFIRMATIONS, confirmations
from finplatform.models import FinancingRequest, RequestStatus, Role
from tests.factories import Factory


def test_every_listed_action_is_a_route_and_its_pattern_matches_its_paths(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert {endpoint for endpoint, _, _ in CONFIRMATIONS} <= endpoints
    with app.test_request_context():
        patterns = [re.compile(pattern) for pattern, _ in confirmations()]
    paths = {
        "/enterprise/requests/12/withdraw": True,
        "/settings/tokens/3/revoke": True,
        "/admin/institutions/7/suspend": True,
        "/admin/institutions/7/approve": False,  # approving a pending institution asks nothing
        "/enterprise/requests/12/apply": False,
    }
    for path, asks in paths.items():
        assert any(p.match(path) for p in patterns) is asks, path


def sign_in(page, live_server, user):
    page.goto(live_server + "/auth/login")
    page.get_by_label("电子邮箱").fill(user.email)
    page.get_by_label("密码").fill(Factory.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


@pytest.mark.browser
def test_withdrawing_a_request_asks_first_and_cancel_keeps_it(
    db, make, live_server, page, artifacts_dir
):
    firm = make.user(Role.ENTERPRISE)
    request = make.financing_request(firm.enterprise)
    db.session.commit()
    sign_in(page, live_server, firm)
    page.goto(f"{live_server}/requests/{request.id}")
    withdraw = page.locator(f"form[action$='/enterprise/requests/{request.id}/withdraw'] button")

    withdraw.click()
    dialog = page.locator("#confirm-dialog")
    assert dialog.is_visible()
    assert "撤回" in page.inner_text("#confirm-text") and "不可撤销" in page.inner_text(
        "#confirm-text"
    )
    page.screenshot(path=str(artifacts_dir / "confirm-withdraw-request.png"))
    dialog.get_by_role("button", name="取消").click()
    assert not dialog.is_visible()
    db.session.expire_all()
    assert db.session.get(FinancingRequest, request.id).status == RequestStatus.OPEN

    withdraw.click()
    with page.expect_navigation():
        dialog.get_by_role("button", name="确认").click()
    db.session.expire_all()
    assert db.session.get(FinancingRequest, request.id).status == RequestStatus.WITHDRAWN
    assert sa.inspect(db.session.get(FinancingRequest, request.id)).persistent
