"""Each journey through the pages (English, so assertions read the UI's own words)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from finplatform import clock
from finplatform.deals import services
from finplatform.models import (
    Application,
    ApplicationStatus,
    AuditEvent,
    ContactLog,
    Disbursement,
    FinancingRequest,
    Notification,
    Offer,
    Product,
    ProductStatus,
    Referral,
    Role,
    Target,
)


@pytest.fixture
def as_user(client, login):
    """Sign in as `user` and switch the pages to English."""

    def sign_in(user):
        client.post("/auth/logout")
        login(user)
        client.get("/lang/en")
        return client

    return sign_in


def text(response) -> str:
    """The page's HTML."""
    return response.get_data(as_text=True)


REQUEST_FORM = {
    "amount_wan": "200",
    "term_months": "12",
    "purpose": "Buy test equipment",
    "max_rate": "",
    "collateral_offered": "",
}


def test_enterprise_posts_a_request_and_sees_ranked_products(db, world, as_user):
    client = as_user(world.firm_user)
    response = client.post("/enterprise/requests/new", data=REQUEST_FORM)
    request = db.session.scalars(sa.select(FinancingRequest)).one()
    assert response.headers["Location"] == f"/requests/{request.id}"
    page = text(client.get(f"/requests/{request.id}"))
    assert "rule score" in page
    for product in (world.credit_loan, world.ip_loan, world.other_loan):
        assert product.name in page


def test_a_bad_request_form_keeps_what_was_typed_and_says_why(db, world, as_user):
    client = as_user(world.firm_user)
    page = text(
        client.post(
            "/enterprise/requests/new",
            data={**REQUEST_FORM, "amount_wan": "-0.0003", "purpose": "Keep this text"},
        )
    )
    assert "The value must be more than zero." in page
    assert "Keep this text" in page
    assert db.session.scalar(sa.select(sa.func.count(FinancingRequest.id))) == 0


def test_comparison_shows_total_cost_of_borrowing(db, world, as_user, post_request):
    request = post_request()
    db.session.commit()
    client = as_user(world.firm_user)
    page = text(
        client.get(
            f"/requests/{request.id}/compare"
            f"?product_id={world.credit_loan.id}&product_id={world.ip_loan.id}"
        )
    )
    # 科技信用贷: 200万 × 4.35% + 0.5% fees = 97,000; × 6.5% → 140,000.
    assert "¥97,000.00" in page and "¥140,000.00" in page
    # 知识产权质押贷: 200万 × 5% + 1% = 120,000; × 7% → 160,000.
    assert "¥120,000.00" in page and "¥160,000.00" in page


def test_enterprise_applies_to_two_products_and_follows_them(db, world, as_user, post_request):
    request = post_request()
    db.session.commit()
    client = as_user(world.firm_user)
    response = client.post(
        f"/enterprise/requests/{request.id}/apply",
        data={"product_id": [world.credit_loan.id, world.other_loan.id]},
    )
    assert response.headers["Location"] == "/enterprise/applications"
    page = text(client.get("/enterprise/applications"))
    assert world.credit_loan.name in page and world.other_loan.name in page
    assert page.count('data-status="submitted"') == 2


def test_profile_edit_validates_the_credit_code_and_shows_completeness(db, world, as_user):
    client = as_user(world.firm_user)
    form = {
        "credit_code": "91120116MA05JXXX0X",
        "name": world.firm.name,
        "district_code": world.firm.district_code,
        "industry_code": world.firm.industry_code,
        "employees": "85",
        "revenue_wan": "3100",
        "patents": "14",
    }
    page = text(client.post("/enterprise/profile", data=form))
    assert "85" in page  # typed value kept
    db.session.refresh(world.firm)
    assert world.firm.employees == 80
    form["credit_code"] = world.firm.credit_code
    form["founded_on"] = "2010-05-01"
    form["rd_spend_wan"] = "200"
    form["contact_name"] = "张经理"
    form["contact_phone"] = "022-12345678"
    assert client.post("/enterprise/profile", data=form).status_code == 302
    db.session.refresh(world.firm)
    assert (world.firm.employees, world.firm.founded_on) == (85, date(2010, 5, 1))
    assert 'id="completeness">100%' in text(client.get("/enterprise/"))


def test_institution_reviews_approves_and_disburses_once(db, world, as_user, post_request):
    application = services.submit_application(post_request(), world.credit_loan, world.firm_user)
    db.session.commit()
    client = as_user(world.bank_user)
    inbox = text(client.get("/institution/inbox?status=submitted"))
    assert world.firm.name in inbox
    client.post(f"/institution/applications/{application.id}/review")
    page = text(
        client.post(
            f"/institution/applications/{application.id}/approve",
            data={"amount_wan": "900", "rate": "4.8", "term_months": "12"},
        )
    )
    # Above the product's 500万元 ceiling: the page states the limit and asks for a reason.
    assert "maximum amount of 500万元" in page and "900" in page
    client.post(
        f"/institution/applications/{application.id}/approve",
        data={"amount_wan": "180", "rate": "4.8", "term_months": "12"},
    )
    form = {
        "idempotency_key": "form-key-1",
        "amount_wan": "180",
        "rate": "4.8",
        "term_months": "12",
        "disbursed_on": clock.today().isoformat(),
    }
    first = client.post(f"/institution/applications/{application.id}/disburse", data=form)
    second = client.post(f"/institution/applications/{application.id}/disburse", data=form)
    assert first.status_code == second.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Disbursement.id))) == 1
    page = text(client.get(f"/applications/{application.id}"))
    assert "This disbursement was already recorded." in page
    assert [
        s for s in ("submitted", "in_review", "approved", "disbursed") if f'data-to="{s}"' in page
    ]
    db.session.refresh(application)
    assert application.status == ApplicationStatus.DISBURSED


def test_institution_rejects_with_a_reason_and_the_firm_sees_alternatives(
    db, world, as_user, post_request
):
    application = services.submit_application(post_request(), world.credit_loan, world.firm_user)
    db.session.commit()
    client = as_user(world.bank_user)
    page = text(
        client.post(f"/institution/applications/{application.id}/reject", data={"reason": ""})
    )
    assert "This field is required." in page
    client.post(
        f"/institution/applications/{application.id}/reject",
        data={"reason": "credit_history", "note": "逾期记录"},
    )
    client = as_user(world.firm_user)
    page = text(client.get(f"/applications/{application.id}"))
    assert "Credit history does not meet our standard" in page and "逾期记录" in page
    assert 'id="alternatives"' in page and world.other_loan.name in page


def test_demand_pool_offer_and_acceptance(db, world, as_user, post_request):
    request = post_request()
    db.session.commit()
    client = as_user(world.bank_user)
    assert f'data-request-id="{request.id}"' in text(client.get("/institution/pool"))
    response = client.post(
        f"/institution/pool/{request.id}/offer",
        data={
            "product_id": world.credit_loan.id,
            "amount_wan": "200",
            "rate": "4.5",
            "term_months": "12",
            "note": "Fast approval",
        },
    )
    assert response.status_code == 302
    offer = db.session.scalars(sa.select(Offer)).one()
    client = as_user(world.firm_user)
    page = text(client.get(f"/requests/{request.id}"))
    assert "Fast approval" in page and world.bank.name in page
    response = client.post(f"/enterprise/offers/{offer.id}/accept")
    application = db.session.scalars(sa.select(Application)).one()
    assert response.headers["Location"] == f"/applications/{application.id}"
    assert application.from_offer


def test_specialist_sees_overdue_and_rejected_and_brokers(db, world, as_user, post_request):
    overdue = services.submit_application(post_request(), world.credit_loan, world.firm_user)
    overdue.respond_by = datetime.now(UTC) - timedelta(hours=2)
    rejected = services.submit_application(post_request(), world.other_loan, world.firm_user)
    services.reject_application(rejected, world.other_bank_user, reason="outside_policy")
    db.session.commit()
    client = as_user(world.specialist)
    assert f'data-application-id="{overdue.id}"' in text(
        client.get("/specialist/queue?tab=overdue")
    )
    assert f'data-application-id="{rejected.id}"' in text(
        client.get("/specialist/queue?tab=rejected")
    )
    client.post(
        f"/specialist/firms/{world.firm.id}/recommend",
        data={
            "recommend-product_id": world.ip_loan.id,
            "recommend-request_id": 0,
            "recommend-note": "Pledge your patents",
        },
    )
    client.post(
        f"/specialist/firms/{world.firm.id}/refer",
        data={"refer-institution_id": world.other_bank.id, "refer-note": "Strong firm"},
    )
    page = text(
        client.post(
            f"/specialist/firms/{world.firm.id}/contacts",
            data={"contact-channel": "visit", "contact-note": "", "contact-follow_up_on": ""},
        )
    )
    assert "This field is required." in page
    client.post(
        f"/specialist/firms/{world.firm.id}/contacts",
        data={
            "contact-channel": "visit",
            "contact-note": "Visited the plant",
            "contact-follow_up_on": (clock.today() + timedelta(days=7)).isoformat(),
        },
    )
    assert db.session.scalar(sa.select(sa.func.count(Referral.id))) == 2
    assert db.session.scalar(sa.select(ContactLog.note)) == "Visited the plant"
    client = as_user(world.firm_user)
    assert "Pledge your patents" in text(client.get("/enterprise/"))
    client = as_user(world.other_bank_user)
    assert world.firm.name in text(client.get("/institution/"))
    assert client.get(f"/enterprises/{world.firm.id}").status_code == 200


def test_products_post_edit_and_retire_keeps_history(db, world, as_user):
    client = as_user(world.bank_user)
    form = {
        "name": "Green loan",
        "kind_code": "credit_loan",
        "amount_min_wan": "500",
        "amount_max_wan": "100",
        "term_min_months": "6",
        "term_max_months": "24",
        "rate_min": "4",
        "rate_max": "6",
        "fee_rate": "0",
        "min_years": "0",
    }
    page = text(client.post("/institution/products/new", data=form))
    assert "The maximum must not be below the minimum." in page
    form["amount_max_wan"] = "900"
    assert client.post("/institution/products/new", data=form).status_code == 302
    product = db.session.scalar(sa.select(Product).where(Product.name == "Green loan"))
    client.post(f"/institution/products/{product.id}/retire")
    db.session.refresh(product)
    assert product.status == ProductStatus.RETIRED and product.retired_at is not None
    other = as_user(world.other_bank_user)
    assert other.get(f"/institution/products/{product.id}/edit").status_code == 404


def test_admin_assigns_in_bulk_edits_a_target_and_reads_the_audit_log(db, make, world, as_user):
    firms = [make.enterprise(district_code="120113") for _ in range(3)]
    db.session.commit()
    client = as_user(world.admin)
    client.post(
        "/admin/assignments/bulk",
        data={
            "district_code": "120113",
            "industry_code": "",
            "specialist_id": world.specialist.id,
            "only_unassigned": "y",
        },
    )
    for firm in firms:
        db.session.refresh(firm)
        assert firm.specialist_id == world.specialist.id
    target = db.session.scalar(sa.select(Target).where(Target.metric == "financing_facilitated"))
    client.post(f"/admin/targets/{target.id}", data={"value": "250"})
    db.session.refresh(target)
    assert target.value == Decimal("250") and target.value_yuan == Decimal("25000000000")
    page = text(client.get("/admin/audit?action=target"))
    rows = page.split('id="audit"')[1]
    assert "<td>Target changed</td>" in rows and "Before: 200" in rows and "After: 250" in rows
    assert "Firms assigned to a specialist in bulk" not in rows and "{" not in rows
    assert (
        db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(
                AuditEvent.action == "enterprise.bulk_assigned"
            )
        )
        == 1
    )


def test_notifications_unread_count_and_opening(db, world, as_user, post_request):
    application = services.submit_application(post_request(), world.credit_loan, world.firm_user)
    db.session.commit()
    client = as_user(world.bank_user)
    assert 'id="unread-count" title="Unread">1<' in text(client.get("/institution/"))
    notification = db.session.scalars(sa.select(Notification)).one()
    assert world.firm.name in text(client.get("/notifications/"))
    response = client.post(f"/notifications/{notification.id}/open")
    assert response.headers["Location"] == f"/applications/{application.id}"
    assert 'id="unread-count"' not in text(client.get("/institution/"))
    other = as_user(world.firm_user)
    assert other.post(f"/notifications/{notification.id}/open").status_code == 404


def test_the_unread_count_follows_each_new_and_read_notification(db, world, as_user, post_request):
    # Each page shows the count it had a moment ago only while nothing changed (with Redis the
    # count is kept between pages): a new notification, opening one and reading all show at once.
    request = post_request()
    services.submit_application(request, world.credit_loan, world.firm_user)
    db.session.commit()
    client = as_user(world.bank_user)
    assert 'id="unread-count" title="Unread">1<' in text(client.get("/institution/"))
    assert 'id="unread-count" title="Unread">1<' in text(client.get("/institution/inbox"))
    services.submit_application(request, world.ip_loan, world.firm_user)
    db.session.commit()
    assert 'id="unread-count" title="Unread">2<' in text(client.get("/institution/"))
    first = db.session.scalars(sa.select(Notification).order_by(Notification.id)).first()
    client.post(f"/notifications/{first.id}/open")
    assert 'id="unread-count" title="Unread">1<' in text(client.get("/institution/"))
    client.post("/notifications/read-all")
    assert 'id="unread-count"' not in text(client.get("/institution/"))
    # The firm's own count is its own: none of these were for it.
    assert 'id="unread-count"' not in text(as_user(world.firm_user).get("/enterprise/"))


def test_the_account_menu_names_whoever_is_signed_in(db, make, world, as_user):
    # The menu is rendered once and kept for every page and person; each sees their own name,
    # escaped like any text they typed, and nobody else's.
    typed = make.user(Role.INSTITUTION, institution=world.bank, name="<b>钱</b>经理")
    db.session.commit()
    menu = 'data-bs-toggle="dropdown" aria-expanded="false">{}</a>'
    first = text(as_user(world.bank_user).get("/institution/inbox"))
    second = text(as_user(world.other_bank_user).get("/institution/inbox"))
    third = text(as_user(typed).get("/institution/inbox"))
    assert menu.format("李行长") in first and "赵经理" not in first
    assert menu.format("赵经理") in second and "李行长" not in second
    assert menu.format("&lt;b&gt;钱&lt;/b&gt;经理") in third and "<b>钱" not in third
