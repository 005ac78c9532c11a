"""Catalogue versions: how every worker learns that products or the served model changed.

A worker keeps the prepared catalogue (product arrays, history index, current model) in memory
and rebuilds it when the catalogue version moves. With Redis the version is one counter that
`invalidate_catalogue` bumps (after the change commits, so nobody rebuilds from stale rows) and
every ranking call reads with one GET. Without Redis, or when it does not answer, the version is
derived from the database: products' latest change and count, approved institutions and the
current model. Losing Redis therefore costs speed, never correctness.
"""

from __future__ import annotations

import hashlib
import logging
import time

import redis
import sqlalchemy as sa
from flask import current_app, g, has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from finplatform.extensions import db
from finplatform.jobs import redis_connection
from finplatform.models import (
    Institution,
    InstitutionStatus,
    ModelStatus,
    ModelVersion,
    Product,
)

log = logging.getLogger(__name__)

COUNTER_KEY = "finplatform:ranking:catalogue-version"
CHANNEL = "finplatform:ranking:catalogue"
RESULT_KEY_PREFIX = "finplatform:ranking:ranked:"
_PENDING = "finplatform_catalogue_changed"
_LISTENING = "finplatform_catalogue_listening"


def redis_version() -> str | None:
    """The Redis catalogue counter (one GET), or None without a reachable Redis."""
    if has_request_context() and "catalogue_counter" in g:
        # Read with the API sign-in's epoch, in the same round trip (finplatform.api.signed_in).
        return g.catalogue_counter
    connection = redis_connection()
    if connection is None:
        return None
    try:
        value = connection.get(COUNTER_KEY)
    except redis.RedisError as error:
        log.warning("Redis unavailable for the catalogue version (%s): using the database", error)
        return None
    return value.decode() if value is not None else "0"


def database_version() -> str:
    """A version derived from the rows a catalogue is built from (no Redis needed), read in
    one statement: without Redis every ranking call asks for it."""
    approved = Institution.status == InstitutionStatus.APPROVED
    current = ModelVersion.status == ModelStatus.CURRENT
    row = db.session.execute(
        sa.select(
            sa.select(sa.func.count(Product.id)).scalar_subquery(),
            sa.select(sa.func.max(Product.updated_at)).scalar_subquery(),
            sa.select(sa.func.max(Product.id)).scalar_subquery(),
            sa.select(sa.func.count(Institution.id)).where(approved).scalar_subquery(),
            sa.select(sa.func.sum(Institution.id)).where(approved).scalar_subquery(),
            sa.select(ModelVersion.id).where(current).limit(1).scalar_subquery(),
            sa.select(ModelVersion.promoted_at).where(current).limit(1).scalar_subquery(),
        )
    ).one()
    return hashlib.sha256(repr(tuple(row)).encode()).hexdigest()[:16]


def bump_version() -> str | None:
    """Move the Redis counter on now and tell subscribers; returns the new value."""
    connection = redis_connection()
    if connection is None:
        return None
    try:
        # Start from the clock, not 0: a Redis that lost its data must not hand out a number a
        # worker already holds.
        connection.set(COUNTER_KEY, time.time_ns(), nx=True)
        value = connection.incr(COUNTER_KEY)
        connection.publish(CHANNEL, value)
    except redis.RedisError as error:
        log.warning("Redis unavailable, catalogue bump lost (%s): workers recheck the DB", error)
        return None
    return str(value)


def _bump_after_commit(session: Session) -> None:
    app = session.info.pop(_PENDING, None)
    if app is not None:
        with app.app_context():
            bump_version()


def _forget_after_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)


def invalidate_catalogue() -> None:
    """Say that products or the served model changed: every worker rebuilds after the commit."""
    session = db.session()
    if not session.info.get(_LISTENING):
        # Listeners stay for the session's life: removing one while it runs is not allowed.
        event.listen(session, "after_commit", _bump_after_commit)
        event.listen(session, "after_soft_rollback", _forget_after_rollback)
        session.info[_LISTENING] = True
    session.info[_PENDING] = current_app._get_current_object()
