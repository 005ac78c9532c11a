"""Financing requests and applications: post, edit, withdraw, apply, review, decide.

Each operation checks its rules, changes status only through `deals.states`, notifies whoever
must act next, and flushes; the request or CLI entry point commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from finplatform.audit import record_audit
from finplatform.credit.consent import grant_for_application
from finplatform.deals.limits import approval_breaches, breaches_text
from finplatform.deals.reject_reasons import REJECT_REASONS
from finplatform.deals.states import (
    LIVE_APPLICATION,
    lock_request,
    transition_application,
    transition_request,
)
from finplatform.exceptions import Conflict, DomainError
from finplatform.extensions import db
from finplatform.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    FinancingRequest,
    InstitutionStatus,
    Offer,
    OfferStatus,
    Product,
    ProductKind,
    ProductStatus,
    RequestEvent,
    RequestStatus,
    User,
    utcnow,
)
from finplatform.notifications.services import (
    notify_enterprise,
    notify_institution,
    notify_user_id,
)
from finplatform.ranking.service import (
    RankedProduct,
    eligibility_failures,
    rank_products_for_request,
)
from finplatform.states import OFFER
from finplatform.workcalendar import current_calendar

MAX_AMOUNT_YUAN = Decimal("10000000000")  # 100亿元: far above any single SME request
MAX_TERM_MONTHS = 360
MAX_RATE = Decimal("36")  # annual %, the judicial ceiling on private lending; above is a typo
MAX_NOTE = 2000


def application_link(application: Application) -> str:
    """The path of an application's page (notifications keep paths, valid in any context)."""
    return f"/applications/{application.id}"


def request_link(request: FinancingRequest) -> str:
    """The path of a financing request's page."""
    return f"/requests/{request.id}"


def deal_params(application: Application) -> dict:
    """The names a notification about an application shows."""
    return {
        "firm": application.enterprise.name,
        "product": application.product.name,
        "institution": application.institution.name,
    }


def parse_amount(value, field: str, *, maximum: Decimal = MAX_AMOUNT_YUAN) -> Decimal:
    """A positive yuan amount with at most two decimals, or DomainError on `field`."""
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError) as exc:
        raise DomainError(_l("Please enter an amount in yuan, e.g. 5000000."), field) from exc
    if not amount.is_finite() or amount <= 0:
        raise DomainError(_l("The amount must be more than zero."), field)
    if amount != amount.quantize(Decimal("0.01")):
        raise DomainError(_l("Amounts have at most two decimals (fen)."), field)
    if amount > maximum:
        raise DomainError(_l("The amount is too large."), field)
    return amount


def check_term(term: int | None, field: str = "term_months") -> int:
    """A term of 1–360 months."""
    if term is None or not 1 <= int(term) <= MAX_TERM_MONTHS:
        raise DomainError(
            _l("The term must be between 1 and %(n)d months.", n=MAX_TERM_MONTHS), field
        )
    return int(term)


def check_rate(rate, field: str, *, allow_zero: bool = True) -> Decimal:
    """An annual rate in percent between 0 and 36."""
    try:
        value = Decimal(str(rate))
    except (InvalidOperation, ValueError) as exc:
        raise DomainError(_l("Please enter a rate in percent, e.g. 5.2."), field) from exc
    if not value.is_finite() or value < 0 or (value == 0 and not allow_zero) or value > MAX_RATE:
        raise DomainError(_l("The rate must be between 0 and 36 percent a year."), field)
    return value


def _kinds(codes: Sequence[str]) -> list[ProductKind]:
    kinds = list(db.session.scalars(sa.select(ProductKind).where(ProductKind.code.in_(codes))))
    if len(kinds) != len(set(codes)):
        raise DomainError(_l("Please choose a value from the list."), "kinds")
    return kinds


def _set_request_values(request: FinancingRequest, values: dict) -> None:
    request.amount_yuan = parse_amount(values["amount_yuan"], "amount_yuan")
    request.term_months = check_term(values["term_months"])
    max_rate = values.get("max_rate")
    request.max_rate = (
        None if max_rate in (None, "") else check_rate(max_rate, "max_rate", allow_zero=False)
    )
    purpose = (values.get("purpose") or "").strip()
    if not purpose:
        raise DomainError(_l("Please say what the money is for."), "purpose")
    request.purpose = purpose[:MAX_NOTE]
    request.collateral_offered = (values.get("collateral_offered") or "").strip()[:200]
    request.accepted_kinds = _kinds(values.get("kind_codes") or [])


def create_request(enterprise, actor: User, **values) -> FinancingRequest:
    """Post a financing request for the enterprise (amount, term, purpose, kinds, max rate…)."""
    request = FinancingRequest(enterprise=enterprise, status=RequestStatus.OPEN)
    _set_request_values(request, values)
    db.session.add(request)
    db.session.flush()
    db.session.add(
        RequestEvent(request_id=request.id, actor_id=actor.id, from_status=None, to_status="open")
    )
    record_audit(
        "request.created", request, actor=actor, detail={"amount": str(request.amount_yuan)}
    )
    db.session.flush()
    return request


def update_request(request: FinancingRequest, actor: User, **values) -> FinancingRequest:
    """Edit a request while it is open."""
    request = lock_request(request)
    if request.status != RequestStatus.OPEN:
        raise Conflict(_l("Only an open request can be edited."))
    _set_request_values(request, values)
    request.updated_at = utcnow()
    record_audit(
        "request.updated", request, actor=actor, detail={"amount": str(request.amount_yuan)}
    )
    db.session.flush()
    return request


def withdraw_request(request: FinancingRequest, actor: User, note: str = "") -> FinancingRequest:
    """Withdraw an open request; its pending applications are withdrawn and offers declined."""
    request = transition_request(request, RequestStatus.WITHDRAWN, actor, note)
    pending = db.session.scalars(
        sa.select(Application).where(
            Application.request_id == request.id,
            Application.status.in_(
                [
                    ApplicationStatus.SUBMITTED,
                    ApplicationStatus.IN_REVIEW,
                    ApplicationStatus.AWAITING_FIRM,
                ]
            ),
        )
    ).all()
    for application in pending:
        withdraw_application(application, actor, note or "request withdrawn")
    for offer in db.session.scalars(
        sa.select(Offer).where(Offer.request_id == request.id, Offer.status == OfferStatus.OPEN)
    ):
        OFFER.move(offer, OfferStatus.DECLINED)
        offer.answered_at = utcnow()
    db.session.flush()
    return request


def live_application(request: FinancingRequest, product: Product) -> Application | None:
    """The application of this request to this product that is still live, if any."""
    return db.session.scalar(
        sa.select(Application).where(
            Application.request_id == request.id,
            Application.product_id == product.id,
            Application.status.in_(LIVE_APPLICATION),
        )
    )


def submit_application(
    request: FinancingRequest,
    product: Product,
    actor: User,
    *,
    offer: Offer | None = None,
    note: str = "",
    share_credit: bool = False,
) -> Application:
    """Apply the request to one product; the institution must answer within the deadline.
    With `share_credit` the firm authorises the institution for this application (授权)."""
    request = lock_request(request)
    if request.status != RequestStatus.OPEN:
        raise Conflict(_l("Only an open request can be applied with."))
    if (
        product.status != ProductStatus.ACTIVE
        or product.institution.status != InstitutionStatus.APPROVED
    ):
        raise DomainError(_l("%(product)s takes no new applications.", product=product.name))
    if live_application(request, product) is not None:
        raise Conflict(_l("You have already applied to %(product)s.", product=product.name))
    if offer is None:
        failure = eligibility_failures(request, [product]).get(product.id)
        if failure:
            raise DomainError(
                _l(
                    "%(product)s does not fit this request: %(reason)s",
                    product=product.name,
                    reason=failure,
                )
            )
    now = utcnow()
    days = current_app.config["RESPONSE_DEADLINE_WORKING_DAYS"]
    application = Application(
        request_id=request.id,
        product_id=product.id,
        enterprise_id=request.enterprise_id,
        institution_id=product.institution_id,
        product_kind_code=product.kind_code,
        amount_yuan=request.amount_yuan,
        status=ApplicationStatus.SUBMITTED,
        from_offer=offer is not None,
        offer_id=offer.id if offer is not None else None,
        specialist_id=request.enterprise.specialist_id,
        submitted_at=now,
        respond_by=current_calendar().response_deadline(now, days),
    )
    db.session.add(application)
    db.session.flush()
    db.session.add(
        ApplicationEvent(
            application_id=application.id,
            at=now,
            actor_id=actor.id,
            from_status=None,
            to_status=ApplicationStatus.SUBMITTED.value,
            note=note,
        )
    )
    record_audit("application.submitted", application, actor=actor, detail={"product": product.id})
    notify_institution(
        product.institution_id,
        "application.submitted",
        deal_params(application),
        application_link(application),
    )
    db.session.flush()
    if share_credit:
        grant_for_application(application, actor)
    return application


def apply_to_products(
    request: FinancingRequest, products: Sequence[Product], actor: User, *, share_credit=False
) -> list[Application]:
    """Apply the request to several products at once; all or none."""
    if not products:
        raise DomainError(_l("Please choose at least one product."), "product_ids")
    return [submit_application(request, p, actor, share_credit=share_credit) for p in products]


def withdraw_application(application: Application, actor: User, note: str = "") -> Application:
    """The firm withdraws an application that is not yet decided (or declines an approval)."""
    application = transition_application(application, ApplicationStatus.WITHDRAWN, actor, note)
    notify_institution(
        application.institution_id,
        "application.withdrawn",
        deal_params(application),
        application_link(application),
    )
    return application


def reroute_application(application: Application, product: Product, actor: User) -> Application:
    """One action for a firm left waiting: withdraw the application and apply to `product`."""
    if product.id == application.product_id:
        raise DomainError(_l("Please choose another product."), "product_id")
    withdraw_application(application, actor, "re-routed")
    return submit_application(application.request, product, actor, note="re-routed")


def take_into_review(application: Application, actor: User) -> Application:
    """The institution starts reviewing the application (this stops the response clock)."""
    application = transition_application(application, ApplicationStatus.IN_REVIEW, actor)
    notify_enterprise(
        application.enterprise_id,
        "application.in_review",
        deal_params(application),
        application_link(application),
    )
    return application


def approve_application(
    application: Application,
    actor: User,
    *,
    amount_yuan,
    rate,
    term_months: int,
    note: str = "",
    reason: str = "",
) -> Application:
    """Approve with the amount, rate and term granted; the firm is notified.

    Terms outside the product's ranges or above the firm's highest acceptable rate need a
    reason, and then wait for the firm's acceptance instead of counting as approved.
    """
    amount = parse_amount(amount_yuan, "amount_yuan")
    rate_value = check_rate(rate, "rate")
    term = check_term(term_months)
    breaches = approval_breaches(application, amount, rate_value, term)
    reason = reason.strip()[:MAX_NOTE]
    if breaches and not reason:
        raise DomainError(
            _l(
                "%(limits)s. Terms outside the limits need a reason, and the firm must accept "
                "them.",
                limits=breaches_text(breaches),
            ),
            "reason",
        )
    to = ApplicationStatus.AWAITING_FIRM if breaches else ApplicationStatus.APPROVED
    application = transition_application(application, to, actor, note)
    application.approved_amount_yuan = amount
    application.approved_rate = rate_value
    application.approved_term_months = term
    application.limit_breaches = breaches
    application.limit_reason = reason if breaches else ""
    db.session.flush()
    notify_enterprise(
        application.enterprise_id,
        f"application.{to.value}",
        deal_params(application),
        application_link(application),
    )
    return application


def reject_application(
    application: Application, actor: User, *, reason: str, note: str = ""
) -> Application:
    """Reject with a reason from the list (and free text); the firm sees the next-best
    products, and its specialist is asked to help re-route."""
    if reason not in REJECT_REASONS:
        raise DomainError(_l("Please choose a reason from the list."), "reason")
    if reason == "other" and not note.strip():
        raise DomainError(_l("Please explain the reason in the note."), "note")
    application = transition_application(application, ApplicationStatus.REJECTED, actor, note)
    application.reject_reason = reason
    application.reject_note = note.strip()[:MAX_NOTE]
    db.session.flush()
    params = deal_params(application)
    link = application_link(application)
    notify_enterprise(application.enterprise_id, "application.rejected", params, link)
    notify_user_id(
        application.enterprise.specialist_id, "application.rejected_specialist", params, link
    )
    return application


def next_best_products(application: Application, top_k: int = 3) -> list[RankedProduct]:
    """Eligible products for the application's request that the firm has not tried yet."""
    tried = db.session.scalars(
        sa.select(Application.product_id).where(Application.request_id == application.request_id)
    ).all()
    return rank_products_for_request(application.request, top_k, exclude_ids=tried)


def mark_request_fulfilled(request: FinancingRequest, actor: User | None) -> None:
    """A request whose money has arrived is fulfilled (idempotent)."""
    if request.status == RequestStatus.OPEN:
        transition_request(request, RequestStatus.FULFILLED, actor, "disbursed")
