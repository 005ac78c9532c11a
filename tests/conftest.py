"""Fixtures: the app on SQLite (default) or PostgreSQL (TEST_DATABASE_URL), a clean database
for every test, factories for the domain's records and sign-in helpers for each role."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import g, has_app_context
from flask.testing import FlaskClient

from config import TestingConfig
from finplatform import create_app
from finplatform.auth import throttle
from finplatform.extensions import db as _db
from finplatform.models.sql import is_postgresql
from finplatform.workcalendar import forget_calendar
from seeds.reference_loader import load_reference
from tests.browser import chromium_page, serve
from tests.factories import Factory
from tests.smtp_inbox import Inbox

# Reference lists survive between tests; everything else is emptied after each test.
REFERENCE_TABLES = {"districts", "industries", "product_kinds", "institution_kinds"}
SERVICE_MARKERS = {"postgres": "TEST_DATABASE_URL", "redis": "TEST_REDIS_URL"}


def pytest_collection_modifyitems(config, items):
    """Skip tests whose server is not configured for this run (scripts/run-tests.sh says which
    runs had which servers, and fails in CI when one is missing)."""
    for item in items:
        for marker, variable in SERVICE_MARKERS.items():
            if marker in item.keywords and not os.environ.get(variable):
                item.add_marker(pytest.mark.skip(reason=f"needs {variable}"))


class FreshRequestClient(FlaskClient):
    """A test client whose requests each start with an empty `g`, as in production.

    Tests hold an app context open, and Flask reuses it for the client's requests; without
    this, the signed-in user and the chosen language would leak from one request to the next.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            vars(g).clear()
        return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Where tests leave screenshots and files for people to look at."""
    path = Path(__file__).resolve().parent.parent / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture(scope="session")
def _app(tmp_path_factory):
    config = TestingConfig()
    config.INSTANCE_DIR = tmp_path_factory.mktemp("instance")
    config.MODEL_STORE = str(config.INSTANCE_DIR / "models")
    app = create_app(config)
    app.test_client_class = FreshRequestClient
    with app.app_context():
        _db.drop_all()
        with _db.engine.begin() as connection:
            # A revision left by a migration run would make the schema look migrated.
            connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        _db.create_all()
        load_reference()
        _db.session.commit()
    yield app
    # Tables stay behind (a PostgreSQL run starts with drop_all); only connections close.
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


def _empty_tables() -> None:
    tables = [t for t in reversed(_db.metadata.sorted_tables) if t.name not in REFERENCE_TABLES]
    with _db.engine.connect() as connection:
        if is_postgresql(connection):
            names = ", ".join(table.name for table in tables)
            connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            # Rows that point at rows of their own table (reversals) need the keys off to go.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
            for table in tables:
                connection.execute(table.delete())
            connection.commit()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()


@pytest.fixture
def app(_app):
    """The application, inside an app context, with an empty database (reference data kept)."""
    with _app.app_context():
        yield _app
        _db.session.remove()
        _empty_tables()
        # Targets are emptied with the rest (tests edit them) and reloaded from the seed files.
        load_reference()
        _db.session.commit()
        # Rate-limit and sign-in failure counts start from zero in every test.
        throttle.storage().reset()
        # Days a test entered into the working calendar leave with its rows.
        forget_calendar()
        # The worker's prepared ranking catalogue describes rows that are gone (ids are reused).
        _app.extensions.pop("finplatform_ranking", None)


@pytest.fixture
def pin_today(app):
    """Pin the clock to a Beijing day for one test: `pin_today(date(2014, 9, 30))`."""

    def pin(day):
        app.config["TODAY"] = day

    yield pin
    app.config["TODAY"] = None


@pytest.fixture
def db(app):
    """The Flask-SQLAlchemy handle."""
    return _db


@pytest.fixture
def client(app):
    """A test client (CSRF off; the CSRF tests turn it on)."""
    return app.test_client()


@pytest.fixture
def make(app) -> Factory:
    """Factories for users, enterprises, institutions and products."""
    return Factory(_db)


@pytest.fixture
def login(client):
    """Sign a user in through the login form; returns the response."""

    def sign_in(user, password: str = Factory.PASSWORD, **extra):
        return client.post("/auth/login", data={"email": user.email, "password": password, **extra})

    return sign_in


@pytest.fixture
def live_server(app):
    """The test app served over HTTP on 127.0.0.1 (same database as the test); yields its URL."""
    with serve(app) as url:
        yield url


@pytest.fixture
def page():
    """A headless Chromium page (Playwright driving Debian's chromium)."""
    with chromium_page() as browser_page:
        yield browser_page


@pytest.fixture
def inbox(app, free_tcp_port):
    """A real SMTP server on a free loopback port, and the app's mail sent to it."""
    from aiosmtpd.controller import Controller

    handler = Inbox(app)
    controller = Controller(handler.handler(), hostname="127.0.0.1", port=free_tcp_port)
    controller.start()
    state = app.extensions["mail"]
    kept = (state.server, state.port, state.suppress)
    state.server, state.port, state.suppress = "127.0.0.1", free_tcp_port, False
    yield handler
    state.server, state.port, state.suppress = kept
    controller.stop()
