"""Model artifacts live in the blob store, are checked by digest on load, and files from the
former model directory can be imported."""

from __future__ import annotations

import copy

import pytest
import sqlalchemy as sa

from finplatform.models import StoredBlobChunk
from finplatform.ranking.artifacts import artifact_keys, import_directory, load_artifact
from finplatform.ranking.registry import load_version
from finplatform.storage.wiring import blob_store
from matching.store import ModelIntegrityError, ModelStoreError, save_model


def test_a_recorded_version_is_two_blobs_in_the_store_and_loads_from_them(
    stored_version, engine_model
):
    version = stored_version("m-stored")
    keys = artifact_keys("m-stored")
    assert keys == ["models/m-stored.joblib", "models/m-stored.json"]
    assert blob_store().keys("models/") == sorted(keys)
    assert blob_store().info("models/m-stored.json").content_type == "application/json"
    loaded = load_version(version)
    assert loaded.version == "m-stored"
    assert list(loaded.feature_names) == list(engine_model.feature_names)


def test_a_damaged_artifact_is_refused_before_it_is_unpickled(db, stored_version):
    stored_version("m-damaged")
    db.session.execute(
        sa.update(StoredBlobChunk)
        .where(StoredBlobChunk.key == "models/m-damaged.joblib")
        .values(data=b"not the pickled model")
    )
    with pytest.raises(ModelIntegrityError):
        load_artifact("m-damaged")


def test_a_missing_version_is_a_model_store_error(app):
    with pytest.raises(ModelStoreError, match="missing"):
        load_artifact("m-never-saved")


def test_files_of_the_former_model_directory_are_imported_once(db, engine_model, tmp_path):
    # A copy: saving writes the version's name into the model's metadata.
    save_model(copy.copy(engine_model), tmp_path, "m-on-disk")
    assert import_directory(tmp_path) == ["m-on-disk"]
    assert import_directory(tmp_path) == []
    db.session.commit()
    assert load_artifact("m-on-disk").version == "m-on-disk"
