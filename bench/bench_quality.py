"""Ranking quality over every eligible product: our model, LightGBM LambdaRank and baselines.

Run: ``.venv/bin/python bench/bench_quality.py`` (a seeded synthetic world, ``matching.synthetic``)
or ``.venv/bin/python bench/bench_quality.py --database-url sqlite:///path/finplatform.db`` (a
world loaded with ``flask seed demo``). LightGBM is a benchmark-only dependency
(requirements-dev.txt); without it that row is skipped.

Rows: from a database, through the platform's own training adapter
(``finplatform.ranking.tables.training_tables``): the same applications, grades and decision
days a training run uses (withdrawn and expired ones are grade 0, pending ones left out, dated
by the decision, else the submission).

Protocol (``matching.harness``): applications are split by their request's posting day; the
latest ``--test-fraction`` of requests is the test. Each test request is ranked against every
product active on its posting day (created before, not yet retired) that passes the
eligibility rules with its current terms; products it applied to carry their outcome grade,
all others grade 0. Every method ranks the same candidates from the same feature matrix (history
decided before each request only) and gets NDCG@5, NDCG@10, HR@10 and MRR@10 with 95 % bootstrap
intervals and the paired difference to the best baseline. Our model is ``train_model`` on the
training applications; LightGBM's ``LGBMRanker`` (lambdarank, grouped per request) trains on the
same applications, its trees, leaves and learning rate chosen from a small grid on the latest
20 % of training requests, each setting scored over every eligible product of those requests.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

try:
    import lightgbm as lgb  # benchmark-only dependency (requirements-dev.txt)
except ImportError:
    lgb = None

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from matching.evaluate import random_scores, time_ordered_split  # noqa: E402
from matching.features import FEATURE_INDEX, ProductTable, pair_features  # noqa: E402
from matching.grades import training_grades  # noqa: E402
from matching.harness import (  # noqa: E402
    bootstrap_table,
    eligible_candidates,
    format_table,
    per_request_metrics,
)
from matching.history import InstitutionHistory  # noqa: E402
from matching.model import train_model  # noqa: E402
from matching.rules import rule_scores  # noqa: E402
from matching.schema import rows_of  # noqa: E402
from matching.synthetic import make_world  # noqa: E402

BASELINES = ("random", "popularity", "popularity by district", "recent popularity", "rule score")
LGB_GRID = tuple(
    (trees, leaves, rate) for trees in (50, 150, 400) for leaves in (7, 31) for rate in (0.05, 0.1)
)
"""(trees, leaves, learning rate) settings LightGBM LambdaRank is tuned over."""


def load_platform(url: str):
    """Return the platform's training tables (requests, products, history, active days)."""
    from config import TestingConfig
    from finplatform.app import create_app
    from finplatform.ranking.tables import training_tables

    with tempfile.TemporaryDirectory() as store:
        app = create_app(TestingConfig(), SQLALCHEMY_DATABASE_URI=url, MODEL_STORE=store)
        with app.app_context():
            return training_tables()


def lambdarank(x, grades, groups, days, valid_candidates, x_test, seed):
    """Tune LightGBM LambdaRank on the latest 20 % of training requests; score x_test.

    Each setting of LGB_GRID fits the earlier 80 % and is scored, like every method here, over
    every eligible product of the validation requests (``valid_candidates``: features, request
    rows, grades); the best one is refitted on all training rows. Returns (scores, description)
    or None without LightGBM.
    """
    if lgb is None:
        return None
    order = np.lexsort((groups, days))  # by day, then request: groups contiguous
    x, y, groups, days = x[order], grades[order], groups[order], days[order]
    valid = np.isin(groups, np.unique(valid_candidates[1]))

    def sizes(part: np.ndarray) -> np.ndarray:
        cut = np.flatnonzero(np.r_[True, groups[part][1:] != groups[part][:-1]])
        return np.diff(np.r_[cut, part.sum()])

    def fit(rows: np.ndarray, trees: int, leaves: int, rate: float):
        ranker = lgb.LGBMRanker(
            objective="lambdarank",
            n_estimators=trees,
            learning_rate=rate,
            num_leaves=leaves,
            min_child_samples=20,
            reg_lambda=1.0,
            n_jobs=1,
            random_state=seed,
            verbose=-1,
        )
        return ranker.fit(x[rows], y[rows], group=sizes(rows))

    x_valid, valid_groups, valid_grades = valid_candidates
    best = None
    for trees, leaves, rate in LGB_GRID:
        scores = fit(~valid, trees, leaves, rate).predict(x_valid)
        ndcg = per_request_metrics(valid_groups, scores, valid_grades, seed)["ndcg@10"].mean()
        if best is None or ndcg > best[0]:
            best = (ndcg, trees, leaves, rate)
    _, trees, leaves, rate = best
    final = fit(np.ones(len(y), dtype=bool), trees, leaves, rate)
    return final.predict(x_test), f"{trees} trees, {leaves} leaves, rate {rate}"


def main() -> int:
    """Split by time, rank every eligible product for each test request, print every metric."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="read the platform's tables instead")
    parser.add_argument("--requests", type=int, default=4000, help="synthetic world size")
    parser.add_argument("--test-fraction", type=float, default=0.25)
    parser.add_argument("--window-days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    start = time.perf_counter()
    active_from = active_to = None
    if args.database_url:
        tables = load_platform(args.database_url)
        requests, products, history = tables.requests, tables.products, tables.history
        active_from, active_to = tables.active_from, tables.active_to
        source = "platform training adapter"
    else:
        world = make_world(
            n_requests=args.requests, n_products=400, n_institutions=60, seed=args.seed
        )
        requests, products, history = world.requests, world.products, world.history
        source = f"synthetic world (seed {args.seed})"
    print(
        f"{source}: {len(requests):,} requests, {len(products):,} products, "
        f"{len(history):,} graded applications (loaded in {time.perf_counter() - start:.1f} s)"
    )
    request_rows = rows_of(requests.id, history.request_id)
    product_rows = rows_of(products.id, history.product_id)
    posted = requests.posted_at[request_rows]
    test = time_ordered_split(posted, args.test_fraction)
    train_history = history.take(np.flatnonzero(~test))
    test_requests = np.unique(request_rows[test])
    candidates = eligible_candidates(
        requests,
        products,
        test_requests,
        history.take(np.flatnonzero(test)),
        active_from,
        active_to,
    )

    with threadpool_limits(limits=1):
        start = time.perf_counter()
        model = train_model(requests, products, train_history, window_days=args.window_days)
        trained = time.perf_counter() - start
        index = InstitutionHistory(history, args.window_days)
        x_test = pair_features(
            ProductTable(products, index),
            requests,
            candidates.request_rows,
            candidates.product_rows,
        )
        scores = {
            "random": random_scores(len(candidates), args.seed),
            "popularity": np.exp(x_test[:, FEATURE_INDEX["product_log_applications"]])
            * x_test[:, FEATURE_INDEX["product_approval_rate"]],
            "popularity by district": x_test[:, FEATURE_INDEX["inst_log_share_district"]],
            "recent popularity": x_test[:, FEATURE_INDEX["inst_log_recent_share"]],
            "rule score": rule_scores(x_test),
            "our model": model.approval_probability(x_test),
        }
        train_table = ProductTable(products, InstitutionHistory(train_history, args.window_days))
        x_train = pair_features(train_table, requests, request_rows[~test], product_rows[~test])
        # LightGBM's validation: the latest 20 % of training requests, every eligible product.
        late = time_ordered_split(posted[~test], 0.2)
        valid = eligible_candidates(
            requests,
            products,
            np.unique(request_rows[~test][late]),
            train_history.take(np.flatnonzero(late)),
            active_from,
            active_to,
        )
        x_valid = pair_features(train_table, requests, valid.request_rows, valid.product_rows)
        tuned = lambdarank(
            x_train,
            training_grades(history)[~test].astype(np.float64),
            request_rows[~test],
            posted[~test],
            (x_valid, valid.request_rows, valid.grades),
            x_test,
            args.seed,
        )
        if tuned is not None:
            scores[f"LightGBM LambdaRank ({tuned[1]})"] = tuned[0]
    groups, grades = candidates.request_rows, candidates.grades
    per_request = {
        name: per_request_metrics(groups, s, grades, args.seed) for name, s in scores.items()
    }
    best = max(BASELINES, key=lambda name: per_request[name]["ndcg@10"].mean())
    n_counted = len(per_request["random"]["ndcg@10"])
    print(
        f"train: {int((~test).sum()):,} applications; test: {len(test_requests):,} requests "
        f"({n_counted:,} with an approval) × every eligible active product = "
        f"{len(candidates):,} pairs, {len(candidates) / max(len(test_requests), 1):.0f} per "
        f"request (our model trained in {trained:.1f} s)"
    )
    if tuned is None:
        print("LightGBM is not installed: pip install -r requirements-dev.txt")
    print()
    print(format_table(bootstrap_table(per_request, best, seed=args.seed), best))
    return 0


if __name__ == "__main__":
    sys.exit(main())
