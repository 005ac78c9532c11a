"""Ranking quality: our model against the baselines and LightGBM LambdaRank, same features.

Run: ``.venv/bin/python bench/bench_quality.py`` (a seeded synthetic world, ``matching.synthetic``)
or ``.venv/bin/python bench/bench_quality.py --database-url sqlite:///path/finplatform.db`` (the
platform's tables, e.g. a world loaded with ``flask seed demo``). LightGBM is a benchmark-only
dependency (requirements-dev.txt); without it that row is skipped.

Protocol: applications are split by their request's posting day; the latest ``--test-fraction``
of requests is the test. Every method ranks, per test request, the products the firm applied to,
and is scored with graded NDCG@10 (disbursed 3 > approved 2 > rejected 1 > ignored 0,
``matching.evaluate``). All methods see the same feature matrix: training pairs use only history
decided before each training request, test pairs only history decided before each test request.
Our model is ``train_model`` on the training applications (it keeps its own latest 20% for
calibration); LightGBM's ``LGBMRanker`` (lambdarank on the graded outcome, grouped per request)
trains on the same training applications with its own latest 20% for early stopping.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path

import numpy as np
import sqlalchemy as sa
from threadpoolctl import threadpool_limits

try:
    import lightgbm as lgb  # benchmark-only dependency (requirements-dev.txt)
except ImportError:
    lgb = None

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from matching.evaluate import (  # noqa: E402
    baseline_metrics,
    evaluate_rankings,
    time_ordered_split,
)
from matching.features import ProductTable, pair_features  # noqa: E402
from matching.history import InstitutionHistory  # noqa: E402
from matching.model import train_model  # noqa: E402
from matching.schema import (  # noqa: E402
    CREDIT_RATINGS,
    INSTITUTION_KINDS,
    MAX_COMMUNITIES,
    OUTCOME_APPROVED,
    OUTCOME_DISBURSED,
    OUTCOME_IGNORED,
    OUTCOME_REJECTED,
    PRODUCT_KINDS,
    History,
    Products,
    Requests,
    kinds_mask,
    rows_of,
)
from matching.synthetic import make_world  # noqa: E402

EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
STATUS_OUTCOME = {  # application status → outcome; withdrawn and undecided ones are left out
    "disbursed": OUTCOME_DISBURSED,
    "approved": OUTCOME_APPROVED,
    "rejected": OUTCOME_REJECTED,
    "expired": OUTCOME_IGNORED,
}
INSTITUTION_KIND_ALIASES = {"guarantee": "guarantee_firm"}


def _day(value: date | datetime | str | None) -> int | None:
    """Return the day number of a date, datetime or ISO string (SQLite returns strings)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = (
            datetime.fromisoformat(value.replace(" ", "T")[:19])
            if len(value) > 10
            else (date.fromisoformat(value))
        )
    if isinstance(value, datetime):
        value = value.date()
    return value.toordinal() - EPOCH_ORDINAL


def _float(value) -> float:
    return float("nan") if value is None else float(value)


def load_database(url: str) -> tuple[Requests, Products, History]:
    """Read requests, products and decided applications from the platform's tables."""
    engine = sa.create_engine(url)
    with engine.connect() as connection:

        def rows(sql: str) -> list:
            return list(connection.execute(sa.text(sql)))

        industries = {
            code: i
            for i, (code,) in enumerate(
                rows("SELECT code FROM industries WHERE level = 'division' ORDER BY code")
            )
        }
        districts = {
            code: i for i, (code,) in enumerate(rows("SELECT code FROM districts ORDER BY code"))
        }
        product_rows = rows(
            "SELECT p.id, p.institution_id, i.kind_code, p.kind_code, p.amount_min_yuan,"
            " p.amount_max_yuan, p.term_min_months, p.term_max_months, p.rate_min, p.rate_max,"
            " p.collateral_required, p.min_years, p.min_revenue_yuan, p.little_giant_only,"
            " p.members_only, p.pool_covered"
            " FROM products p JOIN institutions i ON i.id = p.institution_id ORDER BY p.id"
        )
        product_industries = defaultdict(list)
        for product_id, code in rows("SELECT product_id, industry_code FROM product_industries"):
            if code in industries:
                product_industries[product_id].append(industries[code])
        product_districts = defaultdict(list)
        for product_id, code in rows("SELECT product_id, district_code FROM product_districts"):
            if code in districts:
                product_districts[product_id].append(districts[code])
        communities = {
            institution_id: i
            for i, institution_id in enumerate(
                sorted({row[1] for row in product_rows if row[14]})[:MAX_COMMUNITIES]
            )
        }
        members = defaultdict(int)
        for enterprise_id, community_id in rows(
            "SELECT enterprise_id, community_id FROM community_memberships"
        ):
            if community_id in communities:
                members[enterprise_id] |= 1 << communities[community_id]
        accepted = defaultdict(set)
        for request_id, code in rows("SELECT request_id, kind_code FROM request_kinds"):
            accepted[request_id].add(code if code in PRODUCT_KINDS else "other")
        request_rows = rows(
            "SELECT r.id, r.enterprise_id, r.amount_yuan, r.term_months, r.max_rate,"
            " r.collateral_offered, r.created_at, e.industry_code, e.district_code, e.founded_on,"
            " e.employees, e.revenue_yuan, e.rd_spend_yuan, e.patents, e.is_little_giant,"
            " e.is_high_tech, e.credit_rating"
            " FROM financing_requests r JOIN enterprises e ON e.id = r.enterprise_id ORDER BY r.id"
        )
        application_rows = rows(
            "SELECT a.request_id, a.product_id, a.status,"
            " COALESCE(a.decided_at, a.respond_by, a.submitted_at)"
            " FROM applications a ORDER BY a.id"
        )

    kind_index = {kind: i for i, kind in enumerate(PRODUCT_KINDS)}
    products = Products.from_rows(
        [
            {
                "id": row[0],
                "institution_id": row[1],
                "institution_kind": INSTITUTION_KINDS.index(
                    alias
                    if (alias := INSTITUTION_KIND_ALIASES.get(row[2], row[2])) in INSTITUTION_KINDS
                    else "other"
                ),
                "kind": kind_index.get(row[3], kind_index["other"]),
                "amount_min": _float(row[4]),
                "amount_max": _float(row[5]),
                "term_min": row[6],
                "term_max": row[7],
                "rate_min": _float(row[8]),
                "rate_max": _float(row[9]),
                "collateral_required": bool(row[10]),
                "industries": product_industries[row[0]],
                "districts": product_districts[row[0]],
                "min_years": row[11] or 0,
                "min_revenue": _float(row[12]) if row[12] is not None else 0.0,
                "little_giant_only": bool(row[13]),
                "members_only_community": communities.get(row[1], -1) if row[14] else -1,
                "pool_covered": bool(row[15]),
            }
            for row in product_rows
        ],
        len(industries),
        len(districts),
    )
    request_table = []
    for row in request_rows:
        posted = _day(row[6])
        founded = _day(row[9])
        rating = row[16] if row[16] in CREDIT_RATINGS else "unrated"
        request_table.append(
            {
                "id": row[0],
                "enterprise_id": row[1],
                "amount_yuan": _float(row[2]),
                "term_months": row[3],
                "max_rate": _float(row[4]),
                "accepted_kinds": kinds_mask(accepted[row[0]]),
                "industry": industries.get(row[7], 0),
                "district": districts.get(row[8], 0),
                "firm_age_years": 0.0 if founded is None else max(posted - founded, 0) / 365.25,
                "employees": row[10] or 0,
                "revenue_yuan": _float(row[11]),
                "rd_spend_yuan": _float(row[12]),
                "patents": row[13] or 0,
                "little_giant": bool(row[14]),
                "high_tech": bool(row[15]),
                "credit_rating": CREDIT_RATINGS.index(rating),
                "collateral_offered": bool((row[5] or "").strip()),
                "communities": members[row[1]],
                "posted_at": posted,
            }
        )
    requests = Requests.from_rows(request_table)
    decided = [row for row in application_rows if row[2] in STATUS_OUTCOME and row[3] is not None]
    request_rows_of = rows_of(requests.id, np.array([row[0] for row in decided], dtype=np.int64))
    product_rows_of = rows_of(products.id, np.array([row[1] for row in decided], dtype=np.int64))
    known = (request_rows_of >= 0) & (product_rows_of >= 0)
    history = History.from_pairs(
        requests,
        products,
        request_rows_of[known],
        product_rows_of[known],
        np.array([_day(row[3]) for row in decided], dtype=np.int64)[known],
        np.array([STATUS_OUTCOME[row[2]] for row in decided], dtype=np.int8)[known],
    )
    return requests, products, history


def lambdarank_scores(
    x_train: np.ndarray,
    grades_train: np.ndarray,
    groups_train: np.ndarray,
    days_train: np.ndarray,
    x_test: np.ndarray,
    seed: int,
) -> tuple[np.ndarray, int] | None:
    """Train LightGBM LambdaRank (early-stopped on the latest 20% of requests); score x_test."""
    if lgb is None:
        return None
    order = np.lexsort((groups_train, days_train))  # by day, then request: groups contiguous
    x, y, groups, days = x_train[order], grades_train[order], groups_train[order], days_train[order]
    validation = time_ordered_split(days, 0.2)

    def group_sizes(part: np.ndarray) -> np.ndarray:
        boundaries = np.flatnonzero(np.r_[True, groups[part][1:] != groups[part][:-1]])
        return np.diff(np.r_[boundaries, part.sum()])

    ranker = lgb.LGBMRanker(
        objective="lambdarank",
        n_estimators=500,
        learning_rate=0.05,
        num_leaves=31,
        min_child_samples=40,
        reg_lambda=1.0,
        n_jobs=1,
        random_state=seed,
        verbose=-1,
    )
    ranker.fit(
        x[~validation],
        y[~validation],
        group=group_sizes(~validation),
        eval_X=(x[validation],),
        eval_y=(y[validation],),
        eval_group=[group_sizes(validation)],
        eval_at=[10],
        callbacks=[lgb.early_stopping(50, verbose=False)],
    )
    return ranker.predict(x_test), int(ranker.best_iteration_ or ranker.n_estimators)


def main() -> int:
    """Split by time, train our model and LightGBM on the same features, print NDCG@10."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="read the platform's tables instead")
    parser.add_argument("--requests", type=int, default=4000, help="synthetic world size")
    parser.add_argument("--test-fraction", type=float, default=0.25)
    parser.add_argument("--window-days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    start = time.perf_counter()
    if args.database_url:
        requests, products, history = load_database(args.database_url)
        source = "database"
    else:
        world = make_world(
            n_requests=args.requests, n_products=400, n_institutions=60, seed=args.seed
        )
        requests, products, history = world.requests, world.products, world.history
        source = f"synthetic world (seed {args.seed})"
    print(
        f"{source}: {len(requests):,} requests, {len(products):,} products, "
        f"{len(history):,} decided applications (loaded in {time.perf_counter() - start:.1f} s)"
    )
    request_rows = rows_of(requests.id, history.request_id)
    product_rows = rows_of(products.id, history.product_id)
    posted = requests.posted_at[request_rows]
    test = time_ordered_split(posted, args.test_fraction)
    train_history = history.take(np.flatnonzero(~test))

    with threadpool_limits(limits=1):
        start = time.perf_counter()
        model = train_model(requests, products, train_history, window_days=args.window_days)
        trained = time.perf_counter() - start
        # Training pairs see the training history only; test pairs every decision before them.
        train_table = ProductTable(products, InstitutionHistory(train_history, args.window_days))
        x_train = pair_features(train_table, requests, request_rows[~test], product_rows[~test])
        index = InstitutionHistory(history, args.window_days)
        table = ProductTable(products, index)
        x_test = pair_features(table, requests, request_rows[test], product_rows[test])
        groups, grades = request_rows[test], history.outcome[test]

        results = baseline_metrics(
            groups, grades, x_test, index, history.product_id[test], posted[test], args.seed
        )
        results["our model (cascade stage 2)"] = evaluate_rankings(
            groups, model.approval_probability(x_test), grades
        )
        results["our model, linear stage only"] = evaluate_rankings(
            groups, model.linear_scores(x_test), grades
        )
        start = time.perf_counter()
        lambdarank = lambdarank_scores(
            x_train,
            history.outcome[~test].astype(np.float64),
            request_rows[~test],
            posted[~test],
            x_test,
            args.seed,
        )
        if lambdarank is not None:
            scores, trees = lambdarank
            results[f"LightGBM LambdaRank ({trees} trees)"] = evaluate_rankings(
                groups, scores, grades
            )
    print(
        f"train: {int((~test).sum()):,} applications; test: {int(test.sum()):,} applications of "
        f"{int(results['random']['requests']):,} requests with an approval "
        f"(our model trained in {trained:.1f} s)"
    )
    if lambdarank is None:
        print("LightGBM is not installed: pip install -r requirements-dev.txt")
    print(f"\n{'ranking':<34} {'NDCG@10':>8} {'NDCG@5':>7} {'HR@10':>6} {'MRR':>6}")
    for name, metrics in results.items():
        print(
            f"{name:<34} {metrics['ndcg@10']:>8.3f} {metrics['ndcg@5']:>7.3f} "
            f"{metrics['hit@10']:>6.3f} {metrics['mrr']:>6.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
