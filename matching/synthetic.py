"""A seeded synthetic world (institutions, products, requests, outcomes) for tests and benchmarks.

Outcomes follow a hidden process the engine never sees directly: each institution has an
appetite (a base approval level, favoured industries, its home district, how often it answers),
and each application's chance also depends on fit (amount against revenue, rating, collateral,
patents for IP pledges). A model that learns institution appetite from history should beat a
fixed rule score, and both should beat chance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matching.eligibility import check_eligibility
from matching.schema import (
    CREDIT_RATINGS,
    INSTITUTION_KINDS,
    OUTCOME_APPROVED,
    OUTCOME_DISBURSED,
    OUTCOME_IGNORED,
    OUTCOME_REJECTED,
    PRODUCT_KINDS,
    History,
    Products,
    Requests,
    allowed_matrix,
)

N_INDUSTRIES = 20
N_DISTRICTS = 16
N_COMMUNITIES = 10
DAY0 = 16071  # 2014-01-01 as days since 1970-01-01

_KINDS_BY_INSTITUTION = {
    "tech_branch": ("credit_loan", "ip_pledge", "pledge_loan"),
    "bank": ("credit_loan", "pledge_loan", "ip_pledge", "guarantee_loan"),
    "credit_community": ("credit_loan",),
    "guarantee_firm": ("guarantee_loan",),
    "fund": ("equity_investment",),
    "insurer": ("insurance",),
    "other": ("other", "credit_loan"),
}
_INSTITUTION_WEIGHTS = np.array([0.25, 0.35, 0.1, 0.12, 0.08, 0.05, 0.05])


@dataclass
class SyntheticWorld:
    """Requests, products and application history drawn from one hidden process."""

    requests: Requests
    products: Products
    history: History
    institution_appetite: np.ndarray  # hidden base approval logit per institution


def _pick(rng: np.random.Generator, options: tuple[str, ...], names: tuple[str, ...]) -> int:
    return names.index(options[rng.integers(len(options))])


def make_products(
    n_products: int, n_institutions: int, rng: np.random.Generator
) -> tuple[Products, dict[str, np.ndarray]]:
    """Draw a product catalogue and its institutions' hidden appetite."""
    inst_kind = rng.choice(len(INSTITUTION_KINDS), size=n_institutions, p=_INSTITUTION_WEIGHTS)
    appetite = {
        "base": rng.normal(-0.3, 0.8, n_institutions),
        "home": rng.integers(N_DISTRICTS, size=n_institutions),
        "favoured": rng.random((n_institutions, N_INDUSTRIES)) < 0.25,
        "answers": rng.uniform(0.6, 0.95, n_institutions),
    }
    institution = rng.integers(n_institutions, size=n_products)
    kinds = np.array(
        [
            _pick(rng, _KINDS_BY_INSTITUTION[INSTITUTION_KINDS[k]], PRODUCT_KINDS)
            for k in inst_kind[institution]
        ]
    )
    kind_name = np.array(PRODUCT_KINDS)[kinds]
    amount_min = 10 ** rng.uniform(5.0, 6.5, n_products)
    amount_max = amount_min * 10 ** rng.uniform(0.7, 2.0, n_products)
    term_min = rng.integers(1, 13, n_products)
    term_max = term_min + rng.integers(6, 49, n_products)
    rate_free = np.isin(kind_name, ("equity_investment", "insurance"))
    rate_min = np.where(rate_free, np.nan, rng.uniform(3.5, 7.0, n_products))
    restricted = rng.random(n_products) < 0.3
    industries = [
        np.flatnonzero(appetite["favoured"][inst]) if r else ()
        for inst, r in zip(institution, restricted, strict=True)
    ]
    district_lists = [
        rng.choice(N_DISTRICTS, size=rng.integers(2, 6), replace=False) if r else ()
        for r in rng.random(n_products) < 0.2
    ]
    community = np.where(
        (INSTITUTION_KINDS.index("credit_community") == inst_kind[institution])
        & (rng.random(n_products) < 0.5),
        rng.integers(N_COMMUNITIES, size=n_products),
        -1,
    )
    products = Products(
        id=np.arange(1, n_products + 1) * 10,
        institution_id=institution + 1000,
        institution_kind=inst_kind[institution],
        kind=kinds,
        amount_min=amount_min,
        amount_max=amount_max,
        term_min=term_min,
        term_max=term_max,
        rate_min=rate_min,
        rate_max=rate_min + rng.uniform(0.5, 3.0, n_products),
        collateral_required=np.isin(kind_name, ("pledge_loan",)) | (rng.random(n_products) < 0.15),
        eligible_industries=allowed_matrix(industries, N_INDUSTRIES),
        eligible_districts=allowed_matrix(district_lists, N_DISTRICTS),
        min_years=np.where(rng.random(n_products) < 0.3, rng.integers(1, 4, n_products), 0),
        min_revenue=np.where(rng.random(n_products) < 0.2, 10 ** rng.uniform(6, 7, n_products), 0),
        little_giant_only=rng.random(n_products) < 0.05,
        members_only_community=community,
        pool_covered=(kind_name == "credit_loan") & (rng.random(n_products) < 0.5),
    )
    return products, appetite


def make_requests(n_requests: int, n_days: int, rng: np.random.Generator) -> Requests:
    """Draw financing requests posted over ``n_days`` days, oldest first."""
    revenue = 10 ** rng.uniform(5.5, 8.5, n_requests)
    kinds_mask = np.zeros(n_requests, dtype=np.int64)
    picky = rng.random(n_requests) < 0.6
    for i in np.flatnonzero(picky):
        chosen = rng.choice(len(PRODUCT_KINDS), size=rng.integers(2, 6), replace=False)
        kinds_mask[i] = int(np.sum(1 << chosen))
    member = rng.random(n_requests) < 0.15
    return Requests(
        id=np.arange(1, n_requests + 1) * 7,
        enterprise_id=rng.integers(1, max(2, n_requests // 2), n_requests),
        amount_yuan=10 ** rng.uniform(5.5, 7.5, n_requests),
        term_months=rng.choice([6, 12, 24, 36], n_requests),
        max_rate=np.where(rng.random(n_requests) < 0.5, rng.uniform(5.0, 9.0, n_requests), np.nan),
        accepted_kinds=kinds_mask,
        industry=rng.integers(N_INDUSTRIES, size=n_requests),
        district=rng.integers(N_DISTRICTS, size=n_requests),
        firm_age_years=rng.exponential(5.0, n_requests),
        employees=rng.integers(3, 500, n_requests),
        revenue_yuan=revenue,
        rd_spend_yuan=revenue * rng.uniform(0.0, 0.3, n_requests),
        patents=rng.poisson(4.0, n_requests),
        little_giant=rng.random(n_requests) < 0.1,
        high_tech=rng.random(n_requests) < 0.4,
        credit_rating=rng.integers(0, len(CREDIT_RATINGS), n_requests),
        collateral_offered=rng.random(n_requests) < 0.4,
        communities=np.where(member, 1 << rng.integers(N_COMMUNITIES, size=n_requests), 0),
        posted_at=np.sort(DAY0 + rng.integers(0, n_days, n_requests)),
    )


def hidden_approval_logit(
    requests: Requests,
    products: Products,
    appetite: dict[str, np.ndarray],
    request_rows: np.ndarray,
    product_rows: np.ndarray,
) -> np.ndarray:
    """Return the hidden process's approval logit for (request, product) pairs."""
    inst = products.institution_id[product_rows] - 1000
    industry = requests.industry[request_rows]
    amount = requests.amount_yuan[request_rows]
    revenue = requests.revenue_yuan[request_rows]
    position = np.log(amount / products.amount_min[product_rows]) / np.log(
        products.amount_max[product_rows] / products.amount_min[product_rows]
    )
    needs_collateral = products.collateral_required[product_rows]
    kind = products.kind[product_rows]
    ip_pledge = kind == PRODUCT_KINDS.index("ip_pledge")
    equity = kind == PRODUCT_KINDS.index("equity_investment")
    credit = kind == PRODUCT_KINDS.index("credit_loan")
    rd_intensity = requests.rd_spend_yuan[request_rows] / revenue
    rating = requests.credit_rating[request_rows] / (len(CREDIT_RATINGS) - 1)
    return (
        appetite["base"][inst]
        + 1.8 * appetite["favoured"][inst, industry]
        + 0.9 * (appetite["home"][inst] == requests.district[request_rows])
        + 1.2 * (rating - 0.5)
        - 0.8 * np.maximum(np.log10(amount / revenue), 0.0)
        - 1.2 * (needs_collateral & ~requests.collateral_offered[request_rows])
        - 1.0 * np.clip(position - 0.7, 0.0, None)
        + 0.5 * requests.little_giant[request_rows]
        + 0.4 * ip_pledge * np.log1p(requests.patents[request_rows])
        # Kind × firm interactions: funds back R&D-heavy firms, credit loans lean on ratings.
        + 8.0 * equity * (rd_intensity - 0.15)
        + 2.5 * credit * (rating - 0.5)
        - 0.6
    )


def make_world(
    n_requests: int = 2000,
    n_products: int = 300,
    n_institutions: int = 40,
    n_days: int = 720,
    applications_per_request: int = 12,
    seed: int = 0,
) -> SyntheticWorld:
    """Draw a complete world; each request applies to a random sample of its eligible products."""
    rng = np.random.default_rng(seed)
    products, appetite = make_products(n_products, n_institutions, rng)
    requests = make_requests(n_requests, n_days, rng)
    eligible = check_eligibility(requests, products).mask
    request_rows, product_rows = [], []
    for row in range(n_requests):
        candidates = np.flatnonzero(eligible[row])
        if len(candidates) == 0:
            continue
        chosen = rng.choice(
            candidates, size=min(applications_per_request, len(candidates)), replace=False
        )
        request_rows.append(np.full(len(chosen), row))
        product_rows.append(chosen)
    request_rows = np.concatenate(request_rows)
    product_rows = np.concatenate(product_rows)
    logit = hidden_approval_logit(requests, products, appetite, request_rows, product_rows)
    answered = (
        rng.random(len(logit)) < appetite["answers"][products.institution_id[product_rows] - 1000]
    )
    approved = rng.random(len(logit)) < 1.0 / (1.0 + np.exp(-logit))
    disbursed = approved & (rng.random(len(logit)) < 0.8)
    outcome = np.select(
        [~answered, disbursed, approved],
        [OUTCOME_IGNORED, OUTCOME_DISBURSED, OUTCOME_APPROVED],
        OUTCOME_REJECTED,
    )
    decided_at = requests.posted_at[request_rows] + rng.integers(3, 46, len(logit))
    history = History.from_pairs(
        requests, products, request_rows, product_rows, decided_at, outcome
    )
    return SyntheticWorld(requests, products, history, appetite["base"])
