"""Which products each request applies to, and the hidden odds that each application is approved.

`approval_logit` is the formula of the hidden process described in `seeds.world.generate`.
"""

from __future__ import annotations

import numpy as np

from seeds.world import facts
from seeds.world.facts import MINUTES_PER_DAY, NEVER, WorldSize
from seeds.world.financing_requests import Requests
from seeds.world.firms import Firms
from seeds.world.institutions import Institutions
from seeds.world.products import Products

DAY = MINUTES_PER_DAY
LOAN_KINDS = ("credit_loan", "ip_pledge", "guarantee_loan", "pledge_loan")


def _size_band(revenue: np.ndarray) -> np.ndarray:
    # The engine's size bands (matching.bands.SIZE_BAND_EDGES_YUAN).
    return np.searchsorted(np.array([5e6, 2e7, 1e8]), revenue, side="right")


def choose_applications(
    rng: np.random.Generator,
    size: WorldSize,
    requests: Requests,
    firms: Firms,
    products: Products,
    institutions: Institutions,
    history_start_day: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Each request applies to a few products it is eligible for, picked with a mild bias
    towards local institutions and the kind it asked for first; returns (request, product)
    row pairs ordered by request."""
    n = len(requests.firm)
    firm = requests.firm
    kind_bit = 1 << products.kind
    inst_district = institutions.district[products.institution]
    # Category rules become lookup tables (category × product) gathered row by row: contiguous
    # reads instead of a strided column gather per request.
    masks, mask_row = np.unique(requests.kinds, return_inverse=True)
    kind_ok = (masks[:, None] == 0) | ((masks[:, None] & kind_bit) != 0)
    industry_ok = ~products.industries.any(axis=1) | products.industries.T
    district_ok = ~products.districts.any(axis=1) | products.districts.T
    community_bit = np.where(
        products.members_only,
        1 << np.maximum(institutions.community_index[products.institution], 0),
        0,
    )
    member_sets, member_row = np.unique(firms.communities, return_inverse=True)
    member_ok = ~products.members_only | ((member_sets[:, None] & community_bit) != 0)
    giant_ok = np.vstack([~products.little_giant_only, np.ones(len(kind_bit), dtype=bool)])
    no_rate = np.isin(
        np.array(facts.PRODUCT_KINDS)[products.kind], ("equity_investment", "insurance", "other")
    )
    rate_floor = np.where(no_rate, 0, products.rate_min)
    retired = np.where(products.retired_minute < 0, NEVER, products.retired_minute)
    # Preferences among eligible products: local institutions, the kind asked for first, and a
    # firm's own credit community (log-weights).
    n_districts = firms.district.max() + 1
    local = np.float32(1.0) * (inst_district[None, :] == np.arange(n_districts)[:, None])
    first_kind_ok = np.float32(0.8) * (((masks & -masks)[:, None] & kind_bit) != 0)
    member_bonus = np.float32(0.8) * products.members_only
    # Applications each request would like to make (fewer when few products fit).
    wanted = np.minimum(1 + rng.poisson(size.applications_per_request - 0.4, n), 12)
    request_rows, product_rows = [], []
    chunk = 2000
    for start in range(0, n, chunk):
        rows = np.arange(start, min(start + chunk, n))
        f = firm[rows]
        posted = requests.posted_minute[rows][:, None]
        amount = requests.amount[rows][:, None]
        term = requests.term[rows][:, None]
        max_rate = np.where(requests.max_rate[rows] == 0, NEVER, requests.max_rate[rows])[:, None]
        age_years = ((requests.posted_minute[rows] // DAY) - firms.founded_day[f]) / 365.25
        ok = kind_ok[mask_row[rows]]
        ok &= industry_ok[firms.industry[f]]
        ok &= district_ok[firms.district[f]]
        ok &= member_ok[member_row[f]]
        ok &= giant_ok[firms.little_giant[f].astype(np.intp)]
        ok &= amount >= products.amount_min
        ok &= amount <= products.amount_max
        ok &= term >= products.term_min
        ok &= term <= products.term_max
        ok &= age_years[:, None] >= products.min_years
        ok &= firms.revenue[f][:, None] >= products.min_revenue
        ok &= posted >= products.created_minute
        ok &= posted < retired
        ok &= rate_floor <= max_rate
        # Gumbel-top-k: the k largest of log-weight + Gumbel noise are a weighted sample
        # without replacement (dense and float32: cheaper than listing the eligible pairs).
        keys = local[firms.district[f]] + first_kind_ok[mask_row[rows]] + member_bonus
        uniform = rng.random(ok.shape, dtype=np.float32)
        keys -= np.log(-np.log(np.maximum(uniform, np.float32(1e-12))))
        keys[~ok] = -np.inf
        top = np.argpartition(-keys, 11, axis=1)[:, :12]
        top_keys = np.take_along_axis(keys, top, axis=1)
        by_key = np.argsort(-top_keys, axis=1, kind="stable")
        top = np.take_along_axis(top, by_key, axis=1)
        top_keys = np.take_along_axis(top_keys, by_key, axis=1)
        take = np.isfinite(top_keys) & (np.arange(12) < wanted[rows][:, None])
        request_rows.append(np.broadcast_to(rows[:, None], top.shape)[take])
        product_rows.append(top[take])
    return np.concatenate(request_rows), np.concatenate(product_rows)


def approval_logit(
    rng: np.random.Generator,
    requests: Requests,
    firms: Firms,
    products: Products,
    institutions: Institutions,
    req: np.ndarray,
    prod: np.ndarray,
) -> np.ndarray:
    """The hidden process: the log-odds that an institution approves an application."""
    f = requests.firm[req]
    inst = products.institution[prod]
    kind = np.array(facts.PRODUCT_KINDS)[products.kind[prod]]
    revenue = firms.revenue[f].astype(np.float64)
    amount = requests.amount[req].astype(np.float64)
    rating = np.where(firms.rating[f] >= 0, firms.rating[f] / 8.0, 0.35)
    band = _size_band(revenue) - 1.5
    intensity = firms.rd_spend[f] / np.maximum(revenue, 1.0)
    span = np.log(products.amount_max[prod] / products.amount_min[prod]) + 1e-9
    position = np.log(amount / products.amount_min[prod]) / span  # 0 at the min, 1 at the max
    term_span = np.maximum(products.term_max[prod] - products.term_min[prod], 1)
    term_position = (requests.term[req] - products.term_min[prod]) / term_span
    collateral = requests.collateral[req] > 0
    member = products.members_only[prod]
    credit = kind == "credit_loan"
    priced = np.isin(kind, LOAN_KINDS) | (kind == "leasing")
    cheap = 0.5 - products.price_position[prod]  # +0.5 cheapest of its kind … -0.5 dearest
    return (
        institutions.base[inst]
        + institutions.industry_appetite[inst, firms.industry[f]]
        + institutions.district_appetite[inst, firms.district[f]]
        + institutions.size_slope[inst] * band
        + 0.5 * firms.quality[f]
        + 0.6 * (rating - 0.5)
        - 0.9 * np.maximum(np.log10(amount / np.maximum(revenue, 1.0)) + 0.3, 0.0)
        - 1.2 * np.maximum(position - 0.75, 0.0)
        - 0.5 * np.maximum(term_position - 0.8, 0.0)
        - 1.3 * (products.collateral_required[prod] & ~collateral)
        + 0.4 * firms.little_giant[f]
        + 0.25 * firms.high_tech[f]
        + 0.6 * member
        + 0.35 * (products.pool_covered[prod] & credit)
        + credit * (6.0 * (rating - 0.7) + 1.5 * band - 1.3)
        + priced * 8.0 * cheap * (rating - 0.5)
        + (kind == "ip_pledge") * (1.2 * np.log1p(firms.patents[f]) - 2.2)
        + (kind == "equity_investment") * (12.0 * (intensity - 0.1) + 0.8 * firms.little_giant[f])
        + rng.normal(0.0, 0.4, len(req))
        - 2.7
    )
