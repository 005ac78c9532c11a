"""Fixtures of the ranking integration tests: a small demo world, a trained engine model, and
two app instances (two workers) sharing one database and, optionally, one Redis."""

from __future__ import annotations

import os
from contextlib import contextmanager
from decimal import Decimal

import pytest
import redis
from threadpoolctl import threadpool_limits

from config import TestingConfig, normalise_database_url
from finplatform import create_app
from finplatform.extensions import db as _db
from finplatform.models import ModelStatus, ModelVersion, Product, ProductStatus
from finplatform.products.services import set_product_status
from finplatform.ranking.artifacts import save_artifact
from matching.model import MatchingModel, train_model
from matching.synthetic import make_world
from seeds.loader import load_world
from seeds.reference_loader import load_reference
from seeds.world import generate_world, world_password_hash

WORLD_HASH = world_password_hash("scrypt:1024:8:1", 0)


@pytest.fixture(scope="session", autouse=True)
def single_openmp_thread():
    """Train with one OpenMP thread (two can stall each other on a busy 2-core machine)."""
    with threadpool_limits(limits=1, user_api="openmp"):
        yield


def _clear_redis(url: str | None) -> None:
    if not url:
        return
    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter("finplatform:ranking:*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture(autouse=True)
def _fresh_ranking_state(app):
    """Each test starts with no prepared catalogue and no cached rankings."""
    _clear_redis(app.config.get("REDIS_URL"))
    app.extensions.pop("finplatform_ranking", None)
    yield
    app.extensions.pop("finplatform_ranking", None)
    _clear_redis(app.config.get("REDIS_URL"))


@pytest.fixture
def small_world(db):
    """The `small` demo world (300 firms, 2014), loaded into the test database."""
    load_world(db.session.connection(), generate_world("small", 11, WORLD_HASH))
    db.session.commit()
    return db


@pytest.fixture(scope="session")
def engine_model() -> MatchingModel:
    """A model trained by the engine alone on its synthetic world (fast, platform-independent)."""
    world = make_world(n_requests=600, n_products=80, n_institutions=20, seed=3)
    return train_model(world.requests, world.products, world.history, max_iter=20)


@pytest.fixture
def stored_version(app, db, engine_model):
    """Save the engine model into the store and record it as a candidate that beats the rule."""

    def record(name: str = "test-model", status: ModelStatus = ModelStatus.CANDIDATE):
        model = MatchingModel(
            **{
                key: getattr(engine_model, key)
                for key in (
                    "feature_names",
                    "mean",
                    "scale",
                    "coef",
                    "intercept",
                    "booster",
                    "calibration",
                    "rerank_depth",
                )
            },
            metadata=dict(engine_model.metadata),
        )
        save_artifact(model, name)
        version = ModelVersion(
            version=name,
            status=status,
            artifact=f"{name}.joblib",
            metrics={"model": {"ndcg@10": 0.9}, "rule": {"ndcg@10": 0.8}},
            details={
                "training_window": engine_model.metadata["training_window"],
                "comparison": {"against": "rule", "beats": True, "candidate": {}, "current": {}},
            },
        )
        db.session.add(version)
        db.session.commit()
        return version

    return record


@pytest.fixture
def catalogue(make, db):
    """Three products of one bank and an open request every one of them fits."""
    bank = make.institution()
    products = [
        make.product(bank, name=f"科技贷{i}", rate_max=Decimal(rate))
        for i, rate in enumerate(("5.0", "6.0", "7.0"))
    ]
    request = make.financing_request(max_rate=Decimal("8"))
    db.session.commit()
    return {"bank": bank, "products": products, "request": request}


@pytest.fixture
def shared_database(app, tmp_path):
    """A database URL two app instances share: the PostgreSQL test database, or a SQLite file
    (an in-memory SQLite database is private to one engine)."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return normalise_database_url(url)
    return f"sqlite:///{tmp_path / 'shared.db'}"


@pytest.fixture
def make_worker_app(app, shared_database, tmp_path):
    """Build app instances ("workers") on the shared database, with or without Redis."""
    built = []

    def build(redis_url: str | None, **overrides):
        config = TestingConfig()
        config.INSTANCE_DIR = tmp_path / f"instance{len(built)}"
        config.SQLALCHEMY_DATABASE_URI = shared_database
        config.REDIS_URL = redis_url
        config.RATELIMIT_STORAGE_URI = "memory://"
        config.MODEL_STORE = app.config["MODEL_STORE"]
        worker = create_app(config, **overrides)
        if not built and shared_database.startswith("sqlite"):
            with worker.app_context():
                _db.create_all()
                load_reference()
                _db.session.commit()
        built.append(worker)
        return worker

    yield build
    for worker in built:
        with worker.app_context():
            _db.session.remove()
            _db.engine.dispose()


@contextmanager
def in_app(worker):
    """Run a block inside a worker's app context and request context (for i18n)."""
    with worker.test_request_context():
        try:
            yield
        finally:
            _db.session.remove()


def retire(product_id: int, actor=None) -> None:
    """Retire a product through the product service, committing (as a request would)."""
    set_product_status(_db.session.get(Product, product_id), ProductStatus.RETIRED, actor)
    _db.session.commit()
