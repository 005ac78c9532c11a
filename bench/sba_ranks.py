"""Ranks and metrics of the SBA lender-ranking benchmark (``bench_sba.py``): where the actual
lender lands under the model and under the popularity baselines, and HR/NDCG/MRR at 10."""

from __future__ import annotations

import numpy as np


def metrics_at_10(position: np.ndarray) -> tuple[float, float, float, float]:
    """Return (HR@10, NDCG@10, MRR@10, NDCG@5) from the 0-based rank of the one relevant lender."""
    per_loan = per_loan_metrics(position)
    return tuple(float(per_loan[name].mean()) for name in ("hit@10", "ndcg@10", "mrr@10", "ndcg@5"))


def per_loan_metrics(position: np.ndarray) -> dict[str, np.ndarray]:
    """Return each loan's NDCG@5, NDCG@10, HR@10 and MRR@10 (``matching.harness.METRICS``)."""
    hit = position < 10
    ndcg = np.where(hit, 1.0 / np.log2(np.minimum(position, 9) + 2.0), 0.0)
    return {
        "ndcg@5": np.where(position < 5, ndcg, 0.0),
        "ndcg@10": ndcg,
        "hit@10": hit * 1.0,
        "mrr@10": np.where(hit, 1.0 / (np.minimum(position, 9) + 1.0), 0.0),
    }


def popularity_positions(
    loans, history_rows: np.ndarray, test_rows: np.ndarray, by_state: bool
) -> np.ndarray:
    """Return the actual lender's rank under "most history loans" (in the borrower's state).

    Ties in the state count are broken by the overall count, then by name, as a person
    reading the two tables would.
    """
    n_lenders = len(loans.lender_names)
    overall = np.bincount(loans.lender[history_rows], minlength=n_lenders)
    n_states = int(loans.state.max()) + 1
    per_state = np.zeros((n_states, n_lenders), dtype=np.int64)
    np.add.at(per_state, (loans.state[history_rows], loans.lender[history_rows]), 1)
    primary = per_state[loans.state[test_rows]] if by_state else overall[None, :]
    # Lenders are indexed by name, so "overall, then lower index" is the name tie-break.
    key = primary * (overall.max() + 1) + overall[None, :]
    actual = loans.lender[test_rows]
    mine = key[np.arange(len(test_rows)) % len(key), actual][:, None]
    ahead = (key > mine) | ((key == mine) & (np.arange(n_lenders)[None, :] < actual[:, None]))
    return ahead.sum(axis=1)


def ranked_positions(ranked: list, actual_product_ids: np.ndarray) -> np.ndarray:
    """Return the 0-based position of each actual lender in its top list (10 when absent)."""
    position = np.full(len(ranked), 10)
    for i, result in enumerate(ranked):
        found = np.flatnonzero(result.product_ids == actual_product_ids[i])
        if len(found):
            position[i] = found[0]
    return position
