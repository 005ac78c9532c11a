"""Configuration: embedded development defaults, and production refusing to start half-set."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from config import ConfigError, DevelopmentConfig, ProductionConfig, config_from_env

ROOT = Path(__file__).resolve().parent.parent


def _clean_env(**values) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "FINPLATFORM_ENV"}
    }
    env.update(values)
    return env


def _flask(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_without_secret_key_exits_with_one_clear_line(tmp_path):
    env = _clean_env(
        FINPLATFORM_ENV="production",
        DATABASE_URL=f"sqlite:///{tmp_path}/x.db",
        FINPLATFORM_INSTANCE_DIR=str(tmp_path),
    )
    result = _flask(env, "routes")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr
    assert "configuration error" in result.stderr


def test_production_without_database_url_names_it(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        config_from_env("production")


def test_production_with_both_starts_with_secure_cookies(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db/platform")
    config = config_from_env("production")
    assert isinstance(config, ProductionConfig)
    assert config.SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://u@db/platform"
    assert config.SESSION_COOKIE_SECURE is True


def test_development_generates_its_secret_key_once(tmp_path, monkeypatch):
    monkeypatch.setenv("FINPLATFORM_INSTANCE_DIR", str(tmp_path))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    first = DevelopmentConfig()
    second = DevelopmentConfig()
    assert len(first.SECRET_KEY) == 64
    assert first.SECRET_KEY == second.SECRET_KEY
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert f"sqlite:///{tmp_path / 'finplatform.db'}" == first.SQLALCHEMY_DATABASE_URI
    assert first.REDIS_URL is None


def test_unknown_environment_name_is_refused():
    with pytest.raises(ConfigError, match="staging"):
        config_from_env("staging")


def test_bad_number_in_environment_is_named(monkeypatch):
    monkeypatch.setenv("RESPONSE_DEADLINE_WORKING_DAYS", "three")
    with pytest.raises(ConfigError, match="RESPONSE_DEADLINE_WORKING_DAYS"):
        DevelopmentConfig()


@pytest.mark.postgres
def test_postgresql_sessions_plan_page_queries_without_jit_or_parallel_workers(db):
    assert db.session.scalar(sa.text("SHOW jit")) == "off"
    assert db.session.scalar(sa.text("SHOW max_parallel_workers_per_gather")) == "0"
