"""The evaluation harness: every eligible active product is a candidate, and chance scores
score what chance predicts."""

from __future__ import annotations

from math import comb, log2

import numpy as np
import pytest

from matching.evaluate import random_scores
from matching.harness import bootstrap_table, eligible_candidates, per_request_metrics
from matching.schema import History
from tests.matching.conftest import DAY, build_products, build_requests


def _applications(pairs: list[tuple[int, int, int]]) -> History:
    """pairs: (request id, product id, outcome)."""
    n = len(pairs)
    return History(
        request_id=np.array([p[0] for p in pairs]),
        product_id=np.array([p[1] for p in pairs]),
        institution_id=np.full(n, 100),
        industry=np.zeros(n),
        district=np.zeros(n),
        size_band=np.zeros(n),
        decided_at=np.full(n, DAY + 5),
        outcome=np.array([p[2] for p in pairs]),
    )


def test_candidates_are_every_eligible_product_active_that_day():
    requests = build_requests({}, {"amount_yuan": 50_000_000.0})
    products = build_products(
        {},  # 10: open to both? no: request 2 asks more than its 10 million cap
        {"amount_max": 100_000_000.0},  # 20: open to both
        {"amount_min": 20_000_000.0, "amount_max": 100_000_000.0},  # 30: request 2 only
        {"amount_max": 100_000_000.0},  # 40: retired before the requests were posted
        {"amount_max": 100_000_000.0},  # 50: created after them
        {"kind": 4, "amount_max": 100_000_000.0},  # 60: equity, open to both (any kind accepted)
    )
    active_from = np.array([0, 0, 0, 0, DAY + 1, 0])
    active_to = np.array([DAY + 99, DAY + 99, DAY + 99, DAY, DAY + 99, DAY + 99])
    applied = _applications([(1, 20, 3), (2, 30, 1), (2, 20, 0), (2, 20, 2)])
    candidates = eligible_candidates(
        requests, products, np.array([0, 1]), applied, active_from, active_to
    )
    pairs = {
        (int(requests.id[r]), int(products.id[p])): int(g)
        for r, p, g in zip(
            candidates.request_rows, candidates.product_rows, candidates.grades, strict=True
        )
    }
    # Products nobody applied to are candidates with grade 0; a request that applied to one
    # product twice keeps its best outcome.
    assert pairs == {(1, 10): 0, (1, 20): 3, (1, 60): 0, (2, 20): 2, (2, 30): 1, (2, 60): 0}


def _chance_hit_rate(n: int, relevant: int, k: int = 10) -> float:
    """P(at least one of ``relevant`` among n candidates lands in the top k of a random order)."""
    return 1.0 - comb(n - relevant, k) / comb(n, k) if n > k else 1.0


def test_random_scores_score_what_chance_predicts(world):
    rows = np.unique(np.searchsorted(world.requests.id, world.history.request_id))[-600:]
    candidates = eligible_candidates(world.requests, world.products, rows, world.history)
    groups, grades = candidates.request_rows, candidates.grades
    metrics = per_request_metrics(groups, random_scores(len(candidates), 3), grades, seed=3)
    # By hand: each counted request's chance of a hit from its candidate and relevant counts.
    n = np.bincount(groups)[np.unique(groups)]
    relevant = np.bincount(groups, weights=grades >= 2)[np.unique(groups)].astype(int)
    counted = relevant > 0
    expected = np.mean(
        [_chance_hit_rate(a, b) for a, b in zip(n[counted], relevant[counted], strict=True)]
    )
    assert len(metrics["hit@10"]) == counted.sum()
    # Every eligible product: three times the twelve each synthetic request applied to.
    assert n[counted].mean() > 3 * 12
    assert expected < 0.8  # so chance is far from a perfect hit rate
    table = bootstrap_table({"random": metrics}, "random", seed=3)
    _, low, high, *_ = table["random"]["hit@10"]
    assert low <= expected <= high
    assert metrics["hit@10"].mean() == pytest.approx(expected, abs=0.05)


def test_one_relevant_among_n_gets_the_chance_ndcg():
    n, k, requests = 40, 10, 4000
    groups = np.repeat(np.arange(requests), n)
    grades = np.zeros(len(groups), dtype=int)
    grades[::n] = 3
    metrics = per_request_metrics(groups, np.zeros(len(groups)), grades, seed=1)  # all tied
    expected_ndcg = sum(1.0 / log2(p + 2) for p in range(k)) / n
    assert metrics["hit@10"].mean() == pytest.approx(k / n, abs=0.02)
    assert metrics["ndcg@10"].mean() == pytest.approx(expected_ndcg, abs=0.01)
    perfect = per_request_metrics(groups, grades * 1.0, grades)
    assert perfect["ndcg@10"].mean() == 1.0 and perfect["mrr@10"].mean() == 1.0
