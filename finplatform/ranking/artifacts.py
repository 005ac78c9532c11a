"""Model artifacts in the blob store: `models/<version>.joblib` and `models/<version>.json`.

The engine (`matching.store`) writes and reads a version as two files in a directory; here they
are moved between a private temporary directory and the app's blob store, so that every host
serves the same versions and no host's disk holds one that another needs. Loading checks the
blobs against the digests the store recorded, then the engine checks the artifact against the
SHA-256 in its metadata, the feature list and the library versions before unpickling.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from finplatform.storage.base import BlobIntegrityError, BlobNotFound, BlobStoreError
from finplatform.storage.wiring import blob_store
from matching.model import MatchingModel
from matching.store import (
    ModelIntegrityError,
    ModelStoreError,
    list_versions,
    load_model,
    save_model,
)

PREFIX = "models"
FILES = {".joblib": "application/octet-stream", ".json": "application/json"}


def artifact_keys(version: str) -> list[str]:
    """The blob keys of a version's two files."""
    return [f"{PREFIX}/{version}{suffix}" for suffix in FILES]


def artifact_exists(version: str) -> bool:
    """Whether both files of a version are in the store."""
    store = blob_store()
    return all(store.exists(key) for key in artifact_keys(version))


def save_artifact(model: MatchingModel, version: str) -> None:
    """Save a trained model into the store as `version` (its metadata gains the artifact's
    name and digest)."""
    store = blob_store()
    with tempfile.TemporaryDirectory(prefix="model-") as directory:
        save_model(model, directory, version)
        for suffix, content_type in FILES.items():
            with (Path(directory) / f"{version}{suffix}").open("rb") as handle:
                store.put(
                    f"{PREFIX}/{version}{suffix}",
                    handle,
                    content_type=content_type,
                    metadata={"model-version": version},
                )


def load_artifact(version: str) -> MatchingModel:
    """Load a version from the store; ModelStoreError when it is missing or damaged."""
    store = blob_store()
    with tempfile.TemporaryDirectory(prefix="model-") as directory:
        for suffix in FILES:
            path = Path(directory) / f"{version}{suffix}"
            try:
                with path.open("wb") as handle:
                    for block in store.stream(f"{PREFIX}/{version}{suffix}"):
                        handle.write(block)
            except BlobNotFound as error:
                raise ModelStoreError(f"model version {version}: {path.name} is missing") from error
            except BlobIntegrityError as error:
                raise ModelIntegrityError(str(error)) from error
            except BlobStoreError as error:
                raise ModelStoreError(str(error)) from error
        return load_model(directory, version)


def import_directory(directory: str | Path) -> list[str]:
    """Put every version saved as files in `directory` (the former MODEL_STORE) into the
    store, unless it is there already; returns the versions imported."""
    imported = []
    for version in list_versions(directory):
        if artifact_exists(version):
            continue
        with tempfile.TemporaryDirectory(prefix="model-") as scratch:
            for suffix in FILES:
                shutil.copy(Path(directory) / f"{version}{suffix}", scratch)
            # Loading first checks digest, features and library versions: only sound files move.
            load_model(scratch, version)
            for suffix, content_type in FILES.items():
                with (Path(scratch) / f"{version}{suffix}").open("rb") as handle:
                    blob_store().put(
                        f"{PREFIX}/{version}{suffix}",
                        handle,
                        content_type=content_type,
                        metadata={"model-version": version},
                    )
        imported.append(version)
    return imported
