"""Saving and loading models: round trip, metadata, and refusal of anything suspicious."""

from __future__ import annotations

import hashlib
import json
import os

import joblib
import numpy as np
import pytest

from matching.features import FEATURE_NAMES, ProductTable, pair_features
from matching.forest import CompiledForest
from matching.store import (
    ModelCompatibilityError,
    ModelIntegrityError,
    ModelPathError,
    ModelStoreError,
    list_versions,
    load_model,
    read_metadata,
    save_model,
)


@pytest.fixture(scope="module")
def sample_features(world):
    table = ProductTable(world.products, world.history)
    rng = np.random.default_rng(1)
    rows = rng.integers(0, len(world.requests), 500)
    return pair_features(table, world.requests, rows, rng.integers(0, len(world.products), 500))


@pytest.fixture
def store(tmp_path, trained_model):
    directory = tmp_path / "models"
    save_model(trained_model, directory, "v1")
    return directory


def _rewrite_metadata(store, version, **changes):
    path = store / f"{version}.json"
    metadata = json.loads(path.read_text(encoding="utf-8"))
    for key, value in changes.items():
        if isinstance(value, dict):
            metadata[key] = {**metadata[key], **value}
        else:
            metadata[key] = value
    path.write_text(json.dumps(metadata), encoding="utf-8")


def _sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_round_trip_predicts_the_same(store, trained_model, sample_features):
    loaded = load_model(store, "v1")
    np.testing.assert_array_equal(
        loaded.approval_probability(sample_features),
        trained_model.approval_probability(sample_features),
    )
    np.testing.assert_array_equal(
        loaded.linear_scores(sample_features), trained_model.linear_scores(sample_features)
    )
    assert loaded.version == "v1"
    assert list_versions(store) == ["v1"]


def test_metadata_describes_the_model(store):
    metadata = read_metadata(store, "v1")
    assert metadata["feature_names"] == list(FEATURE_NAMES)
    assert set(metadata["versions"]) >= {"python", "numpy", "sklearn", "joblib"}
    assert len(metadata["data_digest_sha256"]) == 64
    assert len(metadata["artifact_sha256"]) == 64
    window = metadata["training_window"]
    assert window["first_posted_day"] < window["validation_from_day"] <= window["last_posted_day"]
    assert {"model", "random", "popularity", "rule"} <= set(metadata["metrics"])
    assert metadata["created_at"].endswith("+00:00")


def test_tampered_artifact_is_refused(store):
    artifact = store / "v1.joblib"
    artifact.write_bytes(artifact.read_bytes() + b"\0")
    with pytest.raises(ModelIntegrityError):
        load_model(store, "v1")


def test_mismatched_feature_list_is_refused(store):
    _rewrite_metadata(store, "v1", feature_names=[*FEATURE_NAMES[:-1], "shoe_size"])
    with pytest.raises(ModelCompatibilityError, match="feature list"):
        load_model(store, "v1")


def test_other_library_version_is_refused(store):
    _rewrite_metadata(store, "v1", versions={"sklearn": "0.24.2"})
    with pytest.raises(ModelCompatibilityError, match="sklearn"):
        load_model(store, "v1")


def test_patch_level_difference_is_accepted(store):
    major, minor, *_ = np.__version__.split(".")
    _rewrite_metadata(store, "v1", versions={"numpy": f"{major}.{minor}.999"})
    assert load_model(store, "v1").version == "v1"


@pytest.mark.parametrize("version", ["../v1", "/etc/passwd", "v1/../../x", "", ".hidden"])
def test_names_leaving_the_store_are_refused(store, version):
    with pytest.raises(ModelPathError):
        load_model(store, version)


def test_symlink_out_of_the_store_is_refused(tmp_path, store):
    outside = tmp_path / "elsewhere"
    save_model_dir = outside
    save_model_dir.mkdir()
    for suffix in (".json", ".joblib"):
        (outside / f"v1{suffix}").write_bytes((store / f"v1{suffix}").read_bytes())
        os.symlink(outside / f"v1{suffix}", store / f"evil{suffix}")
    with pytest.raises(ModelPathError):
        load_model(store, "evil")


def test_existing_version_is_not_overwritten(store, trained_model):
    with pytest.raises(ModelStoreError, match="already exists"):
        save_model(trained_model, store, "v1")


def test_compiled_forest_matches_scikit_learn(trained_model, sample_features):
    forest = CompiledForest(trained_model.booster)
    np.testing.assert_allclose(
        forest.decision_function(sample_features),
        trained_model.booster.decision_function(sample_features),
        rtol=1e-10,
        atol=1e-10,
    )
    with_missing = sample_features.copy()
    with_missing[::3, :: len(FEATURE_NAMES) // 5] = np.nan
    np.testing.assert_allclose(
        forest.decision_function(with_missing),
        trained_model.booster.decision_function(with_missing),
        rtol=1e-10,
        atol=1e-10,
    )


def test_an_artifact_with_the_booster_only_calibration_still_loads(store, sample_features):
    # Artifacts saved before the blend of both stages hold (slope, offset) only.
    path = store / "v1.joblib"
    payload = joblib.load(path)
    slope, offset, _ = payload["calibration"]
    payload["calibration"] = [slope, offset]
    joblib.dump(payload, path)
    _rewrite_metadata(store, "v1", artifact_sha256=_sha256(path))
    loaded = load_model(store, "v1")
    raw = loaded.booster.decision_function(sample_features)
    np.testing.assert_allclose(
        loaded.approval_probability(sample_features), 1.0 / (1.0 + np.exp(-(slope * raw + offset)))
    )
