"""Sign-in throttling: failed attempts counted per account and per address.

Counts live in the rate-limit storage (Redis when `REDIS_URL` is set, so every worker shares
them; process memory otherwise). When that storage fails, sign-in keeps working unthrottled and
the failure is logged: losing Redis costs protection, never access.
"""

from __future__ import annotations

import hashlib
import logging

from flask import current_app
from limits.storage import Storage, storage_from_string

log = logging.getLogger(__name__)

WINDOW_SECONDS = 15 * 60


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


def _safely(operation, default):
    try:
        return operation()
    except Exception as error:
        log.warning("sign-in throttle storage unavailable: %s", error)
        return default


def address_blocked(address: str) -> bool:
    """Whether this address has failed too often within the window."""
    limit = current_app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    return _safely(lambda: storage().get(_key("address", address)), 0) >= limit


def record_failure(email: str, address: str) -> int:
    """Count a failed attempt for the account and the address; returns the account's count."""
    _safely(lambda: storage().incr(_key("address", address), WINDOW_SECONDS), 0)
    return _safely(lambda: storage().incr(_key("account", email), WINDOW_SECONDS), 0)


def clear_failures(email: str) -> None:
    """Forget an account's failures after a successful sign-in or an admin's unlock."""
    _safely(lambda: storage().clear(_key("account", email)), None)
