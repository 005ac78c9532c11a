"""One request as the ranking engine's one-row table, read in one statement for serving.

`tables.request_table` adapts a loaded `FinancingRequest` (the request, its firm, accepted
kinds, the firm's communities and credit profile: five statements and ORM objects). A ranking
computed for the API needs only plain values, so they are selected together here: the request's
and its firm's columns, the accepted kinds and communities each aggregated into one string, and
the credit profile version valid yesterday. The row is the same `tables.engine_row` makes for
the loaded request (`tests/ranking/test_served_request.py`).
"""

from __future__ import annotations

import functools
from datetime import date, timedelta

import sqlalchemy as sa

from finplatform import clock
from finplatform.credit.versions import profiles_scored_at
from finplatform.extensions import db
from finplatform.models import (
    CommunityMembership,
    CreditProfileVersion,
    Enterprise,
    FinancingRequest,
)
from finplatform.models.deals import request_kinds
from finplatform.ranking.catalogue_rows import Categories
from finplatform.ranking.tables import _posted_on, engine_row
from matching.schema import CREDIT_GRADES, Requests

_FIRM_COLUMNS = (
    Enterprise.credit_rating,
    Enterprise.industry_code,
    Enterprise.district_code,
    Enterprise.employees,
    Enterprise.revenue_yuan,
    Enterprise.rd_spend_yuan,
    Enterprise.patents,
    Enterprise.little_giant_confirmed,
    Enterprise.high_tech_confirmed,
    Enterprise.founded_on,
)


@functools.lru_cache(maxsize=8)
def _statement(day: date, with_communities: bool) -> sa.Select:
    """The statement for the profiles valid on `day`, the request's id a bound parameter:
    built once a day rather than on every ranking."""
    profile = (
        sa.select(CreditProfileVersion.score, CreditProfileVersion.grade)
        .where(
            CreditProfileVersion.enterprise_id == FinancingRequest.enterprise_id,
            CreditProfileVersion.valid_from <= day,
        )
        .order_by(CreditProfileVersion.valid_from.desc(), CreditProfileVersion.id.desc())
        .limit(1)
    )
    kinds = (
        sa.select(sa.func.aggregate_strings(request_kinds.c.kind_code, ","))
        .where(request_kinds.c.request_id == FinancingRequest.id)
        .scalar_subquery()
    )
    columns = [
        FinancingRequest.id,
        FinancingRequest.enterprise_id,
        FinancingRequest.amount_yuan,
        FinancingRequest.term_months,
        FinancingRequest.max_rate,
        FinancingRequest.collateral_offered,
        FinancingRequest.created_at,
        *_FIRM_COLUMNS,
        kinds.label("kind_codes"),
        profile.with_only_columns(CreditProfileVersion.score).scalar_subquery().label("score"),
        profile.with_only_columns(CreditProfileVersion.grade).scalar_subquery().label("grade"),
    ]
    if with_communities:
        communities = (
            sa.select(
                sa.func.aggregate_strings(sa.cast(CommunityMembership.community_id, sa.String), ",")
            )
            .where(CommunityMembership.enterprise_id == FinancingRequest.enterprise_id)
            .scalar_subquery()
        )
        columns.append(communities.label("community_ids"))
    return (
        sa.select(*columns)
        .join(Enterprise, Enterprise.id == FinancingRequest.enterprise_id)
        .where(FinancingRequest.id == sa.bindparam("request_id"))
    )


def served_request_table(request_id: int, cats: Categories, communities: dict) -> Requests:
    """The request `request_id` with its firm as it is now, as a one-row engine table."""
    statement = _statement(clock.today() - timedelta(days=1), bool(communities))
    row = db.session.execute(statement, {"request_id": request_id}).one()
    if row.grade:
        grade = CREDIT_GRADES.index(row.grade) if row.grade in CREDIT_GRADES else -1
        standing = (float(row.score), grade)
    else:  # no stored profile yet: computed from the records, as credit_standing does
        score, grade = profiles_scored_at([(row.enterprise_id, clock.today() - timedelta(days=1))])[
            0
        ]
        standing = (score, CREDIT_GRADES.index(grade) if grade in CREDIT_GRADES else -1)
    member_of = (
        [int(text) for text in row.community_ids.split(",")]
        if communities and row.community_ids
        else []
    )
    kind_codes = row.kind_codes.split(",") if row.kind_codes else []
    return Requests.from_rows(
        [
            engine_row(
                row,
                row.enterprise_id,
                row,
                kind_codes,
                member_of,
                standing,
                _posted_on(row),
                row.founded_on,
                cats,
                communities,
            )
        ]
    )
