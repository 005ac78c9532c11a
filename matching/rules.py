"""A transparent rule score: fixed, written-out weights over the pair features.

It ranks products before any history exists (cold start) and is the baseline every trained
model must beat. Each part of the score is one weight × one feature value, so every ranking it
produces can be explained line by line.
"""

from __future__ import annotations

import numpy as np

from matching.features import FEATURE_INDEX, FEATURE_NAMES

RULE_WEIGHTS: dict[str, float] = {
    # Fit of the product to what was asked for.
    "amount_fit": 1.0,  # amount well inside the product's range, not at its edge
    "amount_to_max": -0.5,  # asking for nearly the product's cap is a stretch
    "term_fit": 0.5,
    "rate_headroom": 1.0,  # cheaper than the firm's ceiling
    "collateral_fit": 1.5,  # no collateral needed, or the firm offers it
    # Products made for firms like this one.
    "industry_targeted": 1.0,
    "district_targeted": 0.5,
    "community_product": 1.0,
    "little_giant_product": 0.5,
    "pool_covered": 0.5,  # the risk guarantee pool makes banks more willing to lend
    # Track record, once there is one (priors before that, equal for every product).
    "inst_approval_rate_industry_district": 2.0,
    "inst_disbursement_rate_industry_district": 1.0,
    "product_approval_rate": 1.0,
}
"""Feature name → weight of the rule score; features not listed weigh nothing."""

RULE_WEIGHT_VECTOR = np.zeros(len(FEATURE_NAMES))
for _name, _weight in RULE_WEIGHTS.items():
    RULE_WEIGHT_VECTOR[FEATURE_INDEX[_name]] = _weight


def rule_scores(features: np.ndarray) -> np.ndarray:
    """Return the rule score of each row of a feature matrix (higher ranks first)."""
    return features @ RULE_WEIGHT_VECTOR


def rule_contributions(features: np.ndarray) -> np.ndarray:
    """Return each feature's part of the rule score (rows sum to ``rule_scores``)."""
    return features * RULE_WEIGHT_VECTOR
