"""Forms people can fill: money in 万元, checkboxes, every error at once, phone numbers checked,
and a district that disagrees with the credit code's registration area warned about."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from finplatform.credit_code import make_credit_code, registered_in
from finplatform.models import Enterprise, FinancingRequest, Product, User
from finplatform.phone_numbers import normalize_phone
from tests.test_registration import firm_form, register_and_confirm


def _errors(response) -> list[str]:
    return re.findall(r"invalid-feedback[^>]*>([^<]*)<", response.get_data(as_text=True))


def _request(**values) -> dict:
    return {"amount_wan": "500", "term_months": "12", "purpose": "研发设备", **values}


@pytest.mark.parametrize(
    ("typed", "yuan"),
    [
        ("500", Decimal("5000000.00")),
        ("1,234.5", Decimal("12345000.00")),
        ("0.000001", Decimal("0.01")),
        ("12.345678", Decimal("123456.78")),
    ],
)
def test_an_amount_typed_in_wan_is_stored_as_the_exact_yuan(client, db, login, world, typed, yuan):
    login(world.firm_user)
    response = client.post("/enterprise/requests/new", data=_request(amount_wan=typed))
    assert response.status_code == 302, _errors(response)
    assert db.session.scalars(sa.select(FinancingRequest.amount_yuan)).one() == yuan


def test_more_than_fen_precision_is_refused_in_wan_words(client, db, login, world):
    login(world.firm_user)
    response = client.post("/enterprise/requests/new", data=_request(amount_wan="1.0000001"))
    assert _errors(response) == ["以万元填写的金额最多六位小数（精确到分）。"]
    assert db.session.scalar(sa.select(sa.func.count(FinancingRequest.id))) == 0


def test_the_form_shows_wan_and_the_page_carries_the_yuan_echo(client, db, login, world):
    login(world.firm_user)
    client.post("/enterprise/requests/new", data=_request(amount_wan="250"))
    request_id = db.session.scalars(sa.select(FinancingRequest.id)).one()
    page = client.get(f"/enterprise/requests/{request_id}/edit").get_data(as_text=True)
    field = re.search(r'<input[^>]*name="amount_wan"[^>]*>', page).group(0)
    assert 'value="250"' in field and "data-wan-amount" in field
    assert "融资金额（万元）" in page
    assert "/static/forms.js" in page


def test_kinds_are_checkboxes_not_a_ctrl_click_list(client, db, login, world):
    login(world.firm_user)
    page = client.get("/enterprise/requests/new").get_data(as_text=True)
    assert "<select multiple" not in page and 'multiple="multiple"' not in page
    assert re.search(r'type="checkbox" name="kind_codes"[^>]*value="credit_loan"', page)
    client.post("/enterprise/requests/new", data=_request(kind_codes=["credit_loan", "ip_pledge"]))
    request = db.session.scalars(sa.select(FinancingRequest)).one()
    assert sorted(k.code for k in request.accepted_kinds) == ["credit_loan", "ip_pledge"]


def test_product_form_takes_wan_and_filters_long_lists(client, db, login, world):
    login(world.bank_user)
    page = client.get("/institution/products/new").get_data(as_text=True)
    assert "data-choice-filter" in page  # districts and industries are long: a filter box
    form = {
        "name": "万元贷",
        "kind_code": "credit_loan",
        "amount_min_wan": "50",
        "amount_max_wan": "1000",
        "term_min_months": "6",
        "term_max_months": "36",
        "rate_min": "4",
        "rate_max": "6",
        "min_revenue_wan": "2000",
        "district_codes": ["120116", "120104"],
    }
    assert client.post("/institution/products/new", data=form).status_code == 302
    product = db.session.scalar(sa.select(Product).where(Product.name == "万元贷"))
    assert (product.amount_min_yuan, product.amount_max_yuan) == (500000, 10000000)
    assert product.min_revenue_yuan == 20000000
    assert sorted(d.code for d in product.districts) == ["120104", "120116"]


def test_every_error_of_a_form_is_shown_at_once_beside_its_field(client, db):
    response = client.post(
        "/auth/register/enterprise",
        data={
            "credit_code": "91120116MA05KT4E1X",
            "company_name": "",
            "district": "120116",
            "industry": "39",
            "contact_name": "张三",
            "phone": "abc",
            "email": "not-an-email",
            "password": "Haihe-river-2049",
            "confirm": "Haihe-river-2050",
        },
    )
    errors = _errors(response)
    assert len(errors) == 4, errors  # name, phone, e-mail and the repeated password, together
    assert any(e.startswith("请填写手机号码（以13–19开头的11位数字）") for e in errors)
    assert any("必填" in e for e in errors)
    assert any("邮箱" in e or "电子邮件" in e for e in errors)
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("13800000000", "13800000000"),
        ("+86 138 0000 0000", "13800000000"),
        ("022-23456789", "022-23456789"),
        ("(022) 2345 6789", "022-23456789"),
        ("0571-8765432", "0571-8765432"),
        ("010-12345678转123", "010-12345678-123"),
        ("", None),
    ],
)
def test_mobile_and_landline_numbers_are_accepted_and_tidied(typed, stored):
    assert normalize_phone(typed) == stored


@pytest.mark.parametrize(
    "typed", ["abc", "12345", "12800000000", "1380000000", "23456789", "022-123", "1380000000a"]
)
def test_anything_else_is_not_a_phone_number(typed):
    with pytest.raises(ValueError, match="022-23456789"):
        normalize_phone(typed)


def test_the_profile_refuses_a_phone_number_with_letters(client, db, login, world):
    login(world.firm_user)
    form = {
        "credit_code": world.firm.credit_code,
        "name": world.firm.name,
        "district_code": "120116",
        "industry_code": world.firm.industry_code,
        "contact_phone": "abc",
    }
    errors = _errors(client.post("/enterprise/profile", data=form))
    assert any("带区号的固定电话" in e for e in errors)
    db.session.refresh(world.firm)
    assert world.firm.contact_phone != "abc"


@pytest.mark.parametrize(
    ("area", "district", "agrees"),
    [
        ("120116", "120116", True),  # registered in 滨海新区
        ("120100", "120116", True),  # registered by the city
        ("120000", "120104", True),  # registered by the province-level city
        ("110105", "120116", False),  # Beijing's 朝阳区
        ("120101", "120116", False),  # 和平区, not 滨海新区
    ],
)
def test_a_credit_codes_registration_area_agrees_with_districts_below_it(area, district, agrees):
    code = make_credit_code(f"91{area}MA05KT4E1")
    assert registered_in(code, district) is agrees


def _register(client, inbox, code: str, district: str):
    """Register through the mailed link; the page the firm lands on."""
    form = firm_form(credit_code=code, company_name="京津科技有限公司", district=district)
    landed = register_and_confirm(client, inbox, "/auth/register/enterprise", form)
    return client.get(landed.headers["Location"])


def test_a_beijing_code_in_a_tianjin_district_is_registered_with_a_warning(client, db, inbox):
    page = _register(client, inbox, make_credit_code("91110105MA05KT4E1"), "120116").get_data(
        as_text=True
    )
    assert db.session.scalar(sa.select(sa.func.count(Enterprise.id))) == 1
    assert "alert-warning" in page
    assert "登记地为行政区划代码为110105的地区，但所选区为滨海新区" in page


def test_a_code_registered_in_the_chosen_district_raises_no_warning(client, db, inbox):
    page = _register(client, inbox, make_credit_code("91120116MA05KT4E1"), "120116").get_data(
        as_text=True
    )
    assert db.session.scalar(sa.select(sa.func.count(Enterprise.id))) == 1
    assert "alert-warning" not in page
