"""What would make a request eligible: one suggestion per failing rule, the nearest passing
value, shown to the firm and its specialist; what the firm cannot change is said so."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from finplatform.credit.eligibility_help import excluded_products
from finplatform.models import District, Role


@pytest.fixture
def request_and_products(db, make, pin_today):
    pin_today(date(2014, 6, 1))
    firm = make.enterprise(founded_on=date(2013, 3, 15))  # 滨海新区, industry 39
    bank = make.institution(name="津城银行科技支行")
    products = {
        "small": make.product(bank, name="小额科技贷", amount_max_yuan=Decimal("3000000")),
        "old": make.product(bank, name="成长贷", min_years=2),
        "elsewhere": make.product(bank, name="和平区专享贷"),
        "dear": make.product(bank, name="高息贷", rate_min=Decimal("7"), rate_max=Decimal("9")),
        "many": make.product(
            bank, name="长期贷", term_min_months=36, term_max_months=60, min_years=3
        ),
        "open": make.product(bank, name="普惠贷"),
    }
    products["elsewhere"].districts.append(db.session.get(District, "120101"))
    request = make.financing_request(
        firm,
        amount_yuan=Decimal("5000000"),
        term_months=24,
        max_rate=Decimal("6.5"),
        created_at=datetime(2014, 6, 1, 2, tzinfo=UTC),
    )
    db.session.commit()
    return request, products


def _by_name(found):
    return {
        item.product.name: [(s.reason, s.suggestion, s.changeable) for s in item.suggestions]
        for item in found
    }


def test_each_failing_rule_gets_the_nearest_value_that_passes(app, request_and_products):
    request, _products = request_and_products
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        found = _by_name(excluded_products(request))
    assert "普惠贷" not in found
    assert found["小额科技贷"] == [("申请金额不在产品额度范围内", "申请金额降至 300万元以内", True)]
    assert found["成长贷"] == [("企业成立年限低于产品要求", "成立满 2 年后（2015-03）可申请", True)]
    assert found["高息贷"] == [
        ("产品最低利率高于企业可接受的最高利率", "可接受的最高利率提高到 7% 及以上", True)
    ]
    # Two rules fail: one suggestion each, in the rules' order.
    assert found["长期贷"] == [
        ("申请期限不在产品期限范围内", "申请期限延长至 36 个月及以上", True),
        ("企业成立年限低于产品要求", "成立满 3 年后（2016-03）可申请", True),
    ]
    ((reason, suggestion, changeable),) = found["和平区专享贷"]
    assert (reason, changeable) == ("企业所在区不在产品服务区域内", False)
    assert "无法" in suggestion


def test_the_firm_and_its_specialist_see_the_list_and_others_do_not(
    db, make, client, login, request_and_products
):
    request, _products = request_and_products
    firm_user = make.user(Role.ENTERPRISE, enterprise=request.enterprise)
    specialist = make.user(Role.SPECIALIST)
    request.enterprise.specialist_id = specialist.id
    stranger = make.user(Role.SPECIALIST)
    db.session.commit()
    pages = {
        firm_user: f"/enterprise/requests/{request.id}/eligibility",
        specialist: f"/specialist/requests/{request.id}/eligibility",
    }
    for user, path in pages.items():
        login(user)
        page = client.get(path).get_data(as_text=True)
        assert "申请金额降至 300万元以内" in page
        assert "成立满 2 年后（2015-03）可申请" in page
        assert "企业无法改变" in page  # the district badge
        assert "普惠贷" not in page
        client.post("/auth/logout")
    login(stranger)
    assert client.get(pages[specialist]).status_code == 404
