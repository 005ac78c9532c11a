"""Migrations are the schema's history: one head, and upgrading an empty database gives
exactly the models (autogenerate finds nothing left to do), on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy.engine import make_url

from config import TestingConfig as SuiteConfig
from finplatform import create_app
from finplatform.app import MIGRATIONS_DIR
from finplatform.extensions import db


def _script() -> ScriptDirectory:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config)


def test_there_is_exactly_one_head():
    assert len(_script().get_heads()) == 1


def _app_on(url: str, tmp_path):
    config = SuiteConfig()
    config.SQLALCHEMY_DATABASE_URI = url
    config.INSTANCE_DIR = tmp_path
    return create_app(config)


def _upgrade_and_compare(url: str, tmp_path) -> None:
    app = _app_on(url, tmp_path)
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
            revision = context.get_current_revision()
        assert differences == []
        assert revision == _script().get_current_head()
        # And back down to nothing, so that a bad release can be rolled back.
        downgrade(revision="base")
        tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
        db.engine.dispose()


def test_upgrade_on_empty_sqlite_gives_exactly_the_models(tmp_path):
    _upgrade_and_compare(f"sqlite:///{tmp_path / 'migrated.db'}", tmp_path)


@pytest.mark.postgres
def test_upgrade_on_empty_postgresql_gives_exactly_the_models(tmp_path):
    server = make_url(os.environ["TEST_DATABASE_URL"])
    name = f"finplatform_migrations_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        _upgrade_and_compare(server.set(database=name).render_as_string(False), tmp_path)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
