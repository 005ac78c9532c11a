"""The demand pool's SQL rules agree with the ranking engine's eligibility."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from finplatform import clock
from finplatform.models import (
    CommunityMembership,
    District,
    Enterprise,
    FinancingRequest,
    Industry,
    ProductKind,
    Role,
)
from finplatform.ranking.pool import pool_condition
from finplatform.ranking.service import eligibility_failures


def pool_ids(db, institution_id: int) -> set[int]:
    """The ids of requests in the institution's pool."""
    return set(
        db.session.scalars(
            sa.select(FinancingRequest.id)
            .join(Enterprise, Enterprise.id == FinancingRequest.enterprise_id)
            .where(pool_condition(institution_id))
        )
    )


@pytest.mark.parametrize(
    ("product_values", "firm_values", "request_values"),
    [
        ({}, {}, {}),
        ({"amount_max_yuan": Decimal("1000000")}, {}, {}),
        ({"term_min_months": 24}, {}, {}),
        ({"min_years": 3}, {"founded_on": clock.today()}, {}),
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


def test_each_request_is_judged_on_its_own_firm_and_kinds(make, db):
    """With many requests open, a product's district, industry, membership and kind rules are
    checked against each request's own firm, not against any open request of the city."""
    community = make.institution(kind_code="credit_community")
    narrow = make.product(community, kind_code="ip_pledge", members_only=True)
    narrow.districts = [db.session.get(District, "120116")]
    narrow.industries = [db.session.get(Industry, "39")]
    fits = make.enterprise()
    db.session.add(CommunityMembership(community_id=community.id, enterprise_id=fits.id))
    elsewhere = make.enterprise(district_code="120101")
    other_trade = make.enterprise(industry_code="65")
    outsider = make.enterprise()
    for firm in (elsewhere, other_trade):
        db.session.add(CommunityMembership(community_id=community.id, enterprise_id=firm.id))
    requests = [
        make.financing_request(firm) for firm in (fits, fits, elsewhere, other_trade, outsider)
    ]
    requests[1].accepted_kinds = [db.session.get(ProductKind, "credit_loan")]
    requests[0].accepted_kinds = [db.session.get(ProductKind, "ip_pledge")]
    db.session.commit()

    engine_pool = {r.id for r in requests if narrow.id not in eligibility_failures(r, [narrow])}
    assert engine_pool == {requests[0].id}
    assert pool_ids(db, community.id) == engine_pool


def test_pool_page_lists_newest_first_a_page_at_a_time(app, make, db, client, login):
    bank = make.institution()
    make.product(bank)
    staff = make.user(Role.INSTITUTION, institution=bank)
    make.financing_request(make.enterprise(district_code="120101"), amount_yuan=Decimal("9e8"))
    size = app.config["PAGE_SIZE"]
    fitting = [make.financing_request() for _ in range(size + 1)]
    db.session.commit()
    login(staff)
    client.get("/lang/en")

    first = client.get("/institution/pool").get_data(as_text=True)
    shown = [int(i) for i in re.findall(r'data-request-id="(\d+)"', first)]
    assert shown == [r.id for r in reversed(fitting)][:size]
    assert "Page 1<" in first and "/institution/pool?page=2" in first

    second = client.get("/institution/pool?page=2").get_data(as_text=True)
    assert re.findall(r'data-request-id="(\d+)"', second) == [str(fitting[0].id)]
    assert "Page 2<" in second and "/institution/pool?page=1" in second


def test_institution_opens_requests_of_its_pool_only(make, db, client, login):
    bank = make.institution()
    local = make.product(bank)
    local.districts = [db.session.get(District, "120116")]
    staff = make.user(Role.INSTITUTION, institution=bank)
    in_pool = make.financing_request()
    outside = make.financing_request(make.enterprise(district_code="120101"))
    db.session.commit()
    login(staff)
    assert client.get(f"/requests/{in_pool.id}").status_code == 200
    assert client.get(f"/requests/{outside.id}").status_code == 404


@pytest.mark.parametrize(
    ("founded_on", "in_pool"),
    [
        # A product asking for 3 years, on a clock pinned to 2014-09-30: the firm must be
        # founded on or before 2011-09-30, whatever the server's own calendar says.
        (date(2011, 9, 30), True),
        (date(2011, 10, 1), False),
        (date(2012, 6, 1), False),
    ],
)
def test_firm_age_counts_to_the_platforms_today(make, db, pin_today, founded_on, in_pool):
    pin_today(date(2014, 9, 30))
    bank = make.institution()
    make.product(bank, min_years=3)
    request = make.financing_request(make.enterprise(founded_on=founded_on))
    db.session.commit()
    assert (request.id in pool_ids(db, bank.id)) is in_pool
