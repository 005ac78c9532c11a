"""What an enterprise's pages read: its open requests and offers, its requests and applications
a page at a time, and the products it may apply to."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from finplatform.access import visible
from finplatform.extensions import db
from finplatform.models import (
    Application,
    ApplicationStatus,
    FinancingRequest,
    Offer,
    OfferStatus,
    Product,
    RequestStatus,
    User,
)


def open_offer_count(enterprise_id: int) -> int:
    """How many institutions' offers on the firm's requests wait for its answer."""
    return db.session.scalar(
        sa.select(sa.func.count(Offer.id))
        .join(FinancingRequest, FinancingRequest.id == Offer.request_id)
        .where(FinancingRequest.enterprise_id == enterprise_id, Offer.status == OfferStatus.OPEN)
    )


def requests_of(user: User, status: str) -> sa.Select:
    """The requests the user may see, newest first, of one status when it names one."""
    query = sa.select(FinancingRequest).where(visible(FinancingRequest, user))
    if status in {member.value for member in RequestStatus}:
        query = query.where(FinancingRequest.status == status)
    return query.order_by(FinancingRequest.id.desc())


def applications_of(user: User, status: str) -> sa.Select:
    """The applications the user may see, newest first, of one status when it names one."""
    query = (
        sa.select(Application)
        .where(visible(Application, user))
        .options(joinedload(Application.product), joinedload(Application.institution))
    )
    if status in {member.value for member in ApplicationStatus}:
        query = query.where(Application.status == status)
    return query.order_by(Application.id.desc())


def visible_products(product_ids: list[int], user: User) -> list[Product]:
    """The products with these ids that the user may see."""
    return list(
        db.session.scalars(
            sa.select(Product).where(Product.id.in_(product_ids), visible(Product, user))
        )
    )


def visible_product(product_id: int | None, user: User) -> Product | None:
    """The product with this id if the user may see it."""
    return db.session.scalar(
        sa.select(Product).where(Product.id == product_id, visible(Product, user))
    )
