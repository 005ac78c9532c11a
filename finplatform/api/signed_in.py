"""API sign-ins remembered for a short while per worker, forgotten everywhere on any change.

Looking a token up costs a database query with the user's row on every API call. A worker
therefore keeps, per token hash, what the look-up found (the user's columns, whether the user's
organisation is in good standing, the token's id and when it was last marked used) for at most
SIGNED_IN_CACHE_SECONDS, and only while the sign-in epoch it was filed under is the current one.

The epoch is a Redis counter moved after every commit that changed a user, an institution or
an API token (anything but the "last used" and "last signed in" times), so a revoked token, a
deactivated user or a suspended institution is refused by every worker from the next request
on. The epoch is read in the same round trip as the catalogue version the ranking needs
(`finplatform.ranking.versions`). Without a reachable Redis nothing is remembered: the workers
could not learn of a change, so every call looks the token up.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime

import redis
import sqlalchemy as sa
from flask import current_app, g, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session, make_transient_to_detached

from finplatform.api.tokens import LAST_USED_PRECISION
from finplatform.extensions import db
from finplatform.jobs import redis_connection
from finplatform.models import ApiToken, Institution, User, utcnow

log = logging.getLogger(__name__)

EPOCH_KEY = "finplatform:auth:epoch"
_PENDING = "finplatform_sign_in_changed"
# Changes that never bear on whether a token may be used.
_IGNORED = {ApiToken: {"last_used_at"}, User: {"last_login_at"}, Institution: set()}
_lock = threading.Lock()


@dataclass
class Remembered:
    """What a token look-up found, filed under the epoch it was read in."""

    epoch: bytes
    stored_at: float
    user_columns: dict
    in_good_standing: bool
    token_id: int
    last_used_at: datetime | None


def _cache() -> dict[str, Remembered]:
    return current_app.extensions.setdefault("finplatform_signed_in", {})


def queue(pipeline: redis.client.Pipeline, catalogue_key: str) -> None:
    """Queue the reads of the sign-in epoch and the catalogue counter (two replies)."""
    pipeline.get(EPOCH_KEY).get(catalogue_key)


def settle(replies) -> bytes:
    """The epoch from the replies `queue` asked for; the catalogue counter is kept on `g` for
    the ranking of this request (`finplatform.ranking.versions.redis_version`)."""
    epoch, catalogue = replies
    g.catalogue_counter = catalogue.decode() if catalogue is not None else "0"
    return epoch if epoch is not None else b"0"


def remembered(token_hash: str) -> Remembered | None:
    """What was remembered for `token_hash` within SIGNED_IN_CACHE_SECONDS, whatever its epoch
    (the caller compares it with the current one)."""
    found = _cache().get(token_hash)
    seconds = current_app.config["SIGNED_IN_CACHE_SECONDS"]
    if found is None or time.monotonic() - found.stored_at > seconds:
        return None
    return found


def recall(token_hash: str, epoch: bytes | None) -> tuple[User, int, bool] | None:
    """The user (attached to the session without a query), token id and standing remembered
    for `token_hash` under `epoch`, or None."""
    if epoch is None:
        return None
    found = _cache().get(token_hash)
    seconds = current_app.config["SIGNED_IN_CACHE_SECONDS"]
    if found is None or found.epoch != epoch or time.monotonic() - found.stored_at > seconds:
        return None
    user = User(**found.user_columns)
    make_transient_to_detached(user)
    user = db.session.merge(user, load=False)
    now = utcnow()
    if found.last_used_at is None or now - found.last_used_at > LAST_USED_PRECISION:
        # A plain UPDATE: it changes no object, so it moves no epoch.
        db.session.execute(
            sa.update(ApiToken).where(ApiToken.id == found.token_id).values(last_used_at=now)
        )
        found.last_used_at = now
    return user, found.token_id, found.in_good_standing


def remember(
    token_hash: str, epoch: bytes | None, user: User, token: ApiToken, in_good_standing: bool
) -> None:
    """File what a look-up found under `epoch` (nothing without Redis)."""
    if epoch is None or current_app.config["SIGNED_IN_CACHE_SECONDS"] <= 0:
        return
    columns = {attr.key: getattr(user, attr.key) for attr in sa.inspect(User).column_attrs}
    entry = Remembered(
        epoch, time.monotonic(), columns, in_good_standing, token.id, token.last_used_at
    )
    cache = _cache()
    with _lock:
        if len(cache) >= current_app.config["SIGNED_IN_CACHE_SIZE"]:
            cache.clear()
        cache[token_hash] = entry


def bump_epoch() -> None:
    """Move the sign-in epoch: every worker looks every token up again."""
    with contextlib.suppress(RuntimeError):
        _cache().clear()
    connection = redis_connection()
    if connection is None:
        return
    try:
        # From the clock, not 0: a Redis that lost its data must not repeat an old epoch.
        connection.set(EPOCH_KEY, time.time_ns(), nx=True)
        connection.incr(EPOCH_KEY)
    except redis.RedisError as error:
        # Remembered sign-ins outlive the change by at most SIGNED_IN_CACHE_SECONDS.
        log.warning("Redis unavailable, sign-in epoch not moved (%s)", error)


def _matters(instance) -> bool:
    ignored = _IGNORED.get(type(instance))
    if ignored is None:
        return False
    state = sa.inspect(instance)
    if state.deleted or state.was_deleted or not state.has_identity:
        return True
    return any(attr.history.has_changes() for attr in state.attrs if attr.key not in ignored)


@event.listens_for(Session, "before_flush")
def _note_changes(session: Session, _context, _instances) -> None:
    if any(_matters(obj) for obj in (*session.dirty, *session.deleted)):
        session.info[_PENDING] = True


@event.listens_for(Session, "after_commit")
def _bump_after_commit(session: Session) -> None:
    if session.info.pop(_PENDING, None) and has_app_context():
        bump_epoch()


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)
