"""In Chromium: the firm authorises the bank on its application; the bank sees the credit
profile and opens the attached document; the firm revokes; the bank sees neither any more; the
firm's log shows both looks. The pages stay in Chinese (the platform's default language)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from finplatform import clock
from finplatform.credit.records import load_records
from finplatform.deals import services
from finplatform.documents.services import upload_document
from finplatform.models import CreditBatchChannel
from tests.factories import Factory

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


def _sign_in(page, live_server, user) -> None:
    page.goto(live_server + "/auth/login")
    page.get_by_label("电子邮箱").fill(user.email)
    page.get_by_label("密码").fill(Factory.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def _sign_out(page) -> None:
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_load_state()


def _shot(page, artifacts_dir, name: str) -> None:
    page.screenshot(path=str(artifacts_dir / f"consent-{name}.png"), full_page=True)


def test_grant_see_revoke_and_the_log(db, world, post_request, live_server, page, artifacts_dir):
    today = clock.today()
    load_records(
        [
            {
                "enterprise_id": world.firm.id,
                "kind": "tax_grade",
                "as_of": today - timedelta(days=100),
                "grade": "A",
                "source": "国家税务总局天津市税务局",
            }
        ],
        source="国家税务总局天津市税务局",
        channel=CreditBatchChannel.IMPORT,
        actor=None,
    )
    application = services.submit_application(post_request(), world.credit_loan, world.firm_user)
    document = upload_document(
        world.firm,
        world.firm_user,
        kind="business_licence",
        file=io.BytesIO(PDF),
        filename="营业执照.pdf",
        application=application,
    )
    db.session.commit()
    path = f"/applications/{application.id}"

    _sign_in(page, live_server, world.firm_user)
    page.goto(live_server + path)
    page.locator("#credit-consent").get_by_role("button", name="为本次申请授权").click()
    expect(page.locator("#credit-consent")).to_contain_text("可以查看您的信用画像和材料")
    _shot(page, artifacts_dir, "1-firm-granted")
    _sign_out(page)

    _sign_in(page, live_server, world.bank_user)
    page.goto(live_server + path)
    # Tax grade A: 60 + 15 = 75, grade A.
    expect(page.locator("#credit-profile")).to_contain_text("75")
    expect(page.locator("#decision-grade")).to_contain_text("A (75 / 100)")
    with page.expect_download() as download:
        page.locator("#documents").get_by_role("link", name="营业执照.pdf").click()
    assert download.value.suggested_filename == "营业执照.pdf"
    _shot(page, artifacts_dir, "2-bank-sees")
    _sign_out(page)

    _sign_in(page, live_server, world.firm_user)
    page.goto(live_server + path)
    page.locator("#credit-consent").get_by_role("button", name="撤销授权").click()
    expect(page.locator("#credit-consent")).to_contain_text("无法查看您的信用画像和材料")
    _sign_out(page)

    _sign_in(page, live_server, world.bank_user)
    page.goto(live_server + path)
    expect(page.locator("#credit-profile-hidden")).to_be_visible()
    expect(page.locator("#credit-profile")).to_have_count(0)
    expect(page.locator("#documents")).not_to_contain_text("营业执照.pdf")
    expect(page.locator("#documents")).to_contain_text("企业授权贵机构期间才显示其材料")
    response = page.request.get(live_server + f"/documents/{document.id}/download")
    assert response.status == 404
    _shot(page, artifacts_dir, "3-bank-after-revoke")
    _sign_out(page)

    _sign_in(page, live_server, world.firm_user)
    page.goto(live_server + "/enterprise/consents")
    views = page.locator("#views tbody tr")
    expect(views).to_have_count(2)
    expect(views.nth(0)).to_contain_text(world.bank.name)
    expect(views.nth(0)).to_contain_text("材料")
    expect(views.nth(1)).to_contain_text("信用画像")
    expect(page.locator("#consents")).to_contain_text("已撤销")
    expect(page.locator("#own-profile")).to_contain_text("75")
    _shot(page, artifacts_dir, "4-firm-log")
