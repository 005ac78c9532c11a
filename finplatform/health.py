"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

import redis
import sqlalchemy as sa
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, jsonify

from finplatform.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """The process is alive and serving."""
    return jsonify(status="ok")


def _migration_heads() -> set[str]:
    config = AlembicConfig()
    config.set_main_option("script_location", current_app.extensions["migrate"].directory)
    return set(ScriptDirectory.from_config(config).get_heads())


def check_database() -> dict:
    """Whether the database answers and its schema is at the migrations' head."""
    try:
        with db.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
            current = set(MigrationContext.configure(connection).get_current_heads())
    except sa.exc.SQLAlchemyError as exc:
        return {"ok": False, "error": type(exc).__name__}
    heads = _migration_heads()
    return {
        "ok": current == heads,
        "revision": sorted(current),
        "head": sorted(heads),
    }


def check_redis() -> dict:
    """Whether Redis answers, or that none is configured (the app runs without it)."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return {"ok": True, "configured": False}
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
    except redis.RedisError as exc:
        return {"ok": False, "configured": True, "error": type(exc).__name__}
    return {"ok": True, "configured": True}


@bp.get("/readyz")
def readyz():
    """Ready to take traffic: database reachable at the migrations' head, Redis if configured."""
    checks = {"database": check_database(), "redis": check_redis()}
    ready = all(check["ok"] for check in checks.values())
    return jsonify(status="ready" if ready else "not ready", checks=checks), 200 if ready else 503
