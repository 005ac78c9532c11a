"""Ranking products for a financing request: database rows → `matching` arrays → ranked products.

This is the one module that adapts the database to the ranking engine. Until a trained model is
integrated it ranks with the transparent rule score (`Ranker` without a model, cold-start
history); the integration swaps the model (and the history) in here, and nothing else changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from finplatform.extensions import db
from finplatform.i18n import is_english
from finplatform.models import (
    CommunityMembership,
    District,
    FinancingRequest,
    Industry,
    Institution,
    InstitutionStatus,
    Product,
    ProductStatus,
)
from matching.eligibility import RULES_BY_CODE, check_eligibility
from matching.ranker import Ranker
from matching.schema import (
    CREDIT_RATINGS,
    INSTITUTION_KINDS,
    MAX_COMMUNITIES,
    PRODUCT_KINDS,
    Products,
    Requests,
    kinds_mask,
)

EPOCH_ORDINAL = 719163  # date(1970, 1, 1).toordinal(): matching counts days from 1970-01-01
# The platform's kinds that the engine names differently (or not at all).
INSTITUTION_KIND_ALIASES = {"guarantee": "guarantee_firm"}


@dataclass(frozen=True)
class RankedProduct:
    """One product proposed for a request: its rank, score and readable reasons."""

    product: Product
    rank: int
    score: float
    reasons: list[str]
    source: str  # "rule" until a trained model serves


@dataclass
class _Categories:
    industries: dict[str, int]
    districts: dict[str, int]


def _categories() -> _Categories:
    industries = db.session.scalars(
        sa.select(Industry.code).where(Industry.level == "division").order_by(Industry.code)
    ).all()
    districts = db.session.scalars(sa.select(District.code).order_by(District.code)).all()
    return _Categories(
        industries={code: i for i, code in enumerate(industries)},
        districts={code: i for i, code in enumerate(districts)},
    )


def _product_kind_index(code: str) -> int:
    return PRODUCT_KINDS.index(code) if code in PRODUCT_KINDS else PRODUCT_KINDS.index("other")


def _institution_kind_index(code: str) -> int:
    code = INSTITUTION_KIND_ALIASES.get(code, code)
    return INSTITUTION_KINDS.index(code if code in INSTITUTION_KINDS else "other")


def _as_float(value: Decimal | None) -> float:
    return float(value) if value is not None else float("nan")


def catalogue(product_ids: Sequence[int] | None = None) -> list[Product]:
    """Active products of approved institutions (optionally only the given ids)."""
    query = (
        sa.select(Product)
        .join(Institution, Product.institution_id == Institution.id)
        .where(
            Product.status == ProductStatus.ACTIVE,
            Institution.status == InstitutionStatus.APPROVED,
        )
        .options(selectinload(Product.industries), selectinload(Product.districts))
        .order_by(Product.id)
    )
    if product_ids is not None:
        query = query.where(Product.id.in_(list(product_ids)))
    return list(db.session.scalars(query))


def _community_index(products: Sequence[Product]) -> dict[int, int]:
    """Members-only products' institutions → bit positions (the engine packs them in 63 bits)."""
    communities = sorted({p.institution_id for p in products if p.members_only})
    return {institution_id: i for i, institution_id in enumerate(communities[:MAX_COMMUNITIES])}


def _products_table(products: Sequence[Product], cats: _Categories, communities: dict) -> Products:
    rows = [
        {
            "id": p.id,
            "institution_id": p.institution_id,
            "institution_kind": _institution_kind_index(p.institution.kind_code),
            "kind": _product_kind_index(p.kind_code),
            "amount_min": float(p.amount_min_yuan),
            "amount_max": float(p.amount_max_yuan),
            "term_min": p.term_min_months,
            "term_max": p.term_max_months,
            "rate_min": float(p.rate_min),
            "rate_max": float(p.rate_max),
            "collateral_required": p.collateral_required,
            "industries": [
                cats.industries[i.code] for i in p.industries if i.code in cats.industries
            ],
            "districts": [cats.districts[d.code] for d in p.districts if d.code in cats.districts],
            "min_years": p.min_years,
            "min_revenue": float(p.min_revenue_yuan or 0),
            "little_giant_only": p.little_giant_only,
            # A members-only product beyond the 63 indexed communities stays closed (index 62
            # would be wrong, -1 would open it): such catalogues need the engine widened.
            "members_only_community": communities.get(p.institution_id, -1)
            if p.members_only
            else -1,
            "pool_covered": p.pool_covered,
        }
        for p in products
    ]
    return Products.from_rows(rows, len(cats.industries), len(cats.districts))


def _firm_age_years(founded_on: date | None, today: date) -> float:
    return 0.0 if founded_on is None else max((today - founded_on).days / 365.25, 0.0)


def _request_table(request: FinancingRequest, cats: _Categories, communities: dict) -> Requests:
    firm = request.enterprise
    member_of = db.session.scalars(
        sa.select(CommunityMembership.community_id).where(
            CommunityMembership.enterprise_id == firm.id
        )
    ).all()
    bits = 0
    for community_id in member_of:
        if community_id in communities:
            bits |= 1 << communities[community_id]
    rating = firm.credit_rating if firm.credit_rating in CREDIT_RATINGS else "unrated"
    posted = request.created_at.date() if request.created_at else date.today()
    row = {
        "id": request.id or 0,
        "enterprise_id": firm.id,
        "amount_yuan": float(request.amount_yuan),
        "term_months": request.term_months,
        "max_rate": _as_float(request.max_rate),
        "accepted_kinds": kinds_mask(
            {PRODUCT_KINDS[_product_kind_index(kind.code)] for kind in request.accepted_kinds}
        ),
        "industry": cats.industries.get(firm.industry_code, 0),
        "district": cats.districts.get(firm.district_code, 0),
        "firm_age_years": _firm_age_years(firm.founded_on, date.today()),
        "employees": firm.employees or 0,
        "revenue_yuan": _as_float(firm.revenue_yuan),
        "rd_spend_yuan": _as_float(firm.rd_spend_yuan),
        "patents": firm.patents or 0,
        "little_giant": firm.is_little_giant,
        "high_tech": firm.is_high_tech,
        "credit_rating": CREDIT_RATINGS.index(rating),
        "collateral_offered": bool(request.collateral_offered.strip()),
        "communities": bits,
        "posted_at": posted.toordinal() - EPOCH_ORDINAL,
    }
    return Requests.from_rows([row])


def rank_products_for_request(
    request: FinancingRequest, top_k: int = 10, *, exclude_ids: Sequence[int] = ()
) -> list[RankedProduct]:
    """The best `top_k` eligible products for the request, best first, with reasons."""
    excluded = set(exclude_ids)
    products = [p for p in catalogue() if p.id not in excluded]
    if not products:
        return []
    cats = _categories()
    communities = _community_index(products)
    ranker = Ranker(_products_table(products, cats, communities))
    ranked = ranker.rank(_request_table(request, cats, communities), top_k=top_k)
    by_id = {p.id: p for p in products}
    lang = "en" if is_english() else "zh"
    return [
        RankedProduct(
            product=by_id[int(product_id)],
            rank=position + 1,
            score=float(ranked.scores[position]),
            reasons=[reason.text(lang) for reason in ranked.reasons[position]],
            source=ranked.source,
        )
        for position, product_id in enumerate(ranked.product_ids)
    ]


def eligibility_failures(request: FinancingRequest, products: Sequence[Product]) -> dict[int, str]:
    """Product id → the first eligibility rule it fails for the request (eligible ones absent)."""
    if not products:
        return {}
    cats = _categories()
    communities = _community_index(products)
    result = check_eligibility(
        _request_table(request, cats, communities),
        _products_table(products, cats, communities),
        0,
    )
    lang_en = is_english()
    failures = {}
    for product, code in zip(products, np.asarray(result.failed_rule).tolist(), strict=True):
        if code:
            rule = RULES_BY_CODE[int(code)]
            failures[product.id] = rule.en if lang_en else rule.zh
    return failures
