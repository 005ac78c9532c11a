"""Ranking metrics against hand-computed values, and the time-ordered split."""

from __future__ import annotations

import math

import numpy as np
import pytest

from matching.evaluate import beats, evaluate_rankings, rank_positions, time_ordered_split

# Request "a": ranked grades [0, 3, 1, 2]; request "b": [2, 0]; request "c": [1, 0] (no approval).
GROUPS = np.array(["a", "a", "a", "a", "b", "b", "c", "c"])
SCORES = np.array([4.0, 3.0, 2.0, 1.0, 0.9, 0.1, 5.0, 1.0])
GRADES = np.array([0, 3, 1, 2, 2, 0, 1, 0])

DCG_A = 0 / math.log2(2) + 7 / math.log2(3) + 1 / math.log2(4) + 3 / math.log2(5)
IDCG_A = 7 / math.log2(2) + 3 / math.log2(3) + 1 / math.log2(4)


def test_hand_computed_metrics():
    report = evaluate_rankings(GROUPS, SCORES, GRADES, ks=(1, 5, 10))
    assert report["requests"] == 2  # "c" has no approved or disbursed candidate
    assert abs(DCG_A / IDCG_A - 0.660990) < 1e-6
    assert report["ndcg@5"] == pytest.approx((DCG_A / IDCG_A + 1.0) / 2)
    assert report["ndcg@10"] == pytest.approx(report["ndcg@5"])
    assert report["ndcg@1"] == pytest.approx((0.0 + 1.0) / 2)
    assert report["hit@10"] == 1.0
    assert report["mrr"] == pytest.approx((1 / 2 + 1 / 1) / 2)


def test_hit_rate_counts_only_the_top_k():
    groups = np.zeros(12, dtype=int)
    grades = np.zeros(12, dtype=int)
    grades[11] = 3
    scores = -np.arange(12.0)  # the only approval is ranked 12th
    report = evaluate_rankings(groups, scores, grades, ks=(10,))
    assert report["hit@10"] == 0.0
    assert report["mrr"] == pytest.approx(1 / 12)
    assert report["ndcg@10"] == 0.0


def test_perfect_ranking_scores_one_and_order_of_rows_does_not_matter():
    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(30), 8)
    grades = rng.integers(0, 4, len(groups))
    grades[::8] = 2
    perfect = evaluate_rankings(groups, grades + rng.random(len(groups)) * 0.1, grades)
    assert perfect["ndcg@10"] == pytest.approx(1.0)
    shuffle = rng.permutation(len(groups))
    scores = rng.random(len(groups))
    assert evaluate_rankings(groups, scores, grades) == evaluate_rankings(
        groups[shuffle], scores[shuffle], grades[shuffle]
    )


def test_ties_keep_input_order():
    order, position = rank_positions(np.array([0, 0, 0]), np.array([1.0, 1.0, 2.0]))
    assert order.tolist() == [2, 0, 1]
    assert position.tolist() == [1, 2, 0]


def test_time_ordered_split_keeps_days_together():
    days = np.array([3, 1, 4, 1, 2, 3])
    test = time_ordered_split(days, 0.34)
    assert test.tolist() == [True, False, True, False, False, True]
    assert days[~test].max() < days[test].min()
    with pytest.raises(ValueError):
        time_ordered_split(days, 1.0)


def test_beats_compares_the_primary_metric():
    assert beats({"ndcg@10": 0.71}, {"ndcg@10": 0.70})
    assert not beats({"ndcg@10": 0.71}, {"ndcg@10": 0.70}, margin=0.02)
