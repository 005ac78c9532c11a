"""Devices an account signed in from before: a signed cookie naming the account.

A correct password from such a device is let in even while a stranger's guesses have the
account locked or the address throttled; the cookie cannot be forged without the app's secret
key and says nothing but an account id.
"""

from __future__ import annotations

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "finplatform_device"
MAX_AGE_SECONDS = 180 * 24 * 3600


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="finplatform.known-device")


def known_user_id() -> int | None:
    """The account id this device's cookie names, if the cookie is genuine and recent."""
    value = request.cookies.get(COOKIE)
    if not value:
        return None
    try:
        user_id = _signer().loads(value, max_age=MAX_AGE_SECONDS)
    except BadSignature:
        return None
    return user_id if isinstance(user_id, int) else None


def remember(response, user_id: int):
    """Mark this device as one `user_id` signed in from."""
    response.set_cookie(
        COOKIE,
        _signer().dumps(user_id),
        max_age=MAX_AGE_SECONDS,
        httponly=True,
        samesite="Lax",
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
    )
    return response
