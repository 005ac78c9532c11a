"""Liveness and readiness probes."""

from __future__ import annotations

import os

import pytest
from flask_migrate import upgrade

from config import TestingConfig as SuiteConfig
from finplatform import create_app
from finplatform.extensions import db


def _app(tmp_path, **overrides):
    config = SuiteConfig()
    config.INSTANCE_DIR = tmp_path
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'ready.db'}"
    return create_app(config, **overrides)


def test_healthz_answers_while_the_process_lives(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_readyz_refuses_a_database_not_at_the_migrations_head(client):
    # The suite's schema comes from create_all, which records no migration revision.
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["status"] == "not ready"
    assert response.json["checks"]["database"]["ok"] is False
    assert response.json["checks"]["redis"]["ok"] is True


def test_readyz_is_ready_on_a_migrated_database_without_redis(tmp_path):
    app = _app(tmp_path, REDIS_URL=None)
    with app.app_context():
        upgrade()
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.json["status"] == "ready"
    assert (
        response.json["checks"]["database"]["revision"]
        == response.json["checks"]["database"]["head"]
    )
    with app.app_context():
        db.engine.dispose()


def test_readyz_reports_unreachable_redis(tmp_path):
    app = _app(tmp_path, REDIS_URL="redis://127.0.0.1:1/0")
    with app.app_context():
        upgrade()
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["redis"]["ok"] is False
    assert response.json["checks"]["database"]["ok"] is True
    with app.app_context():
        db.engine.dispose()


@pytest.mark.redis
def test_readyz_with_a_live_redis(tmp_path):
    app = _app(tmp_path, REDIS_URL=os.environ["TEST_REDIS_URL"])
    with app.app_context():
        upgrade()
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.json["checks"]["redis"] == {"ok": True, "configured": True}
    with app.app_context():
        db.engine.dispose()


def test_readyz_when_the_database_is_gone(tmp_path):
    broken = _app(tmp_path, SQLALCHEMY_DATABASE_URI="postgresql+psycopg://postgres@127.0.0.1:1/x")
    response = broken.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["database"] == {"ok": False, "error": "OperationalError"}
