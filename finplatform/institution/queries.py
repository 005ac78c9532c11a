"""What an institution's pages read: its home's products, counts and referrals, the inbox, the
demand pool and its offers, the community's members and the membership requests to answer."""

from __future__ import annotations

import sqlalchemy as sa

from finplatform.access import visible
from finplatform.deals.deadlines import overdue_condition
from finplatform.extensions import db
from finplatform.models import (
    Application,
    ApplicationStatus,
    CommunityMembership,
    District,
    Enterprise,
    FinancingRequest,
    Industry,
    MembershipRequest,
    Offer,
    OfferStatus,
    Product,
    ProductStatus,
    Referral,
    Role,
    User,
)
from finplatform.ranking.pool import fitting_products_query, pool_condition
from finplatform.search import firm_condition

# The inbox opens on the work waiting for an answer.
OPEN_WORK = "open"
OPEN_STATUSES = (ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW)


def active_products(institution_id: int, limit: int = 50) -> list[Product]:
    """The institution's active products, by name."""
    return list(
        db.session.scalars(
            sa.select(Product)
            .where(Product.institution_id == institution_id, Product.status == ProductStatus.ACTIVE)
            .order_by(Product.name)
            .limit(limit)
        )
    )


def work_counts(institution_id: int) -> dict[str, int]:
    """How many of the institution's applications are submitted, overdue and in review."""
    mine = Application.institution_id == institution_id

    def count(condition) -> int:
        return db.session.scalar(sa.select(sa.func.count(Application.id)).where(mine, condition))

    return {
        "submitted": count(Application.status == ApplicationStatus.SUBMITTED),
        "overdue": count(overdue_condition()),
        "in_review": count(Application.status == ApplicationStatus.IN_REVIEW),
    }


def recent_referrals(user: User, limit: int = 10) -> list[tuple[Referral, Enterprise]]:
    """The newest referrals the user may see, each with its firm."""
    return [
        (referral, enterprise)
        for referral, enterprise in db.session.execute(
            sa.select(Referral, Enterprise)
            .join(Enterprise, Enterprise.id == Referral.enterprise_id)
            .where(visible(Referral, user))
            .order_by(Referral.id.desc())
            .limit(limit)
        )
    ]


def community_members(institution_id: int) -> sa.Select:
    """The community's member firms, by name."""
    return (
        sa.select(Enterprise)
        .join(CommunityMembership, CommunityMembership.enterprise_id == Enterprise.id)
        .where(CommunityMembership.community_id == institution_id)
        .order_by(Enterprise.name)
    )


def inbox(
    user: User, status: str, term: str | None, product_id: int | None, overdue: bool
) -> sa.Select:
    """The user's applications of a status (open work, one, or all), filtered, by deadline: the
    columns the inbox shows (id, product_id, status, respond_by, firm, product, amount_yuan)."""
    query = (
        sa.select(
            Application.id,
            Application.product_id,
            Application.status,
            Application.respond_by,
            Enterprise.name.label("firm"),
            Product.name.label("product"),
            FinancingRequest.amount_yuan,
        )
        .join(Enterprise, Enterprise.id == Application.enterprise_id)
        .join(Product, Product.id == Application.product_id)
        .join(FinancingRequest, FinancingRequest.id == Application.request_id)
        .where(visible(Application, user))
    )
    if status == OPEN_WORK:
        query = query.where(Application.status.in_(OPEN_STATUSES))
    elif status in {member.value for member in ApplicationStatus}:
        query = query.where(Application.status == status)
    if term:
        query = query.where(
            Application.enterprise_id.in_(sa.select(Enterprise.id).where(firm_condition(term)))
        )
    if product_id:
        query = query.where(Application.product_id == product_id)
    if overdue:
        query = query.where(overdue_condition())
    # Earliest deadline first, those without one last: the order of an index, so that a page
    # reads its twenty rows instead of sorting every application the institution ever had.
    return query.order_by(Application.respond_by.asc().nulls_last(), Application.id)


def product_names(institution_id: int) -> list[tuple[int, str]]:
    """(id, name) of every product of the institution, by name."""
    return [
        (product_id, name)
        for product_id, name in db.session.execute(
            sa.select(Product.id, Product.name)
            .where(Product.institution_id == institution_id)
            .order_by(Product.name)
        )
    ]


def pool(institution_id: int, district: str, industry: str) -> sa.Select:
    """Open requests one of the institution's products fits, by district/industry, newest first:
    the columns the pool shows (id, firm, district and industry names in both languages,
    amount_yuan, term_months, purpose)."""
    query = (
        sa.select(
            FinancingRequest.id,
            Enterprise.name.label("firm"),
            District.name_zh.label("district_zh"),
            District.name_en.label("district_en"),
            Industry.name_zh.label("industry_zh"),
            Industry.name_en.label("industry_en"),
            FinancingRequest.amount_yuan,
            FinancingRequest.term_months,
            FinancingRequest.purpose,
        )
        .join(Enterprise, Enterprise.id == FinancingRequest.enterprise_id)
        .outerjoin(District, District.code == Enterprise.district_code)
        .outerjoin(Industry, Industry.code == Enterprise.industry_code)
        .where(pool_condition(institution_id))
    )
    if district:
        query = query.where(Enterprise.district_code == district)
    if industry:
        query = query.where(Enterprise.industry_code == industry)
    return query.order_by(FinancingRequest.created_at.desc(), FinancingRequest.id.desc())


def offered_request_ids(institution_id: int, request_ids: list[int]) -> set[int]:
    """Which of these requests already have an open offer of the institution."""
    return set(
        db.session.scalars(
            sa.select(Offer.request_id).where(
                Offer.institution_id == institution_id,
                Offer.status == OfferStatus.OPEN,
                Offer.request_id.in_(request_ids),
            )
        )
    )


def fitting_products(institution_id: int, financing_request: FinancingRequest) -> list[Product]:
    """The institution's active products that fit the request."""
    return list(db.session.scalars(fitting_products_query(institution_id, financing_request)))


def offers_of(user: User, status: str) -> sa.Select:
    """The offers the user may see, newest first, of one status when it names one."""
    query = sa.select(Offer).where(visible(Offer, user))
    if status in {member.value for member in OfferStatus}:
        query = query.where(Offer.status == status)
    return query.order_by(Offer.id.desc())


def pending_requests(user: User) -> sa.Select:
    """The membership requests `user` may answer: a firm's own, or all for the commission."""
    query = sa.select(MembershipRequest).order_by(MembershipRequest.requested_at)
    if user.role == Role.ENTERPRISE:
        return query.where(MembershipRequest.enterprise_id == user.enterprise_id)
    if user.role in (Role.COMMISSION, Role.ADMIN):
        return query
    return query.where(sa.false())


def membership_requests_for(user: User, limit: int = 200) -> list[MembershipRequest]:
    """The first membership requests waiting for the user's answer, oldest first."""
    return list(db.session.scalars(pending_requests(user).limit(limit)))
