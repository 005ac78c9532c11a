"""Product management: an approved institution posts, edits and retires its products.

Retiring keeps the row (applications, offers and reports point at it); it only stops new
applications and offers.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from finplatform.audit import record_audit
from finplatform.deals.services import check_rate, check_term, parse_amount
from finplatform.exceptions import DomainError
from finplatform.extensions import db
from finplatform.models import (
    District,
    Industry,
    Institution,
    Product,
    ProductKind,
    ProductStatus,
    User,
    utcnow,
)
from finplatform.ranking.versions import invalidate_catalogue
from finplatform.states import PRODUCT

MAX_MIN_YEARS = 50
COMMUNITY_KIND = "credit_community"


def _penalty_markup(value) -> Decimal:
    """The penalty markup in percent (0–100; 50 when not given), or DomainError."""
    if value in (None, ""):
        return Decimal("50")
    try:
        markup = Decimal(str(value))
    except InvalidOperation as exc:
        raise DomainError(_l("Please enter a percentage, e.g. 50."), "penalty_markup") from exc
    if not markup.is_finite() or not 0 <= markup <= 100:
        raise DomainError(_l("Between 0 and 100 percent."), "penalty_markup")
    return markup


def _set_values(product: Product, institution: Institution, values: dict) -> None:
    name = (values.get("name") or "").strip()
    if not name:
        raise DomainError(_l("This field is required."), "name")
    product.name = name[:120]
    product.description = (values.get("description") or "").strip()
    kind = db.session.get(ProductKind, values.get("kind_code") or "")
    if kind is None:
        raise DomainError(_l("Please choose a value from the list."), "kind_code")
    product.kind_code = kind.code
    product.amount_min_yuan = parse_amount(values["amount_min_yuan"], "amount_min_yuan")
    product.amount_max_yuan = parse_amount(values["amount_max_yuan"], "amount_max_yuan")
    if product.amount_min_yuan > product.amount_max_yuan:
        raise DomainError(_l("The maximum must not be below the minimum."), "amount_max_yuan")
    product.term_min_months = check_term(values["term_min_months"], "term_min_months")
    product.term_max_months = check_term(values["term_max_months"], "term_max_months")
    if product.term_min_months > product.term_max_months:
        raise DomainError(_l("The maximum must not be below the minimum."), "term_max_months")
    product.rate_min = check_rate(values["rate_min"], "rate_min")
    product.rate_max = check_rate(values["rate_max"], "rate_max")
    if product.rate_min > product.rate_max:
        raise DomainError(_l("The maximum must not be below the minimum."), "rate_max")
    product.fee_rate = check_rate(values.get("fee_rate") or 0, "fee_rate")
    product.penalty_markup = _penalty_markup(values.get("penalty_markup"))
    product.collateral_required = bool(values.get("collateral_required"))
    product.guarantee_required = bool(values.get("guarantee_required"))
    min_years = int(values.get("min_years") or 0)
    if not 0 <= min_years <= MAX_MIN_YEARS:
        raise DomainError(_l("Between 0 and %(n)d years.", n=MAX_MIN_YEARS), "min_years")
    product.min_years = min_years
    min_revenue = values.get("min_revenue_yuan")
    product.min_revenue_yuan = (
        Decimal(0)
        if min_revenue in (None, "", 0)
        else parse_amount(min_revenue, "min_revenue_yuan")
    )
    product.little_giant_only = bool(values.get("little_giant_only"))
    members_only = bool(values.get("members_only"))
    if members_only and institution.kind_code != COMMUNITY_KIND:
        raise DomainError(
            _l("Only a credit community can reserve products for its members."), "members_only"
        )
    product.members_only = members_only
    pool_covered = bool(values.get("pool_covered"))
    if pool_covered and not kind.is_credit_loan:
        raise DomainError(_l("The risk guarantee pool covers credit loans only."), "pool_covered")
    product.pool_covered = pool_covered
    industry_codes = list(values.get("industry_codes") or [])
    industries = list(
        db.session.scalars(sa.select(Industry).where(Industry.code.in_(industry_codes)))
    )
    if len(industries) != len(set(industry_codes)):
        raise DomainError(_l("Please choose a value from the list."), "industry_codes")
    product.industries = industries
    district_codes = list(values.get("district_codes") or [])
    districts = list(
        db.session.scalars(sa.select(District).where(District.code.in_(district_codes)))
    )
    if len(districts) != len(set(district_codes)):
        raise DomainError(_l("Please choose a value from the list."), "district_codes")
    product.districts = districts


def _require_approved(institution: Institution) -> None:
    if not institution.is_approved:
        raise DomainError(_l("Your institution must be approved before it can post products."))


def create_product(institution: Institution, actor: User, **values) -> Product:
    """Post a new active product for the institution; one not in good standing (pending
    approval or suspended) prepares a draft that nobody else sees."""
    status = ProductStatus.ACTIVE if institution.is_approved else ProductStatus.DRAFT
    product = Product(institution=institution, status=status)
    _set_values(product, institution, values)
    db.session.add(product)
    db.session.flush()
    record_audit("product.created", product, actor=actor)
    invalidate_catalogue()
    return product


def update_product(product: Product, actor: User, **values) -> Product:
    """Edit a product's terms and eligibility (active or retired; drafts at any standing)."""
    if product.status != ProductStatus.DRAFT:
        _require_approved(product.institution)
    _set_values(product, product.institution, values)
    product.updated_at = utcnow()
    record_audit("product.updated", product, actor=actor)
    db.session.flush()
    invalidate_catalogue()
    return product


def set_product_status(product: Product, status: ProductStatus, actor: User) -> Product:
    """Retire a product (it keeps its history), bring a retired one back or publish a draft."""
    if product.status == status:
        return product
    if status == ProductStatus.ACTIVE:
        _require_approved(product.institution)
    PRODUCT.move(product, status)
    product.retired_at = utcnow() if status == ProductStatus.RETIRED else None
    product.updated_at = utcnow()
    record_audit(f"product.{status.value}", product, actor=actor)
    db.session.flush()
    invalidate_catalogue()
    return product
