"""The Ranker facade: rule fallback, model cascade, reasons and exclusions."""

from __future__ import annotations

import numpy as np
import pytest

from matching.eligibility import REASONS_ZH
from matching.features import ProductTable, request_features
from matching.ranker import Ranker
from matching.reasons import FALLBACK_REASON
from tests.matching.conftest import build_products, build_requests


def test_without_a_model_the_rule_score_ranks_and_says_so():
    requests = build_requests({"collateral_offered": False})
    products = build_products(
        {"id": 1},
        {"id": 2, "industries": (3,)},  # targets the firm's industry
        {"id": 3, "collateral_required": True},
        {"id": 4, "amount_min": 3_000_000.0},  # amount below the minimum
    )
    ranked = Ranker(products).rank(requests, top_k=10)
    assert ranked.source == "rule"
    assert ranked.model_version is None
    assert ranked.product_ids.tolist() == [2, 1, 3]
    assert np.all(np.diff(ranked.scores) <= 0)
    assert np.isnan(ranked.probabilities).all()
    assert "行业与产品方向一致" in [reason.zh for reason in ranked.reasons[0]]
    assert ranked.excluded_product_ids.tolist() == [4]
    assert ranked.excluded_reasons() == [REASONS_ZH[2]]
    rows = ranked.as_dicts("en")
    assert rows[0]["rank"] == 1 and rows[0]["probability_pct"] is None
    assert "Product targets the firm's industry" in rows[0]["reasons"]


def test_identical_products_get_the_fallback_reason():
    ranked = Ranker(build_products({"id": 1}, {"id": 2})).rank(build_requests({}), top_k=2)
    assert ranked.reasons == [[FALLBACK_REASON], [FALLBACK_REASON]]


def test_no_eligible_product_gives_an_empty_ranking():
    ranked = Ranker(build_products({"min_years": 50.0})).rank(build_requests({}))
    assert ranked.product_ids.size == 0 and ranked.reasons == [] and ranked.n_eligible == 0
    assert ranked.excluded_product_ids.tolist() == [10]


def test_model_ranking_is_ordered_by_probability(world, trained_model):
    ranker = Ranker(world.products, world.history, trained_model)
    row = len(world.requests) - 1
    ranked = ranker.rank(world.requests, top_k=5, row=row)
    assert ranker.source == ranked.source == "model"
    assert 0 < len(ranked.product_ids) <= 5
    assert np.all(np.diff(ranked.probabilities) <= 0)
    assert np.all((ranked.probabilities >= 0) & (ranked.probabilities <= 100))
    np.testing.assert_allclose(ranked.probabilities, ranked.scores * 100)
    assert all(ranked.reasons)
    assert ranked.n_eligible + len(ranked.excluded_product_ids) == len(world.products)
    assert set(ranked.product_ids).isdisjoint(ranked.excluded_product_ids)


def test_cascade_with_full_depth_equals_scoring_every_product(world, trained_model):
    table = ProductTable(world.products, world.history)
    features = request_features(table, world.requests, len(world.requests) - 1)
    full = np.argsort(-trained_model.approval_probability(features), kind="stable")[:10]
    trained_model.rerank_depth = len(features)
    try:
        rows, _ = trained_model.cascade(features, 10)
        assert rows.tolist() == full.tolist()
        trained_model.rerank_depth = 20
        shallow, probability = trained_model.cascade(features, 10)
        # The shallow cascade re-ranks only the linear stage's 20 best rows.
        linear_head = np.argsort(-trained_model.linear_scores(features))[:20]
        assert set(shallow) <= set(linear_head)
        assert np.all(np.diff(probability) <= 0)
    finally:
        trained_model.rerank_depth = 200


def test_rank_many_equals_rank_one_by_one(world, trained_model):
    ranker = Ranker(world.products, world.history, trained_model)
    batch = world.requests.take(np.arange(1500, 1510))
    many = ranker.rank_many(batch, top_k=5, n_threads=2)
    for row, result in enumerate(many):
        alone = ranker.rank(batch, top_k=5, row=row)
        assert result.product_ids.tolist() == alone.product_ids.tolist()
        assert result.request_id == batch.id[row]


def test_as_of_ignores_decisions_made_after_it(world, trained_model):
    ranker = Ranker(world.products, world.history, trained_model)
    row = len(world.requests) // 2
    posted = int(world.requests.posted_at[row])
    default = ranker.rank(world.requests, top_k=5, row=row)
    explicit = ranker.rank(world.requests, top_k=5, row=row, as_of=posted)
    assert default.product_ids.tolist() == explicit.product_ids.tolist()
    later = ranker.rank(world.requests, top_k=5, row=row, as_of=posted + 300)
    assert not np.allclose(later.scores, default.scores)


@pytest.mark.parametrize("top_k", [0, 1, 1000])
def test_top_k_is_capped_by_eligible_products(world, top_k):
    ranked = Ranker(world.products, world.history).rank(world.requests, top_k=top_k, row=3)
    assert len(ranked.product_ids) == min(top_k, ranked.n_eligible)
