"""Read-side queries of the deal pages (lists, timelines, side-by-side offers)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload

from finplatform.extensions import db
from finplatform.models import (
    Application,
    ApplicationEvent,
    Disbursement,
    Enterprise,
    FinancingRequest,
    Institution,
    Offer,
    OfferStatus,
    Product,
    ProductKind,
    ProductStatus,
    Referral,
    ReferralKind,
    RequestStatus,
    User,
)
from finplatform.models.deals import request_kinds


def application_timeline(application: Application) -> list[tuple[ApplicationEvent, User | None]]:
    """The application's events, oldest first, with who made each."""
    actor = aliased(User)
    rows = db.session.execute(
        sa.select(ApplicationEvent, actor)
        .outerjoin(actor, actor.id == ApplicationEvent.actor_id)
        .where(ApplicationEvent.application_id == application.id)
        .order_by(ApplicationEvent.at, ApplicationEvent.id)
    ).all()
    return [(event, user) for event, user in rows]


def application_disbursements(application: Application) -> list[Disbursement]:
    """Disbursements and reversals of the application, in the order recorded."""
    return list(
        db.session.scalars(
            sa.select(Disbursement)
            .where(Disbursement.application_id == application.id)
            .order_by(Disbursement.id)
        )
    )


def reversed_ids(disbursements: list[Disbursement]) -> set[int]:
    """Ids of the disbursements that a reversal in the list cancels."""
    return {d.reverses_id for d in disbursements if d.reverses_id is not None}


KIND_SEPARATOR = "\x1f"
"""Between the accepted kinds' names aggregated into one string (no name holds it)."""


def request_with_kinds(
    request_id: int, condition, english: bool
) -> tuple[FinancingRequest, list[str]] | None:
    """The request (with its firm, district and industry) if `condition` lets the viewer see
    it, and the names of the kinds it accepts in the page's language, read in one statement;
    None when it is not there or not visible."""
    name = ProductKind.name_en if english else ProductKind.name_zh
    kinds = (
        sa.select(sa.func.aggregate_strings(name, KIND_SEPARATOR))
        .select_from(request_kinds.join(ProductKind, ProductKind.code == request_kinds.c.kind_code))
        .where(request_kinds.c.request_id == FinancingRequest.id)
        .scalar_subquery()
    )
    row = db.session.execute(
        sa.select(FinancingRequest, kinds.label("kinds"))
        .where(FinancingRequest.id == request_id, condition)
        .options(
            joinedload(FinancingRequest.enterprise).options(
                joinedload(Enterprise.district), joinedload(Enterprise.industry)
            )
        )
    ).first()
    if row is None:
        return None
    return row[0], row.kinds.split(KIND_SEPARATOR) if row.kinds else []


def request_applications(request: FinancingRequest, condition) -> list[sa.Row]:
    """The request's applications the viewer may see (id, product_id, product_name,
    institution_name, submitted_at, status: plain rows, no objects), newest first."""
    return list(
        db.session.execute(
            sa.select(
                Application.id,
                Application.product_id,
                Product.name.label("product_name"),
                Institution.name.label("institution_name"),
                Application.submitted_at,
                Application.status,
            )
            .join(Product, Product.id == Application.product_id)
            .join(Institution, Institution.id == Application.institution_id)
            .where(Application.request_id == request.id, condition)
            .order_by(Application.id.desc())
        )
    )


def request_offers(request: FinancingRequest, condition) -> list[sa.Row]:
    """Offers on the request the viewer may see, open ones first, then answered: the columns
    the side-by-side table shows (plain rows, no objects)."""
    return list(
        db.session.execute(
            sa.select(
                Offer.id,
                Offer.product_id,
                Offer.amount_yuan,
                Offer.rate,
                Offer.term_months,
                Offer.note,
                Offer.status,
                Institution.name.label("institution_name"),
                Product.name.label("product_name"),
                Product.collateral_required,
                ProductKind.name_zh.label("kind_zh"),
                ProductKind.name_en.label("kind_en"),
            )
            .join(Institution, Institution.id == Offer.institution_id)
            .join(Product, Product.id == Offer.product_id)
            .outerjoin(ProductKind, ProductKind.code == Product.kind_code)
            .where(Offer.request_id == request.id, condition)
            .order_by((Offer.status == OfferStatus.OPEN).desc(), Offer.rate, Offer.id)
        )
    )


def recommendations_for(enterprise_id: int, limit: int = 20) -> list[sa.Row]:
    """The latest product recommendations specialists made to the firm (note, created_at,
    product_id, product_name, institution_name: plain rows, no objects)."""
    return list(
        db.session.execute(
            sa.select(
                Referral.note,
                Referral.created_at,
                Product.id.label("product_id"),
                Product.name.label("product_name"),
                Institution.name.label("institution_name"),
            )
            .join(Product, Product.id == Referral.product_id)
            .join(Institution, Institution.id == Product.institution_id)
            .where(
                Referral.enterprise_id == enterprise_id,
                Referral.kind == ReferralKind.RECOMMEND_PRODUCT,
            )
            .order_by(Referral.id.desc())
            .limit(limit)
        )
    )


def similar_products(product: Product, visible_condition, limit: int = 5) -> list[Product]:
    """Other active products of the same kind whose amount ranges overlap, cheapest first."""
    return list(
        db.session.scalars(
            sa.select(Product)
            .options(joinedload(Product.institution))
            .where(
                visible_condition,
                Product.id != product.id,
                Product.kind_code == product.kind_code,
                Product.status == ProductStatus.ACTIVE,
                Product.amount_min_yuan <= product.amount_max_yuan,
                Product.amount_max_yuan >= product.amount_min_yuan,
            )
            .order_by(Product.rate_min, Product.name)
            .limit(limit)
        )
    )


def firm_applications_by_product(enterprise_id: int) -> dict[int, Application]:
    """The firm's newest application to each product it applied to."""
    applications = db.session.scalars(
        sa.select(Application)
        .join(FinancingRequest, FinancingRequest.id == Application.request_id)
        .where(FinancingRequest.enterprise_id == enterprise_id)
        .order_by(Application.id)
    )
    return {application.product_id: application for application in applications}


def product_cards(ids, visible_condition) -> dict[int, sa.Row]:
    """Product id → (id, name, institution_name, kind_zh, kind_en, rate_min, rate_max,
    term_min_months, term_max_months) of the given products the viewer may see (plain rows,
    no product objects), in product-name order (then id)."""
    rows = db.session.execute(
        sa.select(
            Product.id,
            Product.name,
            Institution.name.label("institution_name"),
            ProductKind.name_zh.label("kind_zh"),
            ProductKind.name_en.label("kind_en"),
            Product.rate_min,
            Product.rate_max,
            Product.term_min_months,
            Product.term_max_months,
        )
        .join(Institution, Institution.id == Product.institution_id)
        .outerjoin(ProductKind, ProductKind.code == Product.kind_code)
        .where(Product.id.in_(list(ids)), visible_condition)
        .order_by(Product.name, Product.id)
    )
    return {row.id: row for row in rows}


def products_by_rate(ids: list[int], visible_to_user: sa.ColumnElement[bool]) -> list[Product]:
    """The chosen products the user may see, lowest rate first."""
    return list(
        db.session.scalars(
            sa.select(Product)
            .where(Product.id.in_(ids), visible_to_user)
            .order_by(Product.rate_min)
        )
    )


def newest_open_requests(enterprise_id: int, limit: int | None = None) -> list[FinancingRequest]:
    """The firm's open financing requests, newest first (at most `limit` of them)."""
    return list(
        db.session.scalars(
            sa.select(FinancingRequest)
            .where(
                FinancingRequest.enterprise_id == enterprise_id,
                FinancingRequest.status == RequestStatus.OPEN,
            )
            .order_by(FinancingRequest.id.desc())
            .limit(limit)
        )
    )


def newest_open_request(enterprise_id: int) -> FinancingRequest | None:
    """The firm's most recently posted request that is still open."""
    return next(iter(newest_open_requests(enterprise_id, 1)), None)
