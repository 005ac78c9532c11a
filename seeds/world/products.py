"""Drawing the world's products: the kinds each institution posts, their ranges and rules.

Arrays hold one entry per product (index = id - 1); loan rates follow the benchmark of the day
a product was posted (`facts.benchmark_rate`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from seeds.world import facts
from seeds.world.facts import MINUTES_PER_DAY, WorldSize
from seeds.world.institutions import Institutions


@dataclass
class Products:
    """Products as arrays; index i is product id i + 1."""

    institution: np.ndarray
    kind: np.ndarray  # index into facts.PRODUCT_KINDS
    amount_min: np.ndarray  # yuan
    amount_max: np.ndarray
    term_min: np.ndarray
    term_max: np.ndarray
    rate_min: np.ndarray  # hundredths of a percent
    rate_max: np.ndarray
    fee_rate: np.ndarray
    collateral_required: np.ndarray
    guarantee_required: np.ndarray
    min_years: np.ndarray
    min_revenue: np.ndarray
    little_giant_only: np.ndarray
    members_only: np.ndarray
    pool_covered: np.ndarray
    # Hidden: where the product's lowest rate sits in its kind's markup range (0 = cheapest,
    # 1 = dearest; 0.5 for products without a rate). Cheap lenders take good risks only.
    price_position: np.ndarray
    industries: np.ndarray  # product × division, all False = open to every division
    districts: np.ndarray  # product × district, all False = open to every district
    created_minute: np.ndarray
    retired_minute: np.ndarray  # -1 = still active
    names: list[str]
    external_ids: list[str]


def draw_products(
    rng: np.random.Generator,
    size: WorldSize,
    institutions: Institutions,
    n_divisions: int,
    n_districts: int,
    history_start_day: int,
) -> Products:
    """Products of every kind, their ranges and rates anchored to the benchmark of their day."""
    n = size.products
    approved = np.flatnonzero(institutions.approved)
    kind_weight = {
        "tech_branch": 3.0,
        "bank": 2.0,
        "credit_community": 1.0,
        "guarantee": 1.5,
        "fund": 1.0,
        "insurer": 1.0,
        "leasing": 1.0,
        "service": 0.7,
    }
    weight = np.array([kind_weight[institutions.kind[i]] for i in approved])
    rest = rng.choice(approved, size=n - len(approved) - 5, p=weight / weight.sum())
    institution = np.sort(np.concatenate([np.zeros(5, dtype=np.int64), approved, rest]))
    kind = np.empty(n, dtype=np.int64)
    for i, inst in enumerate(institution.tolist()):
        options = facts.KINDS_BY_INSTITUTION[institutions.kind[inst]]
        p = np.array([0.5, 0.25, 0.15, 0.1][: len(options)])
        kind[i] = facts.PRODUCT_KINDS.index(options[rng.choice(len(options), p=p / p.sum())])
    # The demo branch offers one product of each loan kind it knows.
    kind[:4] = [facts.PRODUCT_KINDS.index(k) for k in facts.KINDS_BY_INSTITUTION["tech_branch"]]

    launched_late = rng.random(n) < 0.3
    span_days = facts.END_DAY - history_start_day
    created_day = np.where(
        launched_late,
        history_start_day + rng.integers(0, max(span_days - 60, 1), n),
        history_start_day - rng.integers(1, 200, n),
    )
    created_minute = np.maximum(
        created_day * MINUTES_PER_DAY + 90 + rng.integers(0, 400, n),
        institutions.approved_minute[institution] + 60,
    )
    created_day = created_minute // MINUTES_PER_DAY
    retired = (rng.random(n) < 0.07) & (created_day + 240 < facts.END_DAY)
    retired[:5] = False
    retired_day = created_day + 180 + rng.integers(0, 400, n)
    retired_minute = np.where(
        retired & (retired_day < facts.END_DAY), retired_day * MINUTES_PER_DAY + 200, -1
    )

    amount_min = np.zeros(n, dtype=np.int64)
    amount_max = np.zeros(n, dtype=np.int64)
    term_min = np.zeros(n, dtype=np.int64)
    term_max = np.zeros(n, dtype=np.int64)
    rate_min = np.zeros(n, dtype=np.int64)
    rate_max = np.zeros(n, dtype=np.int64)
    fee_rate = np.zeros(n, dtype=np.int64)
    price_position = np.full(n, 0.5)
    one_year = facts.benchmark_rate(created_day, np.full(n, 12))
    for k, name in enumerate(facts.PRODUCT_KINDS):
        rows = np.flatnonzero(kind == k)
        m = len(rows)
        if not m:
            continue
        log_min, width, tmin, tspan, markup, fee = facts.PRODUCT_SHAPES[name]
        low = np.round(10 ** rng.uniform(*log_min, m) / 10_000) * 10_000
        high = np.round(low * 10 ** rng.uniform(*width, m) / 100_000) * 100_000
        amount_min[rows] = np.maximum(low, 10_000)
        amount_max[rows] = np.maximum(high, amount_min[rows])
        term_min[rows] = rng.choice(np.array(tmin), m)
        term_max[rows] = term_min[rows] + rng.choice(np.array(tspan), m)
        if markup is not None:
            base = one_year[rows]
            price_position[rows] = rng.random(m)
            lowest = markup[0] + price_position[rows] * (markup[1] - 0.05 - markup[0])
            rate_min[rows] = np.round(base * (1 + lowest) * 100)
            rate_max[rows] = np.round(base * (1 + markup[1] + rng.uniform(0.1, 0.4, m)) * 100)
        elif name == "insurance":  # the premium, % of the sum insured
            rate_min[rows] = np.round(rng.uniform(0.5, 1.5, m) * 100)
            rate_max[rows] = rate_min[rows] + np.round(rng.uniform(0.3, 1.5, m) * 100)
        fee_rate[rows] = np.round(rng.uniform(*fee, m) * 100)

    kind_name = np.array(facts.PRODUCT_KINDS)[kind]
    inst_kind = np.array(institutions.kind)[institution]
    restrict_industry = rng.random(n) < 0.3
    industries = institutions.industry_appetite[institution] > 0
    industries &= restrict_industry[:, None]
    restrict_district = (rng.random(n) < 0.2) & (inst_kind != "credit_community")
    districts = np.zeros((n, n_districts), dtype=bool)
    districts[np.arange(n), institutions.district[institution]] = True
    extra = rng.integers(n_districts, size=(n, 3))
    districts[np.arange(n)[:, None], extra] = True
    districts &= restrict_district[:, None]
    loan = np.isin(kind_name, ("credit_loan", "ip_pledge", "guarantee_loan", "pledge_loan"))
    # Banks lend without collateral to established firms only (credit communities vouch for
    # their members instead): such credit loans ask for revenue, most also for years.
    unsecured = (kind_name == "credit_loan") & (inst_kind != "credit_community")
    return Products(
        institution=institution,
        kind=kind,
        amount_min=amount_min,
        amount_max=amount_max,
        term_min=term_min,
        term_max=term_max,
        rate_min=rate_min,
        rate_max=rate_max,
        fee_rate=fee_rate,
        collateral_required=(kind_name == "pledge_loan") | (loan & (rng.random(n) < 0.08)),
        guarantee_required=kind_name == "guarantee_loan",
        min_years=np.maximum(
            np.where(rng.random(n) < 0.3, rng.integers(1, 4, n), 0),
            np.where(unsecured & (rng.random(n) < 0.6), 2, 0),
        ),
        min_revenue=np.maximum(
            np.where(rng.random(n) < 0.2, np.round(10 ** rng.uniform(6, 7, n) / 1e5) * 1e5, 0),
            np.where(unsecured, np.round(10 ** rng.uniform(7.0, 7.7, n) / 1e6) * 1e6, 0),
        ).astype(np.int64),
        little_giant_only=(rng.random(n) < 0.04) & loan,
        members_only=inst_kind == "credit_community",
        pool_covered=(kind_name == "credit_loan")
        & np.isin(inst_kind, ("tech_branch", "bank"))
        & (rng.random(n) < 0.5),
        price_position=price_position,
        industries=industries,
        districts=districts,
        created_minute=created_minute,
        retired_minute=retired_minute,
        names=_product_names(rng, kind_name, created_day),
        external_ids=[
            f"P{inst + 1:04d}-{i + 1:05d}" for i, inst in enumerate(institution.tolist())
        ],
    )


_KIND_WORDS = {
    "credit_loan": "信用贷",
    "ip_pledge": "知识产权质押贷",
    "guarantee_loan": "担保贷",
    "pledge_loan": "抵质押贷",
    "equity_investment": "股权投资计划",
    "insurance": "科技保险",
    "leasing": "设备融资租赁",
    "other": "综合金融服务",
}


def _product_names(rng: np.random.Generator, kind_name: np.ndarray, created_day) -> list[str]:
    brand = rng.integers(len(facts.PRODUCT_BRANDS), size=len(kind_name))
    year = (facts.ANCHOR64.astype("datetime64[D]") + created_day).astype("datetime64[Y]")
    year = year.astype(np.int64) + 1970
    return [
        f"{_branded(facts.PRODUCT_BRANDS[b], _KIND_WORDS[k])}（{y}版）"
        for b, k, y in zip(brand.tolist(), kind_name.tolist(), year.tolist(), strict=True)
    ]


def _branded(brand: str, kind_word: str) -> str:
    """The brand before the kind's word, once: 知识 + 知识产权质押贷 is 知识产权质押贷."""
    return kind_word if kind_word.startswith(brand) else brand + kind_word
