"""Idempotency keys, after the IETF draft "The Idempotency-Key HTTP Header Field".

A key names one attempt at one change of one resource by one caller: `stored_key` scopes the
key the caller sent to its channel (API or form), its user and the resource it changes, so a key
can never reach another caller's or another resource's record. A retry with the same key and
the same request replays the first result; the same key with a different request is refused
(`KeyReused`, answered 422) instead of silently replaying something the caller did not ask
for. Every operation that takes a key (disbursements, repayments) uses these two functions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from flask_babel import lazy_gettext as _l

from finplatform.exceptions import DomainError

KEY_REUSED = _l(
    "This idempotency key was already used for a different request. Send a new key for a new "
    "request, or the same request to repeat it."
)


class KeyReused(DomainError):
    """The key was used before for a request with different values (422)."""

    def __init__(self) -> None:
        super().__init__(KEY_REUSED)


def stored_key(channel: str, user_id: int, resource: str, key: str) -> str:
    """The key as stored: the caller's key scoped to channel, user and resource (69 chars)."""
    digest = hashlib.sha256("\n".join((channel, str(user_id), resource, key)).encode())
    return f"idem:{digest.hexdigest()}"


def require_same_request(first: Mapping, repeated: Mapping) -> None:
    """Raise KeyReused unless the repeated request asks for what the first one recorded
    (values compared as values: 5 and 5.00 are the same amount)."""
    if any(first[name] != repeated[name] for name in repeated):
        raise KeyReused()
