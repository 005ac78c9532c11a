"""Per-request ranking metrics, a time-ordered split and the baselines a model must beat.

Relevance is graded by outcome: disbursed 3 > approved 2 > rejected 1 > ignored 0, with gain
2^grade − 1 for NDCG. A request counts in the metrics only if at least one of its candidates
was approved or disbursed (otherwise every ranking of it is equally good). Hit rate and MRR
treat approved or disbursed as relevant.
"""

from __future__ import annotations

import numpy as np

from matching.history import InstitutionHistory
from matching.rules import rule_scores
from matching.schema import OUTCOME_APPROVED

RELEVANT_GRADE = OUTCOME_APPROVED
DEFAULT_KS = (5, 10)
PRIMARY_METRIC = "ndcg@10"


def rank_positions(groups: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (order, position): rows sorted by group then score descending, and each row's rank.

    Ties keep the input order, so callers that want fair ties should shuffle first.
    """
    groups = np.asarray(groups)
    order = np.lexsort((np.arange(len(scores)), -np.asarray(scores, dtype=np.float64), groups))
    sorted_groups = groups[order]
    starts = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]])
    group_start = np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order)) - group_start
    return order, position


def _discounted_gain(
    group_code: np.ndarray, grades: np.ndarray, position: np.ndarray, k: int, n_groups: int
) -> np.ndarray:
    gain = (2.0**grades - 1.0) / np.log2(position + 2.0)
    return np.bincount(group_code, weights=np.where(position < k, gain, 0.0), minlength=n_groups)


def evaluate_rankings(
    groups: np.ndarray,
    scores: np.ndarray,
    grades: np.ndarray,
    ks: tuple[int, ...] = DEFAULT_KS,
) -> dict[str, float]:
    """Return mean NDCG@k (each k), hit rate@max(k), MRR and the number of requests counted.

    ``groups`` names the request of each candidate row, ``scores`` ranks rows within a request
    (higher first) and ``grades`` holds each row's outcome code.
    """
    groups = np.asarray(groups)
    grades = np.asarray(grades, dtype=np.float64)
    _, group_code = np.unique(groups, return_inverse=True)
    n_groups = int(group_code.max()) + 1 if len(group_code) else 0
    _, position = rank_positions(group_code, scores)
    _, ideal_position = rank_positions(group_code, grades)
    relevant = grades >= RELEVANT_GRADE
    counted = np.bincount(group_code, weights=relevant, minlength=n_groups) > 0
    report: dict[str, float] = {"requests": float(counted.sum())}
    if not counted.any():
        for k in ks:
            report[f"ndcg@{k}"] = float("nan")
        report[f"hit@{max(ks)}"] = float("nan")
        report["mrr"] = float("nan")
        return report
    for k in ks:
        dcg = _discounted_gain(group_code, grades, position, k, n_groups)
        ideal = _discounted_gain(group_code, grades, ideal_position, k, n_groups)
        report[f"ndcg@{k}"] = float(np.mean(dcg[counted] / ideal[counted]))
    k = max(ks)
    hits = np.bincount(group_code, weights=relevant & (position < k), minlength=n_groups) > 0
    report[f"hit@{k}"] = float(np.mean(hits[counted]))
    first = np.full(n_groups, np.iinfo(np.int64).max)
    np.minimum.at(first, group_code[relevant], position[relevant])
    report["mrr"] = float(np.mean(1.0 / (first[counted] + 1.0)))
    return report


def time_ordered_split(days: np.ndarray, test_fraction: float = 0.2) -> np.ndarray:
    """Return a boolean "is test" mask: the latest ``test_fraction`` of rows by day.

    All rows of one day fall on the same side, so no test row precedes a training row.
    """
    days = np.asarray(days)
    if not 0.0 < test_fraction < 1.0:
        raise ValueError("test_fraction must be between 0 and 1")
    split_day = np.quantile(days, 1.0 - test_fraction, method="higher")
    test = days >= split_day
    if test.all():
        test = days > split_day
    return test


def random_scores(n: int, seed: int = 0) -> np.ndarray:
    """Return seeded random scores: the chance baseline."""
    return np.random.default_rng(seed).random(n)


def popularity_scores(
    history: InstitutionHistory, product_ids: np.ndarray, cutoffs: np.ndarray
) -> np.ndarray:
    """Return each product's approvals in the window before each cutoff: the popularity baseline."""
    return history.product_approvals(product_ids, cutoffs).astype(np.float64)


def baseline_metrics(
    groups: np.ndarray,
    grades: np.ndarray,
    features: np.ndarray,
    history: InstitutionHistory,
    product_ids: np.ndarray,
    cutoffs: np.ndarray,
    seed: int = 0,
) -> dict[str, dict[str, float]]:
    """Return the metrics of the random, popularity and rule-score baselines on the same rows."""
    return {
        "random": evaluate_rankings(groups, random_scores(len(grades), seed), grades),
        "popularity": evaluate_rankings(
            groups, popularity_scores(history, product_ids, cutoffs), grades
        ),
        "rule": evaluate_rankings(groups, rule_scores(features), grades),
    }


def beats(
    candidate: dict[str, float],
    current: dict[str, float],
    metric: str = PRIMARY_METRIC,
    margin: float = 0.0,
) -> bool:
    """Return True when the candidate's metric exceeds the current one's by more than margin."""
    return bool(candidate[metric] > current[metric] + margin)
