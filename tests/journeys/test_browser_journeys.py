"""Each role's main journey in headless Chromium on the running app, with screenshots.

Pages are switched to English so the steps read the UI's own words; the data (names, amounts)
is Chinese, so screenshots show CJK rendering too.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from finplatform.credit_code import make_credit_code
from finplatform.deals import services
from finplatform.deals.deadlines import flag_overdue
from finplatform.models import (
    Application,
    ApplicationStatus,
    Disbursement,
    FinancingRequest,
    Institution,
    InstitutionStatus,
    Offer,
    OfferStatus,
)
from tests.factories import Factory

pytestmark = pytest.mark.browser


@pytest.fixture
def browser(live_server, page):
    """The page with helpers: go to a path, sign in as a user (English pages)."""

    class Browser:
        def go(self, path: str):
            page.goto(live_server + path)
            return page

        def sign_in(self, user):
            self.go("/lang/en?next=/auth/login")
            page.get_by_label("Email").fill(user.email)
            page.get_by_label("Password").fill(Factory.PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_load_state()
            return page

        def sign_out(self):
            page.get_by_role("button", name="Sign out").click()
            page.wait_for_load_state()

    return Browser()


def confirm(page) -> None:
    """Answer the confirmation dialog of an irreversible action."""
    page.locator("#confirm-dialog").get_by_role("button", name="Confirm").click()


def fill_approval(page, inbox_page, application):
    """From the institution's inbox, take the application into review and fill the approval
    (180万元 at 4.8%); the approve form, ready to submit."""
    inbox_page.locator("#inbox").get_by_role("link", name=str(application.id)).click()
    page.get_by_role("button", name="Take into review").click()
    page.wait_for_load_state()
    approve = page.locator("#approve-form")
    approve.get_by_label("Approved amount (万元)").fill("180")
    approve.get_by_label("Approved rate (%)").fill("4.8")
    return approve


def shot(page, artifacts_dir, name: str) -> None:
    """Save a full-page screenshot as a test artifact."""
    page.screenshot(path=str(artifacts_dir / f"journey-{name}.png"), full_page=True)


def test_enterprise_registers_posts_compares_and_applies(
    db, world, browser, page, artifacts_dir, inbox
):
    page = browser.go("/lang/en?next=/auth/register/enterprise")
    page.get_by_label("Unified social credit code").fill(make_credit_code("91120116MA05KT4E1"))
    page.get_by_label("Company name").fill("天津新材料科技有限公司")
    page.get_by_label("District").select_option("120116")
    page.get_by_label("Industry").select_option("39")
    page.get_by_label("Contact person").fill("刘总")
    page.get_by_label("Phone").fill("022-88886666")
    page.get_by_label("Email (used to sign in)").fill("liu@newmaterial.cn")
    page.get_by_label("Password", exact=True).fill("Register2014ok")
    page.get_by_label("Repeat the password").fill("Register2014ok")
    page.get_by_role("button", name="Register").click()
    page.wait_for_url("**/auth/login")
    inbox.wait_for(1)
    browser.go(inbox.link(path="/auth/register/confirm/"))
    page.get_by_role("button", name="Confirm and open the account").click()
    page.wait_for_url("**/enterprise/")
    page.get_by_role("link", name="Post a financing request").first.click()
    amount = page.get_by_label("Amount needed (万元)")
    amount.fill("200")
    # The exact yuan is shown beneath as the firm types its 万元.
    expect(
        amount.locator("xpath=following-sibling::div[contains(@class,'wan-echo')]")
    ).to_have_text("= ¥2,000,000.00")
    page.get_by_label("Term (months)").fill("12")
    page.get_by_label("Purpose").fill("购置研发设备")
    shot(page, artifacts_dir, "enterprise-1-request-form")
    page.get_by_role("button", name="Save request").click()
    page.wait_for_url("**/requests/*")
    assert page.get_by_text("rule score").first.is_visible()
    shot(page, artifacts_dir, "enterprise-2-matched-products")
    page.get_by_label(world.credit_loan.name).check()
    page.get_by_label(world.ip_loan.name).check()
    page.get_by_role("button", name="Compare selected").click()
    page.wait_for_url("**/compare?*")
    table = page.locator("#comparison")
    # 科技信用贷 at 4.35% + 0.5% fees; the exact yuan is on hover (the title).
    assert table.locator('.cost-min [title="¥97,000.00"]').is_visible()
    shot(page, artifacts_dir, "enterprise-3-comparison")
    page.get_by_label(f"Apply to {world.credit_loan.name}").check()
    page.get_by_role("button", name="Apply to selected").click()
    page.wait_for_url("**/applications/*")
    assert page.locator('#timeline [data-to="submitted"]').is_visible()
    shot(page, artifacts_dir, "enterprise-4-application-timeline")
    db.session.rollback()
    application = db.session.scalars(sa.select(Application)).one()
    assert application.product_id == world.credit_loan.id
    assert application.status == ApplicationStatus.SUBMITTED


def test_institution_offers_from_the_pool_and_the_firm_accepts(
    db, world, post_request, browser, page, artifacts_dir
):
    request = post_request()
    db.session.commit()
    browser.sign_in(world.bank_user)
    browser.go("/institution/pool")
    row = page.locator(f'#pool tr[data-request-id="{request.id}"]')
    shot(page, artifacts_dir, "institution-1-demand-pool")
    row.get_by_role("link", name="Make an offer").click()
    page.get_by_label("Product").select_option(label=world.credit_loan.name)
    page.get_by_label("Rate offered (%)").fill("4.5")
    page.get_by_label("Message to the firm").fill("三个工作日内放款")
    page.get_by_role("button", name="Make offer").click()
    page.wait_for_url("**/institution/offers")
    browser.sign_out()
    browser.sign_in(world.firm_user)
    assert page.locator("#unread-count").inner_text() == "1"
    browser.go(f"/requests/{request.id}")
    assert page.locator("#offers-table").get_by_text("三个工作日内放款").is_visible()
    shot(page, artifacts_dir, "institution-2-firm-sees-offers")
    page.get_by_role("button", name="Accept offer").click()
    confirm(page)
    page.wait_for_url("**/applications/*")
    shot(page, artifacts_dir, "institution-3-offer-accepted")
    db.session.rollback()
    assert db.session.scalars(sa.select(Offer)).one().status == OfferStatus.ACCEPTED
    assert db.session.scalars(sa.select(Application)).one().from_offer


def test_institution_reviews_approves_and_disburses(
    db, world, post_request, browser, page, artifacts_dir
):
    application = services.submit_application(post_request(), world.credit_loan, world.firm_user)
    db.session.commit()
    browser.sign_in(world.bank_user)
    approve = fill_approval(page, browser.go("/institution/inbox"), application)
    shot(page, artifacts_dir, "decision-1-approve-form")
    approve.get_by_role("button", name="Approve").click()
    confirm(page)
    page.wait_for_load_state()
    page.locator("#approved-terms").wait_for()
    disburse = page.locator("#disburse-form")
    disburse.get_by_label("Amount disbursed (万元)").fill("180")
    # A double click submits the form twice; the hidden key makes it count once.
    disburse.get_by_role("button", name="Record disbursement").dblclick()
    page.wait_for_load_state()
    page.locator("#disbursements").wait_for()
    shot(page, artifacts_dir, "decision-2-disbursed")
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Disbursement.id))) == 1
    assert db.session.get(Application, application.id).status == ApplicationStatus.DISBURSED
    assert db.session.get(FinancingRequest, application.request_id).status.value == "fulfilled"


def test_specialist_sees_the_overdue_item_and_a_referral(
    db, world, post_request, browser, page, artifacts_dir
):
    overdue = services.submit_application(post_request(), world.credit_loan, world.firm_user)
    overdue.respond_by = datetime.now(UTC) - timedelta(hours=3)
    rejected = services.submit_application(post_request(), world.other_loan, world.firm_user)
    services.reject_application(rejected, world.other_bank_user, reason="amount_too_high")
    flag_overdue()
    db.session.commit()
    browser.sign_in(world.specialist)
    assert page.locator("#unread-count").inner_text() == "2"
    browser.go("/specialist/queue?tab=overdue")
    assert page.locator(f'#queue [data-application-id="{overdue.id}"]').is_visible()
    shot(page, artifacts_dir, "specialist-1-overdue-queue")
    browser.go("/specialist/queue?tab=rejected")
    assert page.locator(f'#queue [data-application-id="{rejected.id}"]').is_visible()
    browser.go("/notifications/")
    assert page.locator('[data-kind="application.rejected_specialist"]').is_visible()
    assert page.locator('[data-kind="application.overdue"]').is_visible()
    shot(page, artifacts_dir, "specialist-2-notifications")
    page.locator('[data-kind="application.rejected_specialist"]').get_by_role(
        "button", name="View"
    ).click()
    page.wait_for_url(f"**/applications/{rejected.id}")
    assert page.locator("#alternatives").is_visible()  # the next-best products to re-route to
    shot(page, artifacts_dir, "specialist-3-referral-alternatives")


def test_admin_approves_an_institution(db, make, world, browser, page, artifacts_dir):
    pending = make.institution(name="天津科技融资担保公司", kind_code="guarantee", status="pending")
    db.session.commit()
    browser.sign_in(world.admin)
    browser.go("/admin/")
    row = page.locator("tr", has_text=pending.name)
    shot(page, artifacts_dir, "admin-1-pending")
    row.get_by_role("button", name="Approve").click()
    page.wait_for_load_state()
    assert page.get_by_text(f"{pending.name} is approved.").is_visible()
    shot(page, artifacts_dir, "admin-2-approved")
    db.session.rollback()
    assert db.session.get(Institution, pending.id).status == InstitutionStatus.APPROVED
