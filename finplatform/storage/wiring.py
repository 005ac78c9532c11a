"""The app's blob store, chosen by configuration (STORAGE_BACKEND and its settings)."""

from __future__ import annotations

from flask import Flask, current_app

from config import ConfigError
from finplatform.extensions import db
from finplatform.storage.base import BlobStore
from finplatform.storage.database import DatabaseBlobStore
from finplatform.storage.s3 import S3BlobStore

BACKENDS = ("database", "s3")


def build_store(config) -> BlobStore:
    """The store a configuration names: the database (default) or an S3-compatible bucket."""
    backend = config.get("STORAGE_BACKEND") or "database"
    if backend == "database":
        return DatabaseBlobStore(lambda: db.session)
    if backend == "s3":
        bucket = config.get("STORAGE_S3_BUCKET")
        if not bucket:
            raise ConfigError("STORAGE_BACKEND=s3 needs STORAGE_S3_BUCKET")
        return S3BlobStore(
            bucket,
            prefix=config.get("STORAGE_S3_PREFIX") or "",
            endpoint_url=config.get("STORAGE_S3_ENDPOINT_URL"),
            region=config.get("STORAGE_S3_REGION"),
        )
    raise ConfigError(f"STORAGE_BACKEND must be one of {', '.join(BACKENDS)}, got {backend!r}")


def blob_store() -> BlobStore:
    """The current app's blob store."""
    return current_app.extensions["finplatform_blob_store"]


def register(app: Flask) -> None:
    """Build the app's blob store from its configuration."""
    app.extensions["finplatform_blob_store"] = build_store(app.config)
