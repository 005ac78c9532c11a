"""In headless Chromium, on Chinese pages: an institution registers a loan for cover, sees it
overdue and files a claim; the commission approves and pays it; the pool page shows the new
balance. Screenshots under test-artifacts/."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from finplatform.loans import pool as funds
from finplatform.models import Role
from tests.factories import Factory

pytestmark = pytest.mark.browser


def sign_in(page, url: str, user) -> None:
    page.goto(url + "/auth/login")
    page.get_by_label("电子邮箱").fill(user.email)
    page.get_by_label("密码").fill(Factory.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def confirm(page) -> None:
    """Answer the confirmation dialog of an irreversible action."""
    page.locator("#confirm-dialog").get_by_role("button", name="确认").click()


def shot(page, artifacts_dir, name: str) -> None:
    page.screenshot(path=str(artifacts_dir / f"pool-{name}.png"), full_page=True)


def test_cover_overdue_claim_approval_and_balance(
    db, make, live_server, page, artifacts_dir, disburse, bank_user, pin_today
):
    pool = funds.create_pool(2014, "2014年科技型中小企业信用贷款风险保证金")
    funds.contribute(pool, "天津市科学技术委员会", "1000000000", date(2014, 2, 20))
    funds.admit(
        pool,
        bank_user.institution,
        cover_ratio="0.5",
        per_loan_cap_yuan="30000000",
        quota_yuan="2000000000",
        on=date(2014, 1, 2),
    )
    firm = make.enterprise(name="天津津科智能有限公司")
    loan = disburse(amount="3000000", on=date(2014, 3, 10), rate="6.6", term=12, firm=firm)
    admin = make.user(Role.ADMIN, name="科委管理员")
    db.session.commit()

    sign_in(page, live_server, bank_user)
    page.goto(f"{live_server}/loans/{loan.id}")
    page.get_by_role("button", name="登记备案").click()
    expect(page.locator(".alert-success")).to_contain_text("该笔贷款已备案纳入风险保证金")
    shot(page, artifacts_dir, "1-registered")

    # The firm pays nothing: by 2014-08-01 its first instalment (due 2014-04-10) is 113 days late.
    pin_today(date(2014, 8, 1))
    page.goto(f"{live_server}/loans/?overdue=1")
    row = page.locator("#loans tbody tr", has_text="天津津科智能有限公司")
    expect(row).to_contain_text("113")
    expect(row).to_contain_text("逾期")
    shot(page, artifacts_dir, "2-overdue-list")
    row.get_by_role("link").first.click()
    page.get_by_label("违约证明材料").fill("多次电话及上门催收未果，已提起诉讼")
    page.get_by_role("button", name="提交代偿申请").click()
    confirm(page)
    expect(page.locator(".alert-success")).to_contain_text("代偿申请已提交")
    # 3,000,000 outstanding × 50 % = 150万元 claimed.
    expect(page.locator("#claim")).to_contain_text("150万元")
    shot(page, artifacts_dir, "3-claim-filed")
    page.get_by_role("button", name="退出登录").click()

    sign_in(page, live_server, admin)
    page.goto(f"{live_server}/pool/?year=2014")
    expect(page.locator("#pool-balance")).to_contain_text("10亿元")
    claim_row = page.locator("#claims tbody tr", has_text="天津津科智能有限公司")
    claim_row.get_by_label("审核结果").select_option("approve")
    claim_row.get_by_role("button", name="登记审核结果").click()
    confirm(page)
    expect(page.locator(".alert-success")).to_contain_text("审核结果已登记")
    page.locator("#claims tbody tr", has_text="天津津科智能有限公司").get_by_role(
        "button", name="登记代偿拨付"
    ).click()
    confirm(page)
    expect(page.locator(".alert-success")).to_contain_text("代偿拨付已登记")
    # 1,000,000,000 − 1,500,000 = 998,500,000 yuan: 9.985亿元.
    expect(page.locator("#pool-balance")).to_contain_text("9.985亿元")
    expect(page.locator("#claims")).to_contain_text("已代偿")
    shot(page, artifacts_dir, "4-paid-balance")
