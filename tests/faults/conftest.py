"""Fault fixtures: a private PostgreSQL server that a test may stop, crash and restart, and
the app on it."""

from __future__ import annotations

import pytest

from config import TestingConfig as SuiteConfig
from finplatform import create_app
from finplatform.extensions import db as _db
from seeds.reference_loader import load_reference
from tests.faults.private_postgres import PrivatePostgres


@pytest.fixture
def server():
    """A running private PostgreSQL, removed after the test."""
    postgres = PrivatePostgres()
    postgres.start()
    yield postgres
    postgres.remove()


@pytest.fixture
def server_app(server, tmp_path):
    """The app on the private server, its schema and reference lists in place."""
    config = SuiteConfig()
    config.INSTANCE_DIR = tmp_path
    config.SQLALCHEMY_DATABASE_URI = server.url
    app = create_app(config)
    with app.app_context():
        _db.create_all()
        load_reference()
        _db.session.commit()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()
