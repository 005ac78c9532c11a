"""Reasons follow the contributions and are phrased for the side of average a value lies on."""

from __future__ import annotations

import numpy as np

from matching.features import FEATURE_INDEX, FEATURE_NAMES
from matching.reasons import FALLBACK_REASON, explain
from matching.rules import RULE_WEIGHT_VECTOR, RULE_WEIGHTS, rule_contributions, rule_scores


def _rows(**columns):
    features = np.zeros((2, len(FEATURE_NAMES)))
    for name, values in columns.items():
        features[:, FEATURE_INDEX[name]] = values
    return features


def test_low_rate_is_a_reason_only_when_low_rates_lift_the_score():
    features = _rows(rate_level=[0.4, 0.6])
    reference = features.mean(axis=0)
    weights = np.zeros(len(FEATURE_NAMES))
    weights[FEATURE_INDEX["rate_level"]] = -1.0
    cheap, dear = explain(features, weights, reference)
    assert [reason.zh for reason in cheap] == ["产品利率水平较低"]
    assert dear == [FALLBACK_REASON]
    # If the weight were positive, a high rate lifts the score but has no honest phrasing.
    assert explain(features, -weights, reference) == [[FALLBACK_REASON], [FALLBACK_REASON]]


def test_reasons_are_ordered_by_contribution_and_capped():
    features = _rows(industry_targeted=[1, 0], collateral_fit=[1, 0], pool_covered=[1, 0])
    reasons = explain(features, RULE_WEIGHT_VECTOR, features.mean(axis=0), n_reasons=2)[0]
    assert [reason.code for reason in reasons] == ["collateral_fit", "industry_targeted"]
    assert reasons[0].contribution == RULE_WEIGHTS["collateral_fit"] * 0.5
    assert reasons[0].text("en") == "Collateral requirement fits what the firm can offer"


def test_rule_score_is_the_sum_of_its_parts():
    features = np.random.default_rng(0).random((5, len(FEATURE_NAMES)))
    np.testing.assert_allclose(rule_contributions(features).sum(axis=1), rule_scores(features))
    assert set(RULE_WEIGHTS) <= set(FEATURE_NAMES)
