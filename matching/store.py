"""The model store: a version is two files in a directory, ``<version>.joblib`` (plain arrays
and one scikit-learn estimator) and ``<version>.json`` (metadata with the artifact's sha256,
feature list and library versions). Loading checks path, checksum and compatibility before
anything is unpickled.
"""

from __future__ import annotations

import hashlib
import json
import platform as stdlib_platform
import re
import warnings
from datetime import UTC, datetime
from pathlib import Path

import joblib
import numpy as np
import sklearn

from matching.features import FEATURE_NAMES
from matching.model import MatchingModel

FORMAT_VERSION = 1
_VERSION_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class ModelStoreError(Exception):
    """A model artifact could not be saved or loaded safely."""


class ModelPathError(ModelStoreError):
    """The requested artifact lies outside the model store, or its version name is invalid."""


class ModelIntegrityError(ModelStoreError):
    """The artifact's bytes do not match the sha256 recorded in its metadata."""


class ModelCompatibilityError(ModelStoreError):
    """The artifact was built for other features or other library versions."""


def _library_versions() -> dict[str, str]:
    return {
        "python": stdlib_platform.python_version(),
        "numpy": np.__version__,
        "sklearn": sklearn.__version__,
        "joblib": joblib.__version__,
    }


def _major_minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _store_paths(store_dir: str | Path, version: str) -> tuple[Path, Path, Path]:
    """Return (store, artifact, metadata) paths, refusing anything that leaves the store."""
    if not isinstance(version, str) or not _VERSION_PATTERN.fullmatch(version):
        raise ModelPathError(f"invalid model version name: {version!r}")
    store = Path(store_dir).resolve()
    artifact = (store / f"{version}.joblib").resolve()
    metadata = (store / f"{version}.json").resolve()
    for path in (artifact, metadata):
        if path.parent != store:
            raise ModelPathError(f"{path} is outside the model store {store}")
    return store, artifact, metadata


def save_model(model: MatchingModel, store_dir: str | Path, version: str | None = None) -> str:
    """Write ``<version>.joblib`` and ``<version>.json`` into the store; return the version."""
    if tuple(model.feature_names) != FEATURE_NAMES:
        raise ModelCompatibilityError("the model's feature list differs from FEATURE_NAMES")
    created = datetime.now(UTC)
    version = version or created.strftime("m%Y%m%dT%H%M%S%fZ")
    Path(store_dir).mkdir(parents=True, exist_ok=True)
    _, artifact, metadata_path = _store_paths(store_dir, version)
    if artifact.exists() or metadata_path.exists():
        raise ModelStoreError(f"model version {version} already exists")
    # Plain arrays and one sklearn estimator: loading never depends on this module's classes.
    payload = {
        "format_version": FORMAT_VERSION,
        "feature_names": list(model.feature_names),
        "mean": model.mean,
        "scale": model.scale,
        "coef": model.coef,
        "intercept": model.intercept,
        "booster": model.booster,
        "calibration": list(model.calibration),
        "rerank_depth": model.rerank_depth,
        "blend_features": list(model.blend_features),
    }
    joblib.dump(payload, artifact)
    metadata = {
        **model.metadata,
        "version": version,
        "format_version": FORMAT_VERSION,
        "feature_names": list(model.feature_names),
        "artifact": artifact.name,
        "artifact_sha256": _file_sha256(artifact),
        "versions": _library_versions(),
        "created_at": created.isoformat(),
    }
    metadata_path.write_text(json.dumps(metadata, indent=2, ensure_ascii=False), encoding="utf-8")
    model.metadata = metadata
    return version


def read_metadata(store_dir: str | Path, version: str) -> dict:
    """Return the JSON metadata of one stored model version."""
    _, _, metadata_path = _store_paths(store_dir, version)
    if not metadata_path.is_file():
        raise ModelStoreError(f"no model version {version} in {store_dir}")
    return json.loads(metadata_path.read_text(encoding="utf-8"))


def list_versions(store_dir: str | Path) -> list[str]:
    """Return the versions in a model store, oldest name first."""
    store = Path(store_dir)
    if not store.is_dir():
        return []
    return sorted(
        path.stem
        for path in store.glob("*.json")
        if _VERSION_PATTERN.fullmatch(path.stem) and (store / f"{path.stem}.joblib").is_file()
    )


def load_model(store_dir: str | Path, version: str) -> MatchingModel:
    """Load one model version from the store after checking path, checksum and compatibility.

    Raises ``ModelPathError`` for a name that leaves the store, ``ModelCompatibilityError``
    when the feature list or the numpy / scikit-learn major.minor version differs, and
    ``ModelIntegrityError`` when the artifact's sha256 differs from its metadata. The artifact
    is only unpickled after all three checks pass.
    """
    store, artifact, _ = _store_paths(store_dir, version)
    metadata = read_metadata(store, version)
    if metadata.get("format_version") != FORMAT_VERSION:
        raise ModelCompatibilityError(
            f"unsupported artifact format {metadata.get('format_version')}"
        )
    if metadata.get("artifact") != artifact.name:
        raise ModelPathError(f"metadata names artifact {metadata.get('artifact')!r}")
    if metadata.get("feature_names") != list(FEATURE_NAMES):
        raise ModelCompatibilityError("the model's feature list differs from FEATURE_NAMES")
    running = _library_versions()
    for library in ("numpy", "sklearn"):
        built = str(metadata.get("versions", {}).get(library, ""))
        if _major_minor(built) != _major_minor(running[library]):
            raise ModelCompatibilityError(
                f"model built with {library} {built}, running {running[library]}"
            )
    if not artifact.is_file():
        raise ModelStoreError(f"artifact {artifact.name} is missing")
    if _file_sha256(artifact) != metadata.get("artifact_sha256"):
        raise ModelIntegrityError(f"{artifact.name} does not match its recorded sha256")
    with warnings.catch_warnings():
        # Patch-level sklearn differences are accepted above; do not let them abort the load.
        warnings.filterwarnings("ignore", message=".*Trying to unpickle estimator.*")
        payload = joblib.load(artifact)
    if payload.get("feature_names") != metadata["feature_names"]:
        raise ModelCompatibilityError("artifact and metadata disagree on the feature list")
    return MatchingModel(
        feature_names=tuple(payload["feature_names"]),
        mean=payload["mean"],
        scale=payload["scale"],
        coef=payload["coef"],
        intercept=payload["intercept"],
        booster=payload["booster"],
        calibration=tuple(payload["calibration"]),
        rerank_depth=payload["rerank_depth"],
        metadata=metadata,
        blend_features=tuple(payload.get("blend_features", ())),
    )
