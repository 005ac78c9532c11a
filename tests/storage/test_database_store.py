"""The database store is part of the caller's transaction; the app picks its store from the
environment."""

from __future__ import annotations

import pytest

from config import ConfigError
from config import TestingConfig as SuiteConfig
from finplatform import create_app
from finplatform.storage.database import DatabaseBlobStore
from finplatform.storage.s3 import S3BlobStore
from finplatform.storage.wiring import blob_store


def test_a_put_rolled_back_with_its_transaction_leaves_nothing(app, db):
    store = blob_store()
    assert isinstance(store, DatabaseBlobStore)
    store.put("documents/draft", b"abc")
    db.session.rollback()
    assert not store.exists("documents/draft")
    store.put("documents/kept", b"abc")
    db.session.commit()
    assert store.get("documents/kept") == b"abc"


def test_the_backend_and_bucket_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("STORAGE_BACKEND", "s3")
    monkeypatch.setenv("STORAGE_S3_BUCKET", "finplatform-blobs")
    monkeypatch.setenv("STORAGE_S3_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("STORAGE_S3_REGION", "us-east-1")
    config = SuiteConfig()
    config.INSTANCE_DIR = tmp_path
    with create_app(config).app_context():
        store = blob_store()
        assert isinstance(store, S3BlobStore)
        assert store.bucket == "finplatform-blobs"
        assert store.client.meta.endpoint_url == "http://127.0.0.1:9"


def test_an_s3_store_without_a_bucket_refuses_to_start(monkeypatch, tmp_path):
    monkeypatch.setenv("STORAGE_BACKEND", "s3")
    config = SuiteConfig()
    config.INSTANCE_DIR = tmp_path
    with pytest.raises(ConfigError, match="STORAGE_S3_BUCKET"):
        create_app(config)
