"""The world's hidden credit process: one latent credit quality per firm, and the repayment
behaviour it drives (most loans repaid on time, some late, a few defaulted).

Credit quality is `0.7 × quality + 0.71 × own noise`: the firm's hidden quality (which also
shapes its size, R&D, patents, flags and rating, and the banks' approvals) plus a part that
only repayments and public-credit records reveal. The credit-information records draw from
the same `credit_quality`, so a scorecard built on them has something real to learn.

Per loan, with `credit` the firm's credit quality, `band` = log10(revenue / 1000万元) and
`stretch` = max(log10(amount / revenue) + 0.3, 0) (borrowing more than half the revenue):

    default log-odds = -2.5 - 1.5 credit - 0.35 band + 0.6 [unsecured credit loan] + 0.8 stretch
    late log-odds    = -2.0 - 0.8 credit

A defaulting firm pays its first m - 1 instalments (m uniform over the term) and nothing after;
a late payer pays one instalment 3–25 days late. After a payout, 45 % of defaulted loans see
a recovery of 10–40 % of the outstanding principal, 2–10 months later.

Draws come from their own stream (`CREDIT_STREAM`), so adding them changed none of the world's
other rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CREDIT_STREAM = 12
QUALITY_WEIGHT = 0.7


def credit_quality(quality: np.ndarray, seed: int) -> np.ndarray:
    """Each firm's latent credit quality (N(0, 1)) from its hidden quality and the world seed."""
    rng = np.random.Generator(np.random.PCG64([seed, CREDIT_STREAM]))
    own = rng.standard_normal(len(quality))
    return QUALITY_WEIGHT * quality + np.sqrt(1 - QUALITY_WEIGHT**2) * own


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def default_probability(
    credit: np.ndarray, revenue: np.ndarray, amount: np.ndarray, unsecured: np.ndarray
) -> np.ndarray:
    """The chance that a loan defaults, from the firm's credit quality and the loan."""
    band = np.log10(np.maximum(revenue, 1.0) / 1e7)
    stretch = np.maximum(np.log10(amount / np.maximum(revenue, 1.0)) + 0.3, 0.0)
    return _sigmoid(-2.5 - 1.5 * credit - 0.35 * band + 0.6 * unsecured + 0.8 * stretch)


@dataclass
class Behaviour:
    """How each loan is repaid: index i is the i-th loan given to `draw_behaviour`."""

    defaults_at: np.ndarray  # instalment from which nothing is paid; 0 = never defaults
    late_instalment: np.ndarray  # instalment paid late; 0 = none
    late_days: np.ndarray
    claim_delay: np.ndarray  # days after 90 past due that the bank files its claim
    decision_delay: np.ndarray
    payout_delay: np.ndarray
    decision: np.ndarray  # 0 approve, 1 approve less (90 %), 2 reject
    recovery_share: np.ndarray  # of the outstanding principal; 0 = nothing recovered
    recovery_delay: np.ndarray
    default_p: np.ndarray  # the chance of default the draw used


def draw_behaviour(
    seed: int,
    credit: np.ndarray,
    revenue: np.ndarray,
    amount: np.ndarray,
    term: np.ndarray,
    unsecured: np.ndarray,
) -> Behaviour:
    """Draw every loan's repayment behaviour (arrays aligned with the loans given)."""
    rng = np.random.Generator(np.random.PCG64([seed, CREDIT_STREAM, 1]))
    n = len(credit)
    chance = default_probability(credit, revenue, amount, unsecured)
    defaults = rng.random(n) < chance
    late = ~defaults & (rng.random(n) < _sigmoid(-2.0 - 0.8 * credit))
    return Behaviour(
        defaults_at=np.where(defaults, 1 + (rng.random(n) * term).astype(np.int64), 0),
        late_instalment=np.where(late, 1 + (rng.random(n) * term).astype(np.int64), 0),
        late_days=rng.integers(3, 26, n),
        claim_delay=rng.integers(0, 21, n),
        decision_delay=rng.integers(10, 31, n),
        payout_delay=rng.integers(3, 11, n),
        decision=rng.choice(3, size=n, p=[0.85, 0.1, 0.05]),
        recovery_share=np.where(rng.random(n) < 0.45, rng.uniform(0.1, 0.4, n), 0.0),
        recovery_delay=rng.integers(60, 301, n),
        default_p=chance,
    )
