"""What a specialist's pages read: the portfolio, the firm's ranked matches to recommend from,
each portfolio firm's open request, last contact and next follow-up, and the brokering page's
lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from finplatform import clock
from finplatform.access import visible
from finplatform.deals.queries import newest_open_requests
from finplatform.extensions import db
from finplatform.models import (
    ContactLog,
    Enterprise,
    FinancingRequest,
    Institution,
    InstitutionStatus,
    Product,
    ProductStatus,
    Referral,
    RequestStatus,
    User,
)
from finplatform.ranking.service import rank_products_for_request
from finplatform.search import firm_condition


def portfolio(user: User, district: str, industry: str, term: str | None) -> sa.Select:
    """The firms the user may see, filtered by district, industry and search term, by name."""
    query = (
        sa.select(Enterprise)
        .where(visible(Enterprise, user))
        .options(joinedload(Enterprise.district), joinedload(Enterprise.industry))
    )
    if district:
        query = query.where(Enterprise.district_code == district)
    if industry:
        query = query.where(Enterprise.industry_code == industry)
    if term:
        query = query.where(firm_condition(term))
    return query.order_by(Enterprise.name)


def active_product_names(user: User) -> list[tuple[int, str, str]]:
    """(id, product name, institution name) of every active product the user may see."""
    # Only the names the list shows: the whole catalogue as objects would be thousands of rows.
    return [
        (product_id, name, institution)
        for product_id, name, institution in db.session.execute(
            sa.select(Product.id, Product.name, Institution.name)
            .join(Institution, Institution.id == Product.institution_id)
            .where(visible(Product, user), Product.status == ProductStatus.ACTIVE)
            .order_by(Institution.name, Product.name)
        )
    ]


def visible_product(product_id: int | None, user: User) -> Product | None:
    """The product with this id if the user may see it."""
    return db.session.scalar(
        sa.select(Product).where(Product.id == product_id, visible(Product, user))
    )


def approved_institutions() -> list[Institution]:
    """The approved institutions a firm can be referred to, by name."""
    return list(
        db.session.scalars(
            sa.select(Institution)
            .where(Institution.status == InstitutionStatus.APPROVED)
            .order_by(Institution.name)
        )
    )


def recent_contacts(enterprise_id: int, limit: int = 20) -> list[ContactLog]:
    """The firm's latest logged visits and calls, newest first."""
    return list(
        db.session.scalars(
            sa.select(ContactLog)
            .where(ContactLog.enterprise_id == enterprise_id)
            .order_by(ContactLog.happened_at.desc())
            .limit(limit)
        )
    )


def recent_referrals(enterprise_id: int, limit: int = 20) -> list[Referral]:
    """The firm's latest referrals, with their product and institution, newest first."""
    return list(
        db.session.scalars(
            sa.select(Referral)
            .options(joinedload(Referral.product), joinedload(Referral.institution))
            .where(Referral.enterprise_id == enterprise_id)
            .order_by(Referral.id.desc())
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class RankedMatch:
    """One of the firm's matched products, as the recommend list offers it."""

    product_id: int
    product_name: str
    institution_name: str
    request_id: int
    rank: int


def ranked_matches(enterprise_id: int, limit: int = 30, requests: int = 3) -> list[RankedMatch]:
    """The products ranked for the firm's newest open requests, as the firm sees them: best
    rank first (newest request first among equal ranks), each product once."""
    open_requests = newest_open_requests(enterprise_id, requests)
    candidates = [
        RankedMatch(
            item.product.id,
            item.product.name,
            item.product.institution.name,
            financing_request.id,
            item.rank,
        )
        for financing_request in open_requests
        for item in rank_products_for_request(financing_request, top_k=10)
    ]
    candidates.sort(key=lambda match: (match.rank, -match.request_id))
    seen: set[int] = set()
    found = []
    for match in candidates:
        if match.product_id not in seen:
            seen.add(match.product_id)
            found.append(match)
    return found[:limit]


@dataclass(frozen=True)
class FirmStatus:
    """Where a portfolio firm stands: its newest open request, last contact, next follow-up."""

    open_request_id: int | None = None
    open_request_yuan: Decimal | None = None
    open_requests: int = 0
    last_contact_at: datetime | None = None
    next_follow_up: date | None = None


def portfolio_status(enterprise_ids: list[int]) -> dict[int, FirmStatus]:
    """Each listed firm's status, three grouped queries for the whole page."""
    if not enterprise_ids:
        return {}
    newest = (
        sa.select(
            FinancingRequest.enterprise_id,
            sa.func.max(FinancingRequest.id).label("newest"),
            sa.func.count(FinancingRequest.id).label("n"),
        )
        .where(
            FinancingRequest.enterprise_id.in_(enterprise_ids),
            FinancingRequest.status == RequestStatus.OPEN,
        )
        .group_by(FinancingRequest.enterprise_id)
        .subquery()
    )
    requests = {
        firm: (request_id, amount, n)
        for firm, request_id, amount, n in db.session.execute(
            sa.select(
                newest.c.enterprise_id, newest.c.newest, FinancingRequest.amount_yuan, newest.c.n
            ).join(FinancingRequest, FinancingRequest.id == newest.c.newest)
        )
    }
    last_contacts = dict(
        db.session.execute(
            sa.select(ContactLog.enterprise_id, sa.func.max(ContactLog.happened_at))
            .where(ContactLog.enterprise_id.in_(enterprise_ids))
            .group_by(ContactLog.enterprise_id)
        ).all()
    )
    follow_ups = dict(
        db.session.execute(
            sa.select(ContactLog.enterprise_id, sa.func.min(ContactLog.follow_up_on))
            .where(
                ContactLog.enterprise_id.in_(enterprise_ids),
                ContactLog.follow_up_on >= clock.today(),
            )
            .group_by(ContactLog.enterprise_id)
        ).all()
    )
    statuses = {}
    for firm in enterprise_ids:
        request_id, amount, n = requests.get(firm, (None, None, 0))
        statuses[firm] = FirmStatus(
            open_request_id=request_id,
            open_request_yuan=amount,
            open_requests=n,
            last_contact_at=last_contacts.get(firm),
            next_follow_up=follow_ups.get(firm),
        )
    return statuses
