"""The catalogue side of the adapter: products (and the category indexes they share with
requests) as the engine's tables. `finplatform.ranking.tables` builds requests and history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from finplatform.extensions import db
from finplatform.models import (
    District,
    Industry,
    Institution,
    InstitutionStatus,
    Product,
    ProductStatus,
)
from matching.schema import INSTITUTION_KINDS, MAX_COMMUNITIES, PRODUCT_KINDS, Products

# The platform's kinds that the engine names differently (or not at all).
INSTITUTION_KIND_ALIASES = {"guarantee": "guarantee_firm"}


@dataclass
class Categories:
    """The platform's industry divisions and districts → the engine's category indexes."""

    industries: dict[str, int]
    districts: dict[str, int]


def categories() -> Categories:
    """Index the industry divisions and districts in code order."""
    industries = db.session.scalars(
        sa.select(Industry.code).where(Industry.level == "division").order_by(Industry.code)
    ).all()
    districts = db.session.scalars(sa.select(District.code).order_by(District.code)).all()
    return Categories(
        industries={code: i for i, code in enumerate(industries)},
        districts={code: i for i, code in enumerate(districts)},
    )


def product_kind_index(code: str) -> int:
    """The engine's index of a platform product kind (unknown kinds count as "other")."""
    return PRODUCT_KINDS.index(code) if code in PRODUCT_KINDS else PRODUCT_KINDS.index("other")


def _institution_kind_index(code: str) -> int:
    code = INSTITUTION_KIND_ALIASES.get(code, code)
    return INSTITUTION_KINDS.index(code if code in INSTITUTION_KINDS else "other")


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


def community_index(products: Sequence[Product]) -> dict[int, int]:
    """Members-only products' institutions → bit positions (the engine packs them in 63 bits)."""
    communities = sorted({p.institution_id for p in products if p.members_only})
    return {institution_id: i for i, institution_id in enumerate(communities[:MAX_COMMUNITIES])}


def products_table(products: Sequence[Product], cats: Categories, communities: dict) -> Products:
    """The products as the engine's table, in the given order."""
    rows = [
        {
            "id": p.id,
            "institution_id": p.institution_id,
            "institution_kind": _institution_kind_index(p.institution.kind_code),
            "kind": product_kind_index(p.kind_code),
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
