"""Batched ranking: the same results as ranking each request alone, block by block."""

from __future__ import annotations

import numpy as np
import pytest

from matching.eligibility import check_eligibility, eligible_mask
from matching.features import ProductTable, block_features, request_features
from matching.ranker import Ranker
from matching.synthetic import make_products


def _assert_same_ranking(batched, alone):
    assert batched.request_id == alone.request_id
    assert batched.product_ids.tolist() == alone.product_ids.tolist()
    np.testing.assert_allclose(batched.scores, alone.scores, rtol=1e-12)
    np.testing.assert_array_equal(np.isnan(batched.probabilities), np.isnan(alone.probabilities))
    assert batched.n_eligible == alone.n_eligible
    assert [[r.code for r in reasons] for reasons in batched.reasons] == [
        [r.code for r in reasons] for reasons in alone.reasons
    ]


def test_block_features_equal_request_features(world):
    table = ProductTable(world.products, world.history)
    rows = np.array([3, 900, 1500, 1999])
    mask = check_eligibility(world.requests, world.products, rows).mask
    pair_request, product_rows = np.nonzero(mask)
    block = block_features(table, world.requests, rows, pair_request, product_rows)
    for i, row in enumerate(rows):
        alone = request_features(table, world.requests, row, product_rows[pair_request == i])
        np.testing.assert_array_equal(block[pair_request == i], alone)


def test_eligible_mask_equals_the_mask_with_reasons(world):
    rows = np.arange(0, len(world.requests), 97)
    full = check_eligibility(world.requests, world.products, rows)
    np.testing.assert_array_equal(eligible_mask(world.requests, world.products, rows), full.mask)
    assert (full.failed_rule[~full.mask] > 0).all() and (full.failed_rule[full.mask] == 0).all()


@pytest.mark.parametrize("with_model", [True, False])
def test_rank_batch_equals_rank_one_by_one(world, trained_model, with_model):
    # A catalogue larger than the re-rank depth, so the cascade really cuts.
    products, _ = make_products(1500, 40, np.random.default_rng(4))
    ranker = Ranker(products, world.history, trained_model if with_model else None)
    batch = world.requests.take(np.arange(1200, 1270))
    batched = ranker.rank_batch(batch, top_k=10, block_size=16, n_threads=2)
    assert len(batched) == len(batch)
    for row, result in enumerate(batched):
        alone = ranker.rank(batch, top_k=10, row=row)
        _assert_same_ranking(result, alone)
        assert result.excluded_product_ids.tolist() == alone.excluded_product_ids.tolist()
        assert result.excluded_rules.tolist() == alone.excluded_rules.tolist()
    assert any(result.n_eligible > trained_model.rerank_depth for result in batched)


def test_rank_batch_as_of_and_lean_mode(world, trained_model):
    ranker = Ranker(world.products, world.history, trained_model)
    batch = world.requests.take(np.arange(500, 530))
    later = batch.posted_at + 200
    lean = ranker.rank_batch(batch, top_k=5, as_of=later, with_exclusions=False)
    for row, result in enumerate(lean):
        alone = ranker.rank(batch, top_k=5, row=row, as_of=int(later[row]))
        _assert_same_ranking(result, alone)
        assert result.excluded_product_ids.size == 0 and result.excluded_rules.size == 0


def test_rank_batch_handles_requests_without_eligible_products(world, trained_model):
    ranker = Ranker(world.products, world.history, trained_model)
    batch = world.requests.take(np.arange(10))
    batch.amount_yuan[[2, 7]] = 1e15  # above every product's range
    results = ranker.rank_batch(batch, top_k=5, block_size=4)
    for row in (2, 7):
        assert results[row].n_eligible == 0 and results[row].product_ids.size == 0
        assert results[row].reasons == []
    assert all(results[row].product_ids.size for row in (0, 1, 3))
    assert ranker.rank_batch(batch.take(np.zeros(0, dtype=int))) == []
