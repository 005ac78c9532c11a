"""Every number a person or a system sends is held to what its database column stores: a
field message (not a 500 or a bare 400 page) in forms, a 422 naming the field in the API, a
problem naming row and column in imports; lone surrogates in JSON are a 400 problem."""

from __future__ import annotations

import csv
import importlib
import io
import pkgutil
from decimal import Decimal
from pathlib import Path

import pytest
from flask_wtf import FlaskForm

import finplatform
from finplatform import clock
from finplatform.api.tokens import create_token
from finplatform.forms_support import PlatformForm
from finplatform.imports import services as import_services
from finplatform.models import ApplicationStatus, ImportBatch, Role
from tests.route_world import build_world

TOO_LARGE_ZH = "数值过大"
HUGE = ["1e30", "99999999999999999999", "-1e30"]
NOT_NUMBERS = ["NaN", "Infinity", "sNaN"]
INTEGER_FIELDS = {"employees"}


@pytest.fixture
def world(make, db):
    return build_world(make, db)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_form_of_the_platform_is_held_to_column_ranges():
    for module in pkgutil.walk_packages(finplatform.__path__, "finplatform."):
        if module.name.endswith((".forms", "forms_support")):
            importlib.import_module(module.name)
    forms = [c for c in _subclasses(FlaskForm) if c.__module__.startswith("finplatform.")]
    assert len(forms) > 10
    assert [c.__name__ for c in forms if not issubclass(c, PlatformForm)] == []


def _product(**values) -> dict:
    return {
        "name": "上限贷",
        "kind_code": "credit_loan",
        "amount_min_wan": "50",
        "amount_max_wan": "500",
        "term_min_months": "6",
        "term_max_months": "36",
        "rate_min": "4",
        "rate_max": "6",
        **values,
    }


FORMS = [
    (Role.INSTITUTION, "/institution/products/new", _product, "amount_max_wan"),
    (Role.INSTITUTION, "/institution/products/new", _product, "min_revenue_wan"),
    (
        Role.ENTERPRISE,
        "/enterprise/requests/new",
        lambda **v: {"term_months": "12", "purpose": "研发", "amount_wan": "0.01", **v},
        "amount_wan",
    ),
    (
        Role.INSTITUTION,
        "/institution/applications/{own_application}/approve",
        lambda **v: {"amount_wan": "0.1", "rate": "5", "term_months": "12", **v},
        "amount_wan",
    ),
    (
        Role.INSTITUTION,
        "/institution/applications/{own_application}/disburse",
        lambda **v: {
            "idempotency_key": "k1",
            "amount_wan": "0.1",
            "rate": "5",
            "term_months": "12",
            "disbursed_on": "2026-01-05",
            **v,
        },
        "amount_wan",
    ),
    (
        Role.ENTERPRISE,
        "/enterprise/profile",
        lambda **v: {"name": "某公司", "district_code": "120116", "industry_code": "39", **v},
        "revenue_wan",
    ),
    (
        Role.ENTERPRISE,
        "/enterprise/profile",
        lambda **v: {"name": "某公司", "district_code": "120116", "industry_code": "39", **v},
        "employees",
    ),
]


def _ready_for(world, path: str) -> None:
    """The application in the state whose form the path posts (approve: in review)."""
    application = world["own_application"]
    if path.endswith("/approve"):
        application.status = ApplicationStatus.IN_REVIEW
    elif path.endswith("/disburse"):
        application.status = ApplicationStatus.APPROVED
        application.approved_amount_yuan = Decimal("1000000")
        application.approved_rate = Decimal("5")
        application.approved_term_months = 12
        application.decided_at = clock.now()


@pytest.mark.parametrize(("role", "path", "data", "field"), FORMS)
@pytest.mark.parametrize("value", HUGE + NOT_NUMBERS)
def test_a_number_no_column_holds_gets_a_field_message(
    client, login, world, role, path, data, field, value
):
    _ready_for(world, path)
    login(world["users"][role])
    url = path.format(own_application=world["own_application"].id)
    response = client.post(url, data=data(**{field: value}), follow_redirects=True)
    assert response.status_code == 200, (url, field, value, response.status_code)
    page = response.get_data(as_text=True)
    expected = "请输入数字" if value in NOT_NUMBERS else TOO_LARGE_ZH
    if field in INTEGER_FIELDS and not value.isdigit():
        expected = "整数"  # not a whole number at all: the integer field's own message
    assert expected in page, (url, field, value)
    assert 'class="invalid-feedback' in page  # shown on the field


def _bearer(db, user) -> dict:
    _row, token = create_token(user, "bounds")
    db.session.commit()
    return {"Authorization": f"Bearer {token}", "Accept-Language": "zh-CN"}


def test_the_api_names_the_field_of_an_oversized_amount(client, db, world):
    headers = _bearer(db, world["users"][Role.INSTITUTION])
    body = {
        "name": "上限贷",
        "kind_code": "credit_loan",
        "amount_min_yuan": "1",
        "amount_max_yuan": "1e30",
        "term_min_months": 6,
        "term_max_months": 99999999999,
        "rate_min": "4",
        "rate_max": "6",
    }
    response = client.post("/api/v1/products", json=body, headers=headers)
    assert response.status_code == 422
    errors = response.json["errors"]["json"]
    assert TOO_LARGE_ZH in errors["amount_max_yuan"][0]
    assert TOO_LARGE_ZH in errors["term_max_months"][0]


@pytest.mark.parametrize("text", ["\\ud800", "a\\udfff", "\\ud800\\u0041"])
def test_a_lone_surrogate_in_json_is_a_400_problem(client, db, world, text):
    headers = _bearer(db, world["users"][Role.ENTERPRISE])
    body = '{"amount_yuan": "100", "term_months": 12, "purpose": "' + text + '"}'
    response = client.post(
        "/api/v1/requests", data=body, content_type="application/json", headers=headers
    )
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"


def test_a_surrogate_pair_is_an_ordinary_character(client, db, world):
    headers = _bearer(db, world["users"][Role.ENTERPRISE])
    body = '{"amount_yuan": "100000", "term_months": 12, "purpose": "\\ud83d\\ude00"}'
    response = client.post(
        "/api/v1/requests", data=body, content_type="application/json", headers=headers
    )
    assert response.status_code != 400


@pytest.mark.parametrize(
    ("column", "value"),
    [("营业收入（万元）", "1e30"), ("员工人数", "99999999999"), ("专利数", "1e20")],
)
def test_an_import_names_the_row_and_column_of_an_oversized_number(db, column, value):
    fixture = Path(__file__).parent / "fixtures" / "imports" / "enterprises.csv"
    lines = fixture.read_text(encoding="utf-8-sig").splitlines()
    header = next(csv.reader([lines[0]]))
    first = next(csv.reader([lines[1]]))
    first[header.index(column)] = value
    out = io.StringIO()
    csv.writer(out).writerows([header, first])
    batch = ImportBatch(kind="enterprises", filename="big.csv", good_rows_only=False)
    db.session.add(batch)
    db.session.flush()
    result = import_services.run_import(batch, out.getvalue().encode(), actor=None)
    db.session.commit()
    assert result["status"] == "rejected"
    assert [(e["row"], e["column"]) for e in batch.errors] == [(2, column)]
    assert TOO_LARGE_ZH in batch.errors[0]["reason"]
