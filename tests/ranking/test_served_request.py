"""The match API reads a request for ranking in one statement: the same engine row as the
loaded request gives."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import numpy as np
import sqlalchemy as sa

from finplatform import clock
from finplatform.models import (
    CommunityMembership,
    CreditProfileVersion,
    FinancingRequest,
    ProductKind,
    RequestStatus,
)
from finplatform.ranking.catalogue_rows import categories
from finplatform.ranking.served_request import served_request_table
from finplatform.ranking.tables import load_requests, request_table
from matching.schema import Requests


def _rows(table: Requests) -> dict:
    return {name: getattr(table, name)[0].item() for name in Requests._DTYPES}


def test_a_request_reads_its_kinds_communities_and_yesterdays_credit_profile(app, make, db):
    firm = make.enterprise(employees=40, revenue_yuan=Decimal("12000000"))
    community = make.institution(kind_code="credit_community")
    other = make.institution(kind_code="credit_community")
    db.session.add_all(
        [
            CommunityMembership(enterprise_id=firm.id, community_id=community.id),
            CommunityMembership(enterprise_id=firm.id, community_id=other.id),
        ]
    )
    yesterday = clock.today() - timedelta(days=1)
    for valid_from, score, grade in (
        (yesterday - timedelta(days=30), 55, "C"),
        (yesterday, 81, "A"),
        (clock.today(), 90, "A+"),  # valid from today: not yet what the ranking reads
    ):
        db.session.add(
            CreditProfileVersion(
                enterprise_id=firm.id,
                valid_from=valid_from,
                scorecard="test",
                score=score,
                grade=grade,
                base=60.0,
                factors=[],
                inputs_digest=f"{score}",
            )
        )
    request = make.financing_request(firm, amount_yuan=Decimal("3000000"), term_months=18)
    request.accepted_kinds = [
        db.session.get(ProductKind, "credit_loan"),
        db.session.get(ProductKind, "ip_pledge"),
    ]
    db.session.commit()
    # Only the first community has members-only products: bit 0.
    communities = {community.id: 0}
    with app.test_request_context():
        row = _rows(served_request_table(request.id, categories(), communities))
    assert row["id"] == request.id
    assert row["enterprise_id"] == firm.id
    assert row["amount_yuan"] == 3_000_000.0
    assert row["term_months"] == 18
    assert row["accepted_kinds"] == 0b11  # credit_loan and ip_pledge, the first two kinds
    assert row["communities"] == 0b1
    assert row["employees"] == 40
    assert row["credit_score"] == 81.0
    assert row["credit_grade"] == 4  # "A" in E, D, C, B, A, A+


def test_every_open_request_of_a_world_reads_as_the_loaded_request(app, small_world):
    db = small_world
    ids = db.session.scalars(
        sa.select(FinancingRequest.id)
        .where(FinancingRequest.status == RequestStatus.OPEN)
        .order_by(FinancingRequest.id)
        .limit(60)
    ).all()
    assert ids
    with app.test_request_context():
        cats = categories()
        member_ids = db.session.scalars(sa.select(CommunityMembership.community_id)).all()
        communities = {community_id: i for i, community_id in enumerate(sorted(set(member_ids)))}
        for request in load_requests(ids):
            loaded = _rows(request_table(request, cats, communities))
            served = _rows(served_request_table(request.id, cats, communities))
            for name, value in loaded.items():
                same = value == served[name] or (np.isnan(value) and np.isnan(served[name]))
                assert same, (request.id, name, value, served[name])
