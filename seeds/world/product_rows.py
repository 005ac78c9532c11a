"""Rows of the world's products, with the industries and districts each one is limited to."""

from __future__ import annotations

import numpy as np

from seeds.world import facts
from seeds.world.facts import NEVER
from seeds.world.rows import RowContext, TableRows, datetimes, ids, rates, yuan


def product_rows(ctx: RowContext, products, institutions) -> list[TableRows]:
    n = len(products.kind)
    kind = [facts.PRODUCT_KINDS[k] for k in products.kind.tolist()]
    retired = products.retired_minute >= 0
    created = datetimes(products.created_minute)
    retired_at = datetimes(np.where(retired, products.retired_minute, NEVER))
    descriptions = [
        f"面向科技型中小企业的{name}，期限{lo}-{hi}个月。"
        for name, lo, hi in zip(
            products.names, products.term_min.tolist(), products.term_max.tolist(), strict=True
        )
    ]
    columns = (
        "id",
        "institution_id",
        "kind_code",
        "name",
        "description",
        "amount_min_yuan",
        "amount_max_yuan",
        "term_min_months",
        "term_max_months",
        "rate_min",
        "rate_max",
        "fee_rate",
        "collateral_required",
        "guarantee_required",
        "min_years",
        "min_revenue_yuan",
        "little_giant_only",
        "members_only",
        "pool_covered",
        "status",
        "retired_at",
        "updated_at",
        "external_id",
        "created_at",
    )
    rows = list(
        zip(
            ids(n),
            (products.institution + 1).tolist(),
            kind,
            products.names,
            descriptions,
            yuan(products.amount_min),
            yuan(products.amount_max),
            products.term_min.tolist(),
            products.term_max.tolist(),
            rates(products.rate_min),
            rates(products.rate_max),
            rates(products.fee_rate),
            products.collateral_required.tolist(),
            products.guarantee_required.tolist(),
            products.min_years.tolist(),
            yuan(products.min_revenue),
            products.little_giant_only.tolist(),
            products.members_only.tolist(),
            products.pool_covered.tolist(),
            ["retired" if r else "active" for r in retired.tolist()],
            retired_at,
            retired_at,
            products.external_ids,
            created,
            strict=True,
        )
    )
    industry_pairs = np.argwhere(products.industries)
    district_pairs = np.argwhere(products.districts)
    return [
        TableRows("products", columns, rows),
        TableRows(
            "product_industries",
            ("product_id", "industry_code"),
            [(int(p) + 1, ctx.division_codes[d]) for p, d in industry_pairs.tolist()],
        ),
        TableRows(
            "product_districts",
            ("product_id", "district_code"),
            [(int(p) + 1, ctx.district_codes[d]) for p, d in district_pairs.tolist()],
        ),
    ]
