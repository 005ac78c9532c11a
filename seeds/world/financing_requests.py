"""Drawing the world's financing requests: when firms post them, for how much and which kinds.

Requests peak at quarter ends and dip around the Spring Festival; times are whole minutes
after `facts.ANCHOR` (UTC).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from seeds.world import facts
from seeds.world.facts import MINUTES_PER_DAY, WorldSize
from seeds.world.firms import Firms

DAY = MINUTES_PER_DAY


@dataclass
class Requests:
    """Financing requests as arrays; index i is request id i + 1 (ordered by posting time)."""

    firm: np.ndarray
    posted_minute: np.ndarray
    amount: np.ndarray  # yuan
    term: np.ndarray
    kinds: np.ndarray  # bitmask over facts.PRODUCT_KINDS, 0 = any kind
    max_rate: np.ndarray  # hundredths of a percent, 0 = no ceiling
    collateral: np.ndarray  # index into facts.COLLATERALS, 0 = none offered
    purpose: np.ndarray


def draw_requests(
    rng: np.random.Generator, size: WorldSize, firms: Firms, history_start_day: int
) -> Requests:
    """Requests spread over the history with seasonal peaks, from active firms."""
    n = size.requests
    days = np.arange(history_start_day, facts.END_DAY + 1)
    calendar = facts.ANCHOR64.astype("datetime64[D]") + days
    month = calendar.astype("datetime64[M]").astype(np.int64) % 12
    year = calendar.astype("datetime64[Y]").astype(np.int64) + 1970
    weekday = (calendar.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
    weight = facts.MONTH_WEIGHTS[month] * np.array([facts.YEAR_WEIGHTS[y] for y in year])
    weight *= np.where(weekday >= 5, 0.15, 1.0)
    posted_day = rng.choice(days, size=n, p=weight / weight.sum())
    posted_minute = np.sort(posted_day * DAY + facts.WORKDAY_START_MINUTE + rng.integers(0, 510, n))
    active = np.flatnonzero(firms.active)
    p = firms.activity[active] / firms.activity[active].sum()
    firm = rng.choice(active, size=n, p=p)
    # The demo enterprise posts a handful of requests, the last ones in December 2014.
    demo_rows = np.concatenate([rng.choice(n - 40, size=3, replace=False), [n - 25, n - 5]])
    firm[demo_rows] = 0

    revenue = firms.revenue[firm].astype(np.float64)
    intensity = firms.rd_spend[firm] / np.maximum(revenue, 1.0)
    # Small firms know that banks rarely lend to them unsecured and look for guarantees.
    small = revenue < 2e7
    kind_p = np.column_stack(
        [
            np.where(small, 0.12, 0.45),  # credit_loan
            np.where(firms.patents[firm] > 2, 0.16, 0.02),  # ip_pledge
            np.where(small, 0.3, 0.14),  # guarantee_loan
            np.full(n, 0.12),  # pledge_loan
            np.where(intensity > 0.08, 0.14, 0.03),  # equity_investment
            np.full(n, 0.05),  # insurance
            np.full(n, 0.05),  # leasing
            np.full(n, 0.02),  # other
        ]
    )
    cumulative = np.cumsum(kind_p / kind_p.sum(axis=1, keepdims=True), axis=1)
    primary = (rng.random(n)[:, None] > cumulative).sum(axis=1)
    primary = np.minimum(primary, len(facts.PRODUCT_KINDS) - 1)
    second = rng.integers(0, 4, n)  # a loan kind as the fall-back (guaranteed if small)
    second = np.where(small & (second == 0), 2, second)
    kinds = (1 << primary) | np.where(rng.random(n) < np.where(small, 0.85, 0.7), 1 << second, 0)
    kinds = np.where(rng.random(n) < 0.25, 0, kinds)

    equity = primary == facts.PRODUCT_KINDS.index("equity_investment")
    ratio = np.exp(rng.normal(np.log(0.029), 0.6, n) + 0.5 * firms.quality[firm])
    ratio *= np.where(equity, 1.5, 1.0)
    amount = np.clip(revenue * ratio, 50_000, 100_000_000)
    amount = np.where(
        amount >= 1_000_000,
        np.round(amount / 100_000) * 100_000,
        np.round(amount / 10_000) * 10_000,
    ).astype(np.int64)
    term = rng.choice(facts.REQUEST_TERMS, size=n, p=facts.REQUEST_TERM_WEIGHTS)
    term = np.where(equity, rng.choice(np.array([36, 60]), n), term)
    term = np.where(primary == facts.PRODUCT_KINDS.index("insurance"), 12, term)
    loan = primary < 4
    ceiling = facts.benchmark_rate(posted_minute // DAY, np.full(n, 12))
    max_rate = np.where(
        loan & (rng.random(n) < 0.5), np.round(ceiling * rng.uniform(1.15, 1.6, n) * 100), 0
    ).astype(np.int64)
    collateral_p = np.array([0.55, 0.15, 0.1, 0.08, 0.07, 0.05])
    collateral = rng.choice(len(collateral_p), size=n, p=collateral_p)
    collateral = np.where((collateral == 4) & (firms.patents[firm] == 0), 0, collateral)
    return Requests(
        firm=firm,
        posted_minute=posted_minute,
        amount=amount,
        term=term,
        kinds=kinds,
        max_rate=max_rate,
        collateral=collateral,
        purpose=rng.integers(len(facts.PURPOSES), size=n),
    )
