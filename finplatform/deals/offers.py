"""Offers (接单): an institution offers on an open request from its demand pool; the firm
compares every offer side by side and accepts one, which becomes an application."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from finplatform.audit import record_audit
from finplatform.deals.services import (
    check_rate,
    check_term,
    parse_amount,
    request_link,
    submit_application,
)
from finplatform.exceptions import Conflict, DomainError
from finplatform.extensions import db
from finplatform.models import (
    Application,
    FinancingRequest,
    Offer,
    OfferStatus,
    Product,
    ProductStatus,
    RequestStatus,
    User,
    utcnow,
)
from finplatform.notifications.services import notify_enterprise, notify_institution
from finplatform.ranking.service import eligibility_failures
from finplatform.states import OFFER

_ANSWERED = _l("This offer has already been answered or withdrawn.")


def _lock_offer(offer: Offer) -> Offer:
    return db.session.execute(
        sa.select(Offer)
        .where(Offer.id == offer.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def _params(offer: Offer) -> dict:
    return {
        "firm": offer.request.enterprise.name,
        "product": offer.product.name,
        "institution": offer.institution.name,
    }


def make_offer(
    request: FinancingRequest,
    product: Product,
    actor: User,
    *,
    amount_yuan,
    rate,
    term_months: int,
    note: str = "",
) -> Offer:
    """Offer one of the actor's institution's products on an open request it fits."""
    institution = actor.institution
    if institution is None or product.institution_id != institution.id:
        raise DomainError(_l("Please choose one of your own products."), "product_id")
    if not institution.is_approved:
        raise DomainError(_l("Your institution must be approved before it can make offers."))
    if product.status != ProductStatus.ACTIVE:
        raise DomainError(_l("A retired product cannot be offered."), "product_id")
    if request.status != RequestStatus.OPEN:
        raise Conflict(_l("This request is no longer open."))
    failure = eligibility_failures(request, [product]).get(product.id)
    if failure:
        raise DomainError(
            _l("This product does not fit the request: %(reason)s", reason=failure), "product_id"
        )
    amount = parse_amount(amount_yuan, "amount_yuan")
    if not product.amount_min_yuan <= amount <= product.amount_max_yuan:
        raise DomainError(_l("The amount must be within the product's range."), "amount_yuan")
    rate_value = check_rate(rate, "rate")
    if not product.rate_min <= rate_value <= product.rate_max:
        raise DomainError(_l("The rate must be within the product's range."), "rate")
    term = check_term(term_months)
    if not product.term_min_months <= term <= product.term_max_months:
        raise DomainError(_l("The term must be within the product's range."), "term_months")
    offer = Offer(
        request_id=request.id,
        product_id=product.id,
        institution_id=institution.id,
        amount_yuan=amount,
        rate=rate_value,
        term_months=term,
        note=note.strip()[:2000],
        offered_by_id=actor.id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(offer)
    except IntegrityError as exc:
        raise Conflict(
            _l("You already have an open offer with this product on this request.")
        ) from exc
    record_audit(
        "offer.made", offer, actor=actor, detail={"request": request.id, "product": product.id}
    )
    notify_enterprise(request.enterprise_id, "offer.made", _params(offer), request_link(request))
    db.session.flush()
    return offer


def accept_offer(offer: Offer, actor: User) -> Application:
    """The firm accepts an offer: it becomes an application; the request's other offers close."""
    offer = _lock_offer(offer)
    OFFER.move(offer, OfferStatus.ACCEPTED, _ANSWERED)
    now = utcnow()
    offer.answered_at = now
    application = submit_application(
        offer.request, offer.product, actor, offer=offer, note=offer.note
    )
    for other in db.session.scalars(
        sa.select(Offer).where(
            Offer.request_id == offer.request_id,
            Offer.id != offer.id,
            Offer.status == OfferStatus.OPEN,
        )
    ):
        OFFER.move(other, OfferStatus.DECLINED)
        other.answered_at = now
        notify_institution(
            other.institution_id, "offer.declined", _params(other), request_link(other.request)
        )
    record_audit("offer.accepted", offer, actor=actor, detail={"application": application.id})
    notify_institution(
        offer.institution_id, "offer.accepted", _params(offer), f"/applications/{application.id}"
    )
    db.session.flush()
    return application


def decline_offer(offer: Offer, actor: User) -> Offer:
    """The firm declines an offer."""
    offer = _lock_offer(offer)
    OFFER.move(offer, OfferStatus.DECLINED, _ANSWERED)
    offer.answered_at = utcnow()
    record_audit("offer.declined", offer, actor=actor)
    notify_institution(
        offer.institution_id, "offer.declined", _params(offer), request_link(offer.request)
    )
    db.session.flush()
    return offer


def withdraw_offer(offer: Offer, actor: User) -> Offer:
    """The institution withdraws its open offer."""
    offer = _lock_offer(offer)
    OFFER.move(offer, OfferStatus.WITHDRAWN, _ANSWERED)
    offer.answered_at = utcnow()
    record_audit("offer.withdrawn", offer, actor=actor)
    db.session.flush()
    return offer
