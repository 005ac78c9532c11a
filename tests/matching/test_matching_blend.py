"""The blend fitted out of fold: time-ordered folds and a model that weighs a feature directly."""

import numpy as np

from matching.blend import fit_blend, time_ordered_folds
from matching.features import FEATURE_NAMES, ProductTable, pair_features
from matching.history import InstitutionHistory
from matching.model import train_model
from matching.schema import rows_of


def test_each_fold_trains_only_on_days_before_it_and_the_folds_follow_each_other():
    days = np.repeat(np.arange(10), 10)  # ten days of ten rows
    folds = time_ordered_folds(days, 3, 0.2)
    # The latest 60 % is days 4..9: three slices of two days each, trained on all days before.
    assert [sorted(set(days[fold])) for _, fold in folds] == [[4, 5], [6, 7], [8, 9]]
    assert [sorted(set(days[train])) for train, _ in folds] == [
        [0, 1, 2, 3],
        [0, 1, 2, 3, 4, 5],
        [0, 1, 2, 3, 4, 5, 6, 7],
    ]


def test_one_fold_is_the_latest_slice():
    days = np.repeat(np.arange(10), 10)
    [(train, fold)] = time_ordered_folds(days, 1, 0.2)
    assert sorted(set(days[fold])) == [8, 9] and days[train].max() == 7


def test_the_blend_weighs_a_feature_that_carries_signal_and_drops_one_pointing_the_wrong_way():
    rng = np.random.default_rng(3)
    n = 6000
    booster, share = rng.normal(0.0, 1.0, n), rng.normal(0.0, 1.0, n)
    approved = (rng.random(n) < 1.0 / (1.0 + np.exp(-(booster + share)))).astype(np.int8)
    noise = rng.normal(0.0, 1.0, n)
    weights = fit_blend(np.column_stack([booster, noise, share, -share]), approved)
    booster_w, _, noise_w, share_w, against_w = weights
    assert 0.8 < booster_w < 1.2 and 0.8 < share_w < 1.2
    assert against_w == 0.0 and noise_w < 0.1


def test_a_model_blended_out_of_fold_scores_with_its_blend_feature(world):
    name = "inst_log_recent_share_district"
    model = train_model(
        world.requests,
        world.products,
        world.history,
        max_iter=20,
        blend_folds=3,
        blend_features=(name,),
    )
    assert model.blend_features == (name,) and len(model.calibration) == 4
    table = ProductTable(world.products, InstitutionHistory(world.history))
    features = pair_features(
        table,
        world.requests,
        rows_of(world.requests.id, world.history.request_id)[:500],
        rows_of(world.products.id, world.history.product_id)[:500],
    )
    raised = features.copy()
    raised[:, FEATURE_NAMES.index(name)] += 1.0
    # Raising the share by one moves every logit by the blend's weight on it, nothing else.
    logit = np.log(model.score(features) / (1.0 - model.score(features)))
    raised_logit = np.log(model.score(raised) / (1.0 - model.score(raised)))
    booster_moved = model.booster.decision_function(raised) - model.booster.decision_function(
        features
    )
    linear_moved = model.linear_scores(raised) - model.linear_scores(features)
    slope, _, linear_slope, share_weight = model.calibration
    expected = slope * booster_moved + linear_slope * linear_moved + share_weight
    assert np.allclose(raised_logit - logit, expected, atol=1e-6)
