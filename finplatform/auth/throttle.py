"""Sign-in throttling: failed attempts counted per account and per address.

Counts live in the rate-limit storage (Redis when `REDIS_URL` is set, so every worker shares
them; process memory otherwise). When that storage fails, the counts are read from the
database instead — every failed sign-in is in the audit trail with its address and account —
so losing Redis costs a few queries, never the protection.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from limits.storage import Storage, storage_from_string

from finplatform import clock
from finplatform.extensions import db
from finplatform.models import AuditEvent, User

log = logging.getLogger(__name__)

WINDOW_SECONDS = 15 * 60
FAILED = "login.failed"


def storage() -> Storage:
    """The app's throttle storage, made on first use from RATELIMIT_STORAGE_URI.

    Its own, not Flask-Limiter's: sign-in protection stays on when API rate limits are off.
    """
    extensions = current_app.extensions
    if "finplatform_login_throttle" not in extensions:
        extensions["finplatform_login_throttle"] = storage_from_string(
            current_app.config["RATELIMIT_STORAGE_URI"]
        )
    return extensions["finplatform_login_throttle"]


def _key(kind: str, value: str) -> str:
    # Hashed so that emails and addresses are not kept in clear in Redis.
    digest = hashlib.sha256(value.encode()).hexdigest()[:32]
    return f"finplatform:login-failures:{kind}:{digest}"


def _or_database(operation, fallback):
    try:
        return operation()
    except Exception as error:
        log.warning("sign-in throttle storage unavailable, counting in the database: %s", error)
        return fallback()


def _failures_since(*conditions) -> int:
    since = clock.now() - timedelta(seconds=WINDOW_SECONDS)
    return db.session.scalar(
        sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.action == FAILED, AuditEvent.at >= since, *conditions
        )
    )


def _address_failures(address: str) -> int:
    return _failures_since(AuditEvent.ip == address)


def _account_failures(user: User | None) -> int:
    if user is None:
        return 0
    # Failures before the last lock-out or the last sign-in were already answered.
    after = [moment for moment in (user.locked_at, user.last_login_at) if moment is not None]
    return _failures_since(
        AuditEvent.object_type == "User",
        AuditEvent.object_id == user.id,
        *(AuditEvent.at > moment for moment in after),
    )


def address_blocked(address: str) -> bool:
    """Whether this address has failed too often within the window."""
    limit = current_app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    count = _or_database(
        lambda: storage().get(_key("address", address)), lambda: _address_failures(address)
    )
    return count >= limit


def record_failure(email: str, address: str, user: User | None) -> int:
    """Count a failed attempt (already in the audit trail, flushed) for the account and the
    address; returns the account's count."""
    _or_database(lambda: storage().incr(_key("address", address), WINDOW_SECONDS), lambda: 0)
    return _or_database(
        lambda: storage().incr(_key("account", email), WINDOW_SECONDS),
        lambda: _account_failures(user),
    )


def clear_failures(email: str) -> None:
    """Forget an account's failures after a successful sign-in, a lock-out or an unlock."""
    _or_database(lambda: storage().clear(_key("account", email)), lambda: None)
