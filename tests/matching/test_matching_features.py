"""Pair features: shapes, agreement of the two paths, history rates and no leakage."""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest

from matching.bands import size_band
from matching.features import (
    FEATURE_INDEX,
    FEATURE_NAMES,
    ProductTable,
    pair_features,
    request_features,
)
from matching.history import PRIOR_STRENGTH, InstitutionHistory
from matching.schema import History
from tests.matching.conftest import build_products, build_requests


def _later_request_row(world) -> int:
    """Return a request posted late enough to have plenty of history before it."""
    return int(np.searchsorted(world.requests.posted_at, world.requests.posted_at.max() - 120))


def test_feature_matrix_has_one_column_per_name(world):
    table = ProductTable(world.products, world.history)
    features = request_features(table, world.requests, 0)
    assert features.shape == (len(world.products), len(FEATURE_NAMES))
    assert np.isfinite(features).all()
    assert len(set(FEATURE_NAMES)) == len(FEATURE_NAMES)


def test_single_request_and_pair_paths_agree(world):
    table = ProductTable(world.products, world.history)
    row = _later_request_row(world)
    products = np.arange(0, len(world.products), 7)
    one = request_features(table, world.requests, row, products)
    pairs = pair_features(table, world.requests, np.full(len(products), row), products)
    np.testing.assert_allclose(one, pairs)


def test_changing_future_history_does_not_change_features(world):
    row = _later_request_row(world)
    posted = world.requests.posted_at[row]
    history = world.history
    future = history.decided_at >= posted
    assert future.any() and (~future).any()

    rng = np.random.default_rng(5)
    rewritten = history.take(np.arange(len(history)))
    rewritten.outcome = np.where(future, rng.integers(0, 4, len(history)), history.outcome)
    extra = history.take(np.flatnonzero(future)[:500])
    extra.outcome = np.full(len(extra), 3)
    extra.decided_at = np.full(len(extra), posted)  # decided on the posting day: still future
    combined = History(
        **{
            name: np.concatenate([getattr(rewritten, name), getattr(extra, name)])
            for name in (f.name for f in fields(History))
        }
    )

    before = request_features(ProductTable(world.products, history), world.requests, row)
    after = request_features(ProductTable(world.products, combined), world.requests, row)
    np.testing.assert_array_equal(before, after)

    # The check can fail: rewriting the past does move the history features.
    past_changed = history.take(np.arange(len(history)))
    past_changed.outcome = np.where(future, history.outcome, 3)
    moved = request_features(ProductTable(world.products, past_changed), world.requests, row)
    history_columns = [
        FEATURE_INDEX[name] for name in ("inst_approval_rate", "product_approval_rate")
    ]
    assert not np.allclose(before[:, history_columns], moved[:, history_columns])


def test_training_features_use_only_history_before_each_request(world):
    table = ProductTable(world.products, world.history)
    rows = np.arange(len(world.requests))[::50]
    products = np.arange(len(rows)) % len(world.products)
    full = pair_features(table, world.requests, rows, products)
    for i, (row, product) in enumerate(zip(rows, products, strict=True)):
        past = world.history.take(
            np.flatnonzero(world.history.decided_at < world.requests.posted_at[row])
        )
        alone = pair_features(ProductTable(world.products, past), world.requests, [row], [product])
        np.testing.assert_allclose(full[i], alone[0])


def _brute_force_rate(history: History, institution_id, industry, start, end):
    """Return the smoothed industry approval rate of one institution, by direct counting."""
    window = (history.decided_at >= start) & (history.decided_at < end)
    approved = history.outcome >= 2
    g_n, g_a = window.sum(), (window & approved).sum()
    global_rate = (g_a + 20 * 0.3) / (g_n + 20)
    mine = window & (history.institution_id == institution_id)
    inst_rate = ((mine & approved).sum() + PRIOR_STRENGTH * global_rate) / (
        mine.sum() + PRIOR_STRENGTH
    )
    group = mine & (history.industry == industry)
    return ((group & approved).sum() + PRIOR_STRENGTH * inst_rate) / (group.sum() + PRIOR_STRENGTH)


@pytest.mark.parametrize("window_days", [365, None])
def test_history_index_matches_direct_counting(world, window_days):
    index = InstitutionHistory(world.history, window_days=window_days)
    rng = np.random.default_rng(3)
    institutions = rng.choice(index.institution_ids, 25)
    industries = rng.integers(0, 20, 25)
    cutoffs = rng.integers(world.history.decided_at.min(), world.history.decided_at.max() + 30, 25)
    rates = index.institution_rates(
        index.institution_rows(institutions), industries, 0, 0, cutoffs
    )["inst_approval_rate_industry"]
    for i in range(25):
        start = -(10**9) if window_days is None else cutoffs[i] - window_days
        expected = _brute_force_rate(
            world.history, institutions[i], industries[i], start, cutoffs[i]
        )
        assert rates[i] == pytest.approx(expected)


def test_unknown_institution_gets_the_prior_and_cold_start_is_uniform():
    requests = build_requests({})
    products = build_products({"institution_id": 1}, {"institution_id": 2, "pool_covered": True})
    features = request_features(ProductTable(products), requests, 0)
    assert features[0, FEATURE_INDEX["inst_approval_rate"]] == pytest.approx(0.3)
    assert features[0, FEATURE_INDEX["inst_log_decisions"]] == 0.0
    assert features[:, FEATURE_INDEX["pool_covered"]].tolist() == [0.0, 1.0]


def test_fit_features_follow_the_request():
    requests = build_requests({"amount_yuan": 2_000_000.0}, {"amount_yuan": 9_900_000.0})
    products = build_products({"industries": (3,)})
    table = ProductTable(products)
    middle = request_features(table, requests, 0)[0]
    edge = request_features(table, requests, 1)[0]
    assert middle[FEATURE_INDEX["amount_fit"]] > edge[FEATURE_INDEX["amount_fit"]]
    assert edge[FEATURE_INDEX["amount_to_max"]] == pytest.approx(0.99)
    assert middle[FEATURE_INDEX["industry_targeted"]] == 1.0
    assert middle[FEATURE_INDEX["rate_headroom"]] == pytest.approx(0.15)


def test_size_band_edges():
    assert size_band(np.array([0.0, 4_999_999, 5e6, 2e7, 1e9, np.nan])).tolist() == [
        0,
        0,
        1,
        2,
        3,
        0,
    ]


def _approvals(history: History, where: np.ndarray, start, end) -> int:
    window = (history.decided_at >= start) & (history.decided_at < end)
    return int((where & window & (history.outcome >= 2)).sum())


def test_district_share_matches_direct_counting(world):
    history = world.history
    index = InstitutionHistory(history, window_days=365)
    rng = np.random.default_rng(8)
    institutions = rng.choice(index.institution_ids, 20)
    districts = rng.integers(0, 16, 20)
    cutoffs = rng.integers(history.decided_at.min() + 200, history.decided_at.max(), 20)
    columns = index.institution_rates(
        index.institution_rows(institutions), 0, districts, 0, cutoffs
    )
    for i in range(20):
        start, end = cutoffs[i] - 365, cutoffs[i]
        active = len(np.unique(history.institution_id[history.decided_at < end]))
        overall = (
            _approvals(history, history.institution_id == institutions[i], start, end)
            + PRIOR_STRENGTH / active
        ) / (_approvals(history, np.ones(len(history), bool), start, end) + PRIOR_STRENGTH)
        in_district = history.district == districts[i]
        mine = in_district & (history.institution_id == institutions[i])
        expected = (_approvals(history, mine, start, end) + PRIOR_STRENGTH * overall) / (
            _approvals(history, in_district, start, end) + PRIOR_STRENGTH
        )
        assert np.exp(columns["inst_log_share_district"][i]) == pytest.approx(expected)


def test_recent_share_weighs_recent_approvals_more():
    # Institution 1 lent in the district three years ago, institution 2 as often last month.
    day = 20000
    history = History(
        request_id=np.arange(20),
        product_id=np.r_[np.full(10, 10), np.full(10, 20)],
        institution_id=np.r_[np.full(10, 1), np.full(10, 2)],
        industry=np.zeros(20),
        district=np.zeros(20),
        size_band=np.zeros(20),
        decided_at=np.r_[np.full(10, day - 3 * 365 + 10), np.full(10, day - 30)],
        outcome=np.full(20, 3),
    )
    index = InstitutionHistory(history, window_days=None)
    columns = index.institution_rates(index.institution_rows(np.array([1, 2])), 0, 0, 0, day)
    assert columns["inst_log_share_district"][0] == pytest.approx(
        columns["inst_log_share_district"][1]
    )
    recent = columns["inst_log_recent_share_district"]
    assert recent[1] > recent[0]
    assert columns["inst_log_recent_share"][1] > columns["inst_log_recent_share"][0]
    # Before the newer loans existed, only institution 1 had lent: it holds the larger share.
    earlier = index.institution_rates(index.institution_rows(np.array([1, 2])), 0, 0, 0, day - 100)
    assert earlier["inst_log_share_district"][0] > earlier["inst_log_share_district"][1]
