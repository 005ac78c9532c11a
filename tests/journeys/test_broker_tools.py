"""The specialist's and the firm's tools: recommendations from the firm's ranked matches, a
history that names product and institution, a portfolio with each firm's status, product pages,
applied products marked, rate-less products, and the products a request does not qualify for."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from finplatform import clock
from finplatform.deals import services
from finplatform.models import ContactChannel, ContactLog


@pytest.fixture
def as_user(client, login):
    """Sign in as `user` (Chinese pages)."""

    def sign_in(user):
        client.post("/auth/logout")
        login(user)
        return client

    return sign_in


def test_the_recommend_list_is_the_firms_ranked_matches_best_first(
    db, world, make, as_user, post_request
):
    unrelated = make.product(
        world.bank,
        name="远郊设备租赁",
        amount_min_yuan=Decimal("90000000"),
        amount_max_yuan=Decimal("99000000"),
    )
    request = post_request()
    db.session.commit()
    page = (
        as_user(world.specialist).get(f"/specialist/firms/{world.firm.id}").get_data(as_text=True)
    )
    form = page[page.index('id="recommend-form"') :]
    offered = re.findall(
        r'<option[^>]*value="(\d+)"[^>]*>([^<]*)</option>', form.split("</select>")[0]
    )
    ids = {int(value) for value, _label in offered}
    assert ids == {world.credit_loan.id, world.ip_loan.id, world.other_loan.id}
    assert unrelated.id not in ids  # the catalogue is not offered, only what was matched
    assert all(label.startswith("第") for _value, label in offered)
    first = re.search(r'<option selected[^>]*value="(\d+)"', form) or re.search(
        r'<option[^>]*value="(\d+)"[^>]*selected', form
    )
    assert first is not None and int(first.group(1)) == int(offered[0][0])
    assert f'value="{request.id}" selected' in form or re.search(
        rf'<option selected[^>]*value="{request.id}"', form
    )


def test_the_history_names_product_and_institution(db, world, as_user, post_request):
    post_request()
    db.session.commit()
    client = as_user(world.specialist)
    client.post(
        f"/specialist/firms/{world.firm.id}/recommend",
        data={
            "recommend-product_id": world.ip_loan.id,
            "recommend-request_id": 0,
            "recommend-note": "适合专利多的企业",
        },
    )
    page = client.get(f"/specialist/firms/{world.firm.id}").get_data(as_text=True)
    history = page[page.index('id="referrals"') :].split("</ul>")[0]
    assert "知识产权质押贷" in history and "滨海科技支行" in history
    assert f"/products/{world.ip_loan.id}" in history


def test_portfolio_rows_show_open_request_last_contact_and_next_follow_up(
    db, world, as_user, post_request
):
    request = post_request()
    now = clock.now()
    for days_ago, follow_up in ((10, 3), (2, 7)):
        db.session.add(
            ContactLog(
                specialist_id=world.specialist.id,
                enterprise_id=world.firm.id,
                channel=ContactChannel.CALL,
                happened_at=now - timedelta(days=days_ago),
                follow_up_on=clock.today() + timedelta(days=follow_up),
            )
        )
    db.session.commit()
    page = as_user(world.specialist).get("/specialist/").get_data(as_text=True)
    row = page[page.index(f'data-firm-id="{world.firm.id}"') :].split("</tr>")[0]
    assert f"#{request.id}" in row and "200万元" in row
    last = (now - timedelta(days=2)).astimezone(clock.BEIJING).date().isoformat()
    assert last in row
    assert (clock.today() + timedelta(days=3)).isoformat() in row


def test_a_product_page_shows_terms_eligibility_institution_and_similar_products(
    db, world, as_user
):
    page = as_user(world.firm_user).get(f"/products/{world.credit_loan.id}").get_data(as_text=True)
    assert "科技信用贷" in page and "滨海科技支行" in page
    assert "50万元" in page and "500万元" in page and "4.35–6.5%" in page
    similar = page[page.index('id="similar-products"') :]
    assert "小巨人成长贷" in similar  # the other bank's credit loan
    assert "知识产权质押贷" not in similar  # another kind


def test_applied_products_are_marked_on_the_request_and_their_page(
    db, world, as_user, post_request
):
    request = post_request()
    application = services.submit_application(request, world.credit_loan, world.firm_user)
    db.session.commit()
    client = as_user(world.firm_user)
    page = client.get(f"/requests/{request.id}").get_data(as_text=True)
    applied_row = page[page.index(f'data-product-id="{world.credit_loan.id}"') :].split("</tr>")[0]
    assert "data-applied" in applied_row and "已申请" in applied_row
    other_row = page[page.index(f'data-product-id="{world.other_loan.id}"') :].split("</tr>")[0]
    assert "data-applied" not in other_row
    detail = client.get(f"/products/{world.credit_loan.id}").get_data(as_text=True)
    assert 'id="already-applied"' in detail and f"/applications/{application.id}" in detail


def test_an_equity_product_shows_no_rate_instead_of_zero_to_zero(db, world, make, as_user):
    fund = make.product(
        world.bank,
        name="天使投资计划",
        kind_code="equity_investment",
        rate_min=Decimal("0"),
        rate_max=Decimal("0"),
    )
    db.session.commit()
    page = as_user(world.firm_user).get(f"/products/{fund.id}").get_data(as_text=True)
    assert "0–0%" not in page
    assert "不计息" in page


def test_products_the_request_does_not_qualify_for_are_listed_with_the_reason(
    db, world, make, as_user, post_request
):
    giants = make.product(world.other_bank, name="小巨人专享贷", little_giant_only=True)
    request = post_request()
    db.session.commit()
    page = as_user(world.firm_user).get(f"/requests/{request.id}").get_data(as_text=True)
    excluded = page[page.index('id="excluded-products"') :].split("</details>")[0]
    assert f'data-product-id="{giants.id}"' in excluded
    reason = excluded[: excluded.index(f'data-product-id="{giants.id}"')]
    assert "小巨人" in reason.rsplit("excluded-reason", 1)[1]
    assert f'data-product-id="{world.credit_loan.id}"' not in excluded


def test_the_not_qualified_list_names_each_institution_and_follows_an_edited_request(
    db, world, make, as_user, post_request
):
    # At most 100万元: a request for 200万元 does not qualify, one for 80万元 does.
    small = make.product(
        world.other_bank,
        name="微贷通",
        amount_min_yuan=Decimal("100000"),
        amount_max_yuan=Decimal("1000000"),
    )
    request = post_request(amount_yuan=Decimal("2000000"))
    db.session.commit()
    client = as_user(world.firm_user)

    def listed() -> str:
        page = client.get(f"/requests/{request.id}").get_data(as_text=True)
        if 'id="excluded-products"' not in page:
            return ""
        return page[page.index('id="excluded-products"') :].split("</details>")[0]

    excluded = listed()
    assert f'data-product-id="{small.id}"' in excluded
    row = excluded.split(f'data-product-id="{small.id}"')[1].split("</li>")[0]
    assert f'href="/products/{small.id}"' in row
    assert "微贷通" in row and world.other_bank.name in row
    assert listed() == excluded  # asked again (from the cache with Redis): the same list
    services.update_request(
        request,
        world.firm_user,
        amount_yuan=Decimal("800000"),
        term_months=12,
        purpose="研发设备采购",
        kind_codes=[],
    )
    db.session.commit()
    assert f'data-product-id="{small.id}"' not in listed()
