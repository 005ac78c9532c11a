"""Ranked results cached in Redis under a key that changes with everything they depend on."""

from __future__ import annotations

import contextlib
import hashlib
import json

import redis
from flask import current_app

from finplatform.i18n import is_english
from finplatform.jobs import redis_connection
from finplatform.models import FinancingRequest
from finplatform.ranking import versions


def key(
    request: FinancingRequest | tuple,
    catalogue_key: str,
    top_k: int,
    excluded,
    english: bool | None = None,
) -> str:
    """The cache key of one ranking: the request and its last change, the catalogue and model
    versions (`catalogue_key`), the number asked, the excluded products and the language
    (`english`, else the current request's)."""
    if english is None:
        english = is_english()
    changed = request.updated_at or request.created_at
    parts = [
        str(request.id),
        changed.isoformat() if changed else "",
        catalogue_key,
        str(top_k),
        ",".join(str(i) for i in sorted(excluded)),
        "en" if english else "zh",
    ]
    return versions.RESULT_KEY_PREFIX + hashlib.sha256("|".join(parts).encode()).hexdigest()


def cached(key: str) -> list[dict] | None:
    """The cached ranking under `key`, or None (also when Redis is absent or fails)."""
    connection = redis_connection()
    if connection is None:
        return None
    try:
        raw = connection.get(key)
    except redis.RedisError:
        return None
    return json.loads(raw) if raw else None


def store(key: str, items: list[dict]) -> None:
    """Cache a ranking for `MATCH_CACHE_SECONDS`; losing Redis costs speed only."""
    connection = redis_connection()
    seconds = current_app.config["MATCH_CACHE_SECONDS"]
    if connection is None or seconds <= 0:
        return
    with contextlib.suppress(redis.RedisError):
        connection.set(key, json.dumps(items), ex=seconds)
