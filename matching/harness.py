"""An evaluation that can fail: rank every eligible product, compare with paired intervals.

Ranking only the products a firm applied to makes every method look good (with three
candidates, random order puts the answer in the top ten every time). Here each held-out request
is ranked against every product that was active on the request's day and passes the
eligibility rules (``matching.eligibility``); products it applied to carry their outcome
grade, every other one grade 0. Products are edited in place, so their *current* terms decide
eligibility; their creation and retirement days decide whether they were active.

Each method's per-request NDCG@5, NDCG@10, hit rate@10 and MRR@10 are averaged, with a 95 %
bootstrap interval over requests; the paired bootstrap of the difference to a reference method
(resampling the same requests for both) says whether a lead is more than noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matching.eligibility import eligible_mask
from matching.evaluate import RELEVANT_GRADE, rank_positions
from matching.grades import training_grades
from matching.schema import History, Products, Requests, rows_of

METRICS: tuple[str, ...] = ("ndcg@5", "ndcg@10", "hit@10", "mrr@10")
BLOCK = 256


@dataclass
class Candidates:
    """Every (held-out request, eligible active product) pair, with its graded outcome."""

    request_rows: np.ndarray
    product_rows: np.ndarray
    grades: np.ndarray

    def __len__(self) -> int:
        """Return the number of pairs."""
        return len(self.request_rows)


def eligible_candidates(
    requests: Requests,
    products: Products,
    request_rows: np.ndarray,
    history: History,
    active_from: np.ndarray | None = None,
    active_to: np.ndarray | None = None,
) -> Candidates:
    """Return every eligible product active on each request's posting day, graded.

    ``active_from`` / ``active_to`` are each product's first and (exclusive) last active day
    (None: always active). A pair's grade is the best outcome of the request's applications
    to the product in ``history`` (0 when it did not apply).
    """
    request_rows = np.asarray(request_rows, dtype=np.intp)
    n_products = len(products)
    start = np.full(n_products, np.iinfo(np.int64).min) if active_from is None else active_from
    end = np.full(n_products, np.iinfo(np.int64).max) if active_to is None else active_to
    pair_request, pair_product = [], []
    for first in range(0, len(request_rows), BLOCK):
        rows = request_rows[first : first + BLOCK]
        mask = eligible_mask(requests, products, rows)
        day = requests.posted_at[rows][:, None]
        mask &= (start[None, :] <= day) & (day < end[None, :])
        r, p = np.nonzero(mask)
        pair_request.append(rows[r])
        pair_product.append(p)
    pair_request = np.concatenate(pair_request) if pair_request else np.zeros(0, np.intp)
    pair_product = np.concatenate(pair_product) if pair_product else np.zeros(0, np.intp)
    # Grades: look each pair up among the applications (request row × product row).
    app_request = rows_of(requests.id, history.request_id)
    app_product = rows_of(products.id, history.product_id)
    ok = (app_request >= 0) & (app_product >= 0)
    app_key = app_request[ok].astype(np.int64) * n_products + app_product[ok]
    graded = training_grades(history)[ok]  # a defaulted loan is no success (matching.grades)
    order = np.lexsort((graded, app_key))
    keys, last = app_key[order], np.r_[app_key[order][1:] != app_key[order][:-1], True]
    best_key, best_grade = keys[last], graded[order][last]
    pair_key = pair_request.astype(np.int64) * n_products + pair_product
    pos = np.minimum(np.searchsorted(best_key, pair_key), max(len(best_key) - 1, 0))
    found = (best_key[pos] == pair_key) if len(best_key) else np.zeros(len(pair_key), bool)
    grades = np.where(found, best_grade[pos] if len(best_key) else 0, 0).astype(np.int8)
    return Candidates(pair_request, pair_product, grades)


def per_request_metrics(
    groups: np.ndarray, scores: np.ndarray, grades: np.ndarray, seed: int = 0
) -> dict[str, np.ndarray]:
    """Return each metric per request that has a relevant candidate (approved or disbursed).

    Ties are broken at random (seeded), so a method that scores many products alike is not
    helped or hurt by the order the candidates happen to come in.
    """
    groups = np.asarray(groups)
    grades = np.asarray(grades, dtype=np.float64)
    _, code = np.unique(groups, return_inverse=True)
    n = int(code.max()) + 1 if len(code) else 0
    jitter = np.random.default_rng(seed).permutation(len(scores))
    order = np.lexsort((jitter, -np.asarray(scores, dtype=np.float64), code))
    position = np.empty(len(order), dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, code[order][1:] != code[order][:-1]])
    position[order] = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    _, ideal = rank_positions(code, grades)
    relevant = grades >= RELEVANT_GRADE
    counted = np.bincount(code, weights=relevant, minlength=n) > 0
    gain = 2.0**grades - 1.0
    out = {}
    for k in (5, 10):
        dcg = np.bincount(
            code, weights=np.where(position < k, gain / np.log2(position + 2), 0), minlength=n
        )
        best = np.bincount(
            code, weights=np.where(ideal < k, gain / np.log2(ideal + 2), 0), minlength=n
        )
        out[f"ndcg@{k}"] = dcg[counted] / best[counted]
    first = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first, code[relevant], position[relevant])
    out["hit@10"] = (first[counted] < 10).astype(np.float64)
    out["mrr@10"] = np.where(first[counted] < 10, 1.0 / (first[counted] + 1.0), 0.0)
    return out


def mean_metrics(
    groups: np.ndarray, scores: np.ndarray, grades: np.ndarray, seed: int = 0
) -> dict[str, float]:
    """Return the mean of each metric over the requests with a relevant candidate, and their
    number, under the keys the platform stores (``requests``, ``ndcg@5``, ``ndcg@10``,
    ``hit@10``, ``mrr``; MRR counts only the top 10)."""
    per_request = per_request_metrics(groups, scores, grades, seed)
    n = len(per_request["ndcg@10"])
    names = {"ndcg@5": "ndcg@5", "ndcg@10": "ndcg@10", "hit@10": "hit@10", "mrr@10": "mrr"}
    report = {"requests": float(n)}
    for metric, key in names.items():
        report[key] = float(per_request[metric].mean()) if n else float("nan")
    return report


def bootstrap_table(
    per_request: dict[str, dict[str, np.ndarray]],
    reference: str,
    n_boot: int = 1000,
    seed: int = 0,
) -> dict[str, dict[str, tuple[float, ...]]]:
    """Return, per method and metric: (mean, low, high, difference to ``reference``, and that
    difference's low and high).

    The interval is the 2.5–97.5 percentile of the mean over requests resampled with
    replacement; the same resamples serve every method, so differences are paired.
    """
    n = len(next(iter(per_request.values()))["ndcg@10"])
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, n, size=(n_boot, n)) if n else np.zeros((n_boot, 0), np.intp)
    table: dict[str, dict[str, tuple[float, ...]]] = {}
    for method, metrics in per_request.items():
        table[method] = {}
        for metric in METRICS:
            values = metrics[metric]
            means = values[draws].mean(axis=1)
            diff = means - per_request[reference][metric][draws].mean(axis=1)
            table[method][metric] = (
                float(values.mean()),
                float(np.percentile(means, 2.5)),
                float(np.percentile(means, 97.5)),
                float(values.mean() - per_request[reference][metric].mean()),
                float(np.percentile(diff, 2.5)),
                float(np.percentile(diff, 97.5)),
            )
    return table


def format_table(table: dict, reference: str) -> str:
    """Return the bootstrap table as text: each metric's mean [low, high], then each method's
    paired difference to the reference [low, high]."""
    width = max(len(method) for method in table) + 1
    lines = [f"{'ranking':<{width}}" + "".join(f"{m:>22}" for m in METRICS)]
    for method, metrics in table.items():
        cells = "".join(
            f"{mean:>8.3f} [{low:.3f},{high:.3f}]" for mean, low, high, *_ in metrics.values()
        )
        lines.append(f"{method:<{width}}{cells}")
    lines.append(f"\npaired difference to {reference} (best baseline on NDCG@10)")
    for method, metrics in table.items():
        if method != reference:
            cells = "".join(
                f"{diff:>+8.3f} [{low:+.3f},{high:+.3f}]"
                for *_, diff, low, high in metrics.values()
            )
            lines.append(f"{method:<{width}}{cells}")
    lines.append("(means over requests, 95 % bootstrap intervals, the same resamples for all)")
    return "\n".join(lines)
