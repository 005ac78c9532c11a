"""In Chromium: the bank approves above the product's ceiling with a reason and asks for a
document; the firm sees the limit, attaches the document and accepts the terms."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from finplatform import clock
from finplatform.deals import services
from finplatform.documents.services import request_document
from finplatform.models import ApplicationStatus
from tests.journeys.test_browser_journeys import browser, shot  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


def test_terms_outside_the_limits_wait_for_the_firm_who_attaches_and_accepts(
    db,
    world,
    post_request,
    browser,  # noqa: F811 (the fixture imported above)
    artifacts_dir,
    tmp_path,
):
    application = services.submit_application(post_request(), world.credit_loan, world.firm_user)
    services.take_into_review(application, world.bank_user)
    request_document(
        application,
        world.bank_user,
        kind="business_licence",
        due_on=clock.today() + timedelta(days=5),
    )
    db.session.commit()

    page = browser.sign_in(world.bank_user)
    browser.go(f"/applications/{application.id}")
    form = page.locator("#approve-form")
    form.get_by_label("Approved amount (万元)").fill("800")
    form.get_by_label("Approved rate (%)").fill("6")
    form.get_by_role("button", name="Approve").click()
    page.locator("#confirm-dialog").get_by_role("button", name="Confirm").click()
    expect(page.locator("#approve-form")).to_contain_text("maximum amount of 500万元")
    page.locator("#approve-form").get_by_label("Reason for terms outside the limits").fill(
        "订单充足，抵押充分"
    )
    page.locator("#approve-form").get_by_role("button", name="Approve").click()
    page.locator("#confirm-dialog").get_by_role("button", name="Confirm").click()
    expect(page.locator("h1")).to_contain_text("Awaiting the firm's acceptance")
    shot(page, artifacts_dir, "credit-bank-awaiting")
    browser.sign_out()

    page = browser.sign_in(world.firm_user)
    browser.go("/enterprise/")
    expect(page.locator("#todo")).to_contain_text("Business licence")
    page.locator("#todo").get_by_role("link").first.click()
    expect(page.locator("#limit-breaches")).to_contain_text("500万元")
    licence = tmp_path / "营业执照.pdf"
    licence.write_bytes(PDF)
    attach = page.locator("#attach-form")
    attach.get_by_label("Kind of document").select_option("business_licence")
    attach.get_by_label("File").set_input_files(str(licence))
    attach.get_by_role("button", name="Upload").click()
    expect(page.locator("#documents")).to_contain_text("营业执照.pdf")
    shot(page, artifacts_dir, "credit-firm-terms")
    page.get_by_role("button", name="Accept the terms").click()
    expect(page.locator("h1")).to_contain_text("Approved")
    db.session.expire_all()
    assert db.session.get(type(application), application.id).status == ApplicationStatus.APPROVED
