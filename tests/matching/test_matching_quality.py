"""On a synthetic world with a hidden process, the model beats chance and the rule score."""

from __future__ import annotations

import numpy as np

from matching.evaluate import (
    baseline_metrics,
    evaluate_rankings,
    time_ordered_split,
)
from matching.features import ProductTable, pair_features
from matching.history import InstitutionHistory
from matching.model import _fit_blend, train_model
from matching.schema import rows_of


def test_model_beats_random_and_rule_score_on_later_requests(world):
    requests, products, history = world.requests, world.products, world.history
    request_rows = rows_of(requests.id, history.request_id)
    posted = requests.posted_at[request_rows]
    test = time_ordered_split(posted, 0.25)

    # Train only on applications of earlier requests; test requests are never seen.
    model = train_model(requests, products, history.take(np.flatnonzero(~test)), max_iter=60)

    # Features of test pairs may use every decision made before each test request was posted.
    index = InstitutionHistory(history)
    table = ProductTable(products, index)
    product_rows = rows_of(products.id, history.product_id)
    features = pair_features(table, requests, request_rows[test], product_rows[test])
    groups, grades = request_rows[test], history.outcome[test]

    scored = evaluate_rankings(groups, model.approval_probability(features), grades)
    baselines = baseline_metrics(
        groups, grades, features, index, history.product_id[test], posted[test], seed=1
    )
    assert scored["requests"] > 300
    assert scored["ndcg@10"] > baselines["random"]["ndcg@10"] + 0.05
    assert scored["ndcg@10"] > baselines["popularity"]["ndcg@10"] + 0.03
    assert scored["ndcg@10"] > baselines["rule"]["ndcg@10"] + 0.01
    assert scored["mrr"] > baselines["rule"]["mrr"]
    # The rule score is itself a sensible baseline: better than chance.
    assert baselines["rule"]["ndcg@10"] > baselines["random"]["ndcg@10"]


def test_training_records_validation_metrics(trained_model):
    metrics = trained_model.metadata["metrics"]
    assert metrics["model"]["ndcg@10"] > metrics["random"]["ndcg@10"]
    assert 0.0 < metrics["model"]["brier"] < 0.25


def test_probabilities_are_calibrated_on_held_out_requests(world, trained_model):
    # Calibration check on the validation slice the model kept aside (latest 20% of requests).
    requests, history = world.requests, world.history
    request_rows = rows_of(requests.id, history.request_id)
    posted = requests.posted_at[request_rows]
    held_out = posted >= trained_model.metadata["training_window"]["validation_from_day"]
    table = ProductTable(world.products, InstitutionHistory(history))
    features = pair_features(
        table,
        requests,
        request_rows[held_out],
        rows_of(world.products.id, history.product_id)[held_out],
    )
    probability = trained_model.approval_probability(features)
    approved = history.outcome[held_out] >= 2
    assert abs(probability.mean() - approved.mean()) < 0.03
    high, low = probability > 0.5, probability < 0.2
    assert approved[high].mean() > 0.5 > approved[low].mean()


def test_the_blend_leaves_out_a_stage_that_adds_nothing():
    rng = np.random.default_rng(5)
    linear = rng.normal(0.0, 1.5, 4000)
    approved = (rng.random(4000) < 1.0 / (1.0 + np.exp(-linear))).astype(np.int8)
    # A booster logit that is the linear one plus noise, pointing the wrong way.
    booster = -(linear + rng.normal(0.0, 2.0, 4000))
    booster_slope, _, linear_slope = _fit_blend(booster, linear, approved)
    assert booster_slope == 0.0 and 0.8 < linear_slope < 1.2
    booster_slope, _, linear_slope = _fit_blend(-booster, linear, approved)
    assert booster_slope >= 0.0 and linear_slope > 0.0


def test_a_refit_model_learns_from_every_row_but_keeps_the_held_out_blend(world, trained_model):
    refitted = train_model(world.requests, world.products, world.history, max_iter=60, refit=True)
    # The blend and the stored metrics come from the held-out fit, as without the refit...
    assert refitted.calibration == trained_model.calibration
    assert refitted.metadata["metrics"] == trained_model.metadata["metrics"]
    # ...while both stages were trained again with the held-out requests included.
    assert not np.allclose(refitted.coef, trained_model.coef)
    table = ProductTable(world.products, InstitutionHistory(world.history))
    features = pair_features(
        table,
        world.requests,
        rows_of(world.requests.id, world.history.request_id),
        rows_of(world.products.id, world.history.product_id),
    )
    assert not np.allclose(
        refitted.booster.decision_function(features),
        trained_model.booster.decision_function(features),
    )
