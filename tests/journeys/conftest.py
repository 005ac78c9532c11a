"""Journey fixtures: a small world with a firm, its specialist, two banks and their products."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from finplatform.deals.services import create_request
from finplatform.models import Enterprise, Institution, Product, Role, User


@dataclass
class World:
    """Everyone a deal involves, committed so other sessions (threads, browser) see them."""

    firm: Enterprise
    firm_user: User
    specialist: User
    bank: Institution
    bank_user: User
    other_bank: Institution
    other_bank_user: User
    admin: User
    credit_loan: Product
    ip_loan: Product
    other_loan: Product


@pytest.fixture
def world(make, db) -> World:
    """A firm assigned to a specialist; two approved banks with three products that fit a
    200万元, 12-month request of the firm."""
    specialist = make.user(Role.SPECIALIST, name="王专员")
    firm = make.enterprise(
        name="津科智能有限公司",
        revenue_yuan=Decimal("30000000"),
        employees=80,
        patents=12,
        specialist_id=specialist.id,
    )
    firm_user = make.user(Role.ENTERPRISE, enterprise=firm, name="张经理")
    bank = make.institution(name="滨海科技支行")
    bank_user = make.user(Role.INSTITUTION, institution=bank, name="李行长")
    other_bank = make.institution(name="北辰农商银行", kind_code="bank")
    other_bank_user = make.user(Role.INSTITUTION, institution=other_bank, name="赵经理")
    admin = make.user(Role.ADMIN, name="管理员")
    credit_loan = make.product(bank, name="科技信用贷", fee_rate=Decimal("0.5"), pool_covered=True)
    ip_loan = make.product(
        bank,
        name="知识产权质押贷",
        kind_code="ip_pledge",
        rate_min=Decimal("5.0"),
        rate_max=Decimal("7.0"),
        fee_rate=Decimal("1.0"),
        collateral_required=True,
    )
    other_loan = make.product(
        other_bank, name="小巨人成长贷", rate_min=Decimal("3.9"), rate_max=Decimal("5.5")
    )
    db.session.commit()
    return World(
        firm=firm,
        firm_user=firm_user,
        specialist=specialist,
        bank=bank,
        bank_user=bank_user,
        other_bank=other_bank,
        other_bank_user=other_bank_user,
        admin=admin,
        credit_loan=credit_loan,
        ip_loan=ip_loan,
        other_loan=other_loan,
    )


@pytest.fixture
def post_request(world):
    """Post a financing request for the world's firm through the service."""

    def post(**values):
        values.setdefault("amount_yuan", Decimal("2000000"))
        values.setdefault("term_months", 12)
        values.setdefault("purpose", "研发设备采购")
        values.setdefault("kind_codes", [])
        return create_request(world.firm, world.firm_user, **values)

    return post
