"""The demand pool's SQL rules agree with the ranking engine's eligibility."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from finplatform.models import (
    CommunityMembership,
    Enterprise,
    FinancingRequest,
    ProductKind,
)
from finplatform.ranking.pool import pool_condition
from finplatform.ranking.service import eligibility_failures


def pool_ids(db, institution_id: int) -> set[int]:
    """The ids of requests in the institution's pool."""
    dialect = db.session.get_bind().dialect.name
    return set(
        db.session.scalars(
            sa.select(FinancingRequest.id)
            .join(Enterprise, Enterprise.id == FinancingRequest.enterprise_id)
            .where(pool_condition(institution_id, dialect))
        )
    )


@pytest.mark.parametrize(
    ("product_values", "firm_values", "request_values"),
    [
        ({}, {}, {}),
        ({"amount_max_yuan": Decimal("1000000")}, {}, {}),
        ({"term_min_months": 24}, {}, {}),
        ({"min_years": 3}, {"founded_on": date.today()}, {}),
        ({"min_years": 3}, {"founded_on": date(2005, 1, 1)}, {}),
        ({"min_revenue_yuan": Decimal("50000000")}, {"revenue_yuan": Decimal("1000")}, {}),
        ({"little_giant_only": True}, {"is_little_giant": False}, {}),
        ({"little_giant_only": True}, {"is_little_giant": True}, {}),
        ({"rate_min": Decimal("6")}, {}, {"max_rate": Decimal("5")}),
        ({"kind_code": "ip_pledge"}, {}, {"kinds": ["credit_loan"]}),
        ({"kind_code": "leasing"}, {}, {"kinds": ["other"]}),
        ({"members_only": True}, {}, {}),
        ({"members_only": True}, {"member": True}, {}),
    ],
)
def test_sql_pool_and_engine_agree(make, db, product_values, firm_values, request_values):
    community = make.institution(kind_code="credit_community")
    product = make.product(community, **product_values)
    member = firm_values.pop("member", False)
    firm = make.enterprise(**firm_values)
    if member:
        db.session.add(CommunityMembership(community_id=community.id, enterprise_id=firm.id))
    kinds = request_values.pop("kinds", [])
    request = make.financing_request(firm, **request_values)
    request.accepted_kinds = [db.session.get(ProductKind, code) for code in kinds]
    db.session.commit()
    engine_says_fits = product.id not in eligibility_failures(request, [product])
    assert (request.id in pool_ids(db, community.id)) == engine_says_fits


def test_closed_requests_and_suspended_institutions_have_no_pool(make, db):
    bank = make.institution()
    make.product(bank)
    request = make.financing_request()
    db.session.commit()
    assert pool_ids(db, bank.id) == {request.id}
    bank.status = "suspended"
    db.session.commit()
    assert pool_ids(db, bank.id) == set()
