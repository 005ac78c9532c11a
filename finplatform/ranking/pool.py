"""The demand pool (接单) in SQL: which open requests fit which products.

The same hard rules as `matching.eligibility`, written as one SQL condition so that the pool
pages and the access rule filter and paginate in the database instead of loading every open
request. A test checks both agree on the same records.
"""

from __future__ import annotations

import functools
from datetime import date

import sqlalchemy as sa
from flask import Flask

from finplatform import access, clock
from finplatform.models import (
    CommunityMembership,
    Enterprise,
    FinancingRequest,
    Institution,
    InstitutionStatus,
    Product,
    ProductStatus,
    RequestStatus,
)
from finplatform.models.deals import request_kinds
from finplatform.models.products import product_districts, product_industries
from finplatform.models.sql import years_before

# Products the platform calls `leasing` are `other` to the engine; a request accepting `other`
# therefore accepts leasing here too (see ranking.service._product_kind_index).
_ENGINE_OTHER_KINDS = ("leasing", "other")


def _exists(table: sa.Table, *conditions) -> sa.Exists:
    """EXISTS over `table` that correlates every other table to the enclosing queries.

    These subqueries sit inside "some product fits" (an EXISTS over products) inside the query
    over requests and firms; SQLAlchemy's automatic correlation reaches only the immediately
    enclosing query, which would leave them ranging over every request and firm of the city.
    """
    return sa.exists().where(*conditions).correlate_except(table)


def _kind_accepted() -> sa.ColumnElement[bool]:
    any_kind = ~_exists(request_kinds, request_kinds.c.request_id == FinancingRequest.id)
    same_kind = _exists(
        request_kinds,
        request_kinds.c.request_id == FinancingRequest.id,
        sa.or_(
            request_kinds.c.kind_code == Product.kind_code,
            sa.and_(
                request_kinds.c.kind_code.in_(_ENGINE_OTHER_KINDS),
                Product.kind_code.in_(_ENGINE_OTHER_KINDS),
            ),
        ),
    )
    return sa.or_(any_kind, same_kind)


def _firm_old_enough(today: date) -> sa.ColumnElement[bool]:
    cutoff = years_before(sa.literal(today, sa.Date()), Product.min_years)
    return sa.or_(
        Product.min_years == 0,
        sa.and_(Enterprise.founded_on.is_not(None), Enterprise.founded_on <= cutoff),
    )


def product_fits_request(today: date | None = None) -> sa.ColumnElement[bool]:
    """The hard eligibility rules between `Product` and `FinancingRequest` (joined to its
    `Enterprise`), as a SQL condition; ages count to `today` (the platform's by default)."""
    industry_ok = sa.or_(
        ~_exists(product_industries, product_industries.c.product_id == Product.id),
        _exists(
            product_industries,
            product_industries.c.product_id == Product.id,
            product_industries.c.industry_code == Enterprise.industry_code,
        ),
    )
    district_ok = sa.or_(
        ~_exists(product_districts, product_districts.c.product_id == Product.id),
        _exists(
            product_districts,
            product_districts.c.product_id == Product.id,
            product_districts.c.district_code == Enterprise.district_code,
        ),
    )
    member_ok = sa.or_(
        Product.members_only.is_(False),
        _exists(
            CommunityMembership.__table__,
            CommunityMembership.community_id == Product.institution_id,
            CommunityMembership.enterprise_id == Enterprise.id,
        ),
    )
    return sa.and_(
        _kind_accepted(),
        Product.amount_min_yuan <= FinancingRequest.amount_yuan,
        FinancingRequest.amount_yuan <= Product.amount_max_yuan,
        Product.term_min_months <= FinancingRequest.term_months,
        FinancingRequest.term_months <= Product.term_max_months,
        industry_ok,
        district_ok,
        member_ok,
        _firm_old_enough(today or clock.today()),
        sa.func.coalesce(Enterprise.revenue_yuan, 0) >= Product.min_revenue_yuan,
        sa.or_(Product.little_giant_only.is_(False), Enterprise.little_giant_confirmed.is_(True)),
        sa.or_(FinancingRequest.max_rate.is_(None), Product.rate_min <= FinancingRequest.max_rate),
    )


def pool_condition(institution_id: int) -> sa.ColumnElement[bool]:
    """Open requests that at least one active product of the (approved) institution fits.

    Use on a query over `FinancingRequest` joined to `Enterprise`. The condition holds only
    the institution and the day as values (the products are read by the query itself), so it
    is built once per worker, institution and day: building its expression tree cost more
    than the rest of the demand pool's query.
    """
    return _built_pool_condition(institution_id, clock.today())


@functools.lru_cache(maxsize=1024)
def _built_pool_condition(institution_id: int, today: date) -> sa.ColumnElement[bool]:
    fits = (
        sa.exists()
        .where(
            Product.institution_id == institution_id,
            Product.status == ProductStatus.ACTIVE,
            product_fits_request(today),
        )
        .correlate(FinancingRequest, Enterprise)
    )
    approved = sa.exists().where(
        Institution.id == institution_id, Institution.status == InstitutionStatus.APPROVED
    )
    return sa.and_(FinancingRequest.status == RequestStatus.OPEN, approved, fits)


def register(app: Flask) -> None:
    """Let each institution see the open requests of its demand pool (see `access`)."""
    access.add_institution_request_scope(app, pool_condition)


def fitting_products_query(institution_id: int, request: FinancingRequest):
    """The institution's active products that fit one request (for the offer form)."""
    return (
        sa.select(Product)
        .join(FinancingRequest, FinancingRequest.id == request.id)
        .join(Enterprise, Enterprise.id == FinancingRequest.enterprise_id)
        .where(
            Product.institution_id == institution_id,
            Product.status == ProductStatus.ACTIVE,
            product_fits_request(),
        )
        .order_by(Product.name)
    )
