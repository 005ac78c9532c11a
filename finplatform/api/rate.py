"""The API's rate limit: API_RATE_LIMIT requests per token (or address) per window, per part of
the API, counted in a fixed window in Redis or, without it, in the worker.

The count is three commands (start the window, count, read its time left) queued on the
pipeline that also reads the sign-in epoch and the catalogue version, so a signed-in API call
makes one round trip to Redis before its view runs. Every API answer carries
`X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` (a Unix time) and
`Retry-After` (seconds until the window ends); past the limit the answer is 429. When Redis does
not answer, the worker counts by itself until it answers again (RATELIMIT_IN_MEMORY_FALLBACK).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import redis
from flask import current_app, g, request
from limits import parse
from werkzeug.exceptions import TooManyRequests

KEY_PREFIX = "finplatform:api-rate:"
# The environ key of a call counted before Flask saw it (finplatform.api.fast_matches).
PRECOUNTED = "finplatform.api_rate_window"
_lock = threading.Lock()


@dataclass
class Window:
    """One caller's window: the limit, the count so far and when the window ends."""

    amount: int
    count: int
    reset_at: float

    @property
    def remaining(self) -> int:
        """Calls left in this window."""
        return max(0, self.amount - self.count)


def enabled() -> bool:
    """Whether API calls are limited (the suite turns limits off but for its own tests)."""
    return current_app.config.get("RATELIMIT_ENABLED", True)


def storage_url() -> str | None:
    """The Redis the counts live in, or None to count in the worker."""
    url = current_app.config.get("RATELIMIT_STORAGE_URI") or ""
    return url if url.startswith(("redis://", "rediss://", "unix://")) else None


def _key(caller: str, blueprint: str | None = None) -> tuple[str, int, int]:
    item = parse(current_app.config["API_RATE_LIMIT"])
    seconds = item.get_expiry()
    part = blueprint or request.blueprint
    key = f"{KEY_PREFIX}{part}:{item.amount}/{seconds}:{caller}"
    return key, item.amount, seconds


def queue(
    pipeline: redis.client.Pipeline, caller: str, blueprint: str | None = None
) -> tuple[int, int]:
    """Queue the count of this call to `blueprint` (the request's) on `pipeline` (three
    replies); returns (amount, seconds)."""
    key, amount, seconds = _key(caller, blueprint)
    pipeline.set(key, 0, ex=seconds, nx=True).incr(key).ttl(key)
    return amount, seconds


def window_of(amount: int, seconds: int, replies) -> Window:
    """The window the three replies `queue` asked for describe."""
    _set_count, count, ttl = replies
    ttl = ttl if ttl is not None and ttl >= 0 else seconds
    return Window(amount, int(count), time.time() + ttl)


def settle(amount: int, seconds: int, replies) -> None:
    """Read the three replies `queue` asked for; answer 429 past the limit."""
    _decide(window_of(amount, seconds, replies))


def settle_precounted() -> bool:
    """Take the count made before Flask saw the call, if it was; answer 429 past the limit."""
    window = request.environ.get(PRECOUNTED)
    if window is None:
        return False
    _decide(window)
    return True


def _client(url: str) -> redis.Redis:
    clients = current_app.extensions.setdefault("finplatform_redis", {})
    if url not in clients:
        clients[url] = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    return clients[url]


def count_in(url: str, caller: str) -> bool:
    """Count this call in the Redis at `url` in a round trip of its own; False when it does
    not answer."""
    pipeline = _client(url).pipeline(transaction=False)
    amount, seconds = queue(pipeline, caller)
    try:
        replies = pipeline.execute()
    except redis.RedisError:
        return False
    settle(amount, seconds, replies)
    return True


def count_in_worker(caller: str) -> None:
    """Count this call in the worker's own windows (no Redis, or Redis not answering)."""
    key, amount, seconds = _key(caller)
    windows = current_app.extensions.setdefault("finplatform_api_rate", {})
    now = time.time()
    with _lock:
        if len(windows) > 100_000:
            for stale in [k for k, (_n, end) in windows.items() if end <= now]:
                del windows[stale]
        count, ends = windows.get(key, (0, 0.0))
        if ends <= now:
            count, ends = 0, now + seconds
        windows[key] = (count + 1, ends)
    _decide(Window(amount, count + 1, ends))


def _decide(window: Window) -> None:
    g.api_rate_window = window
    if window.count > window.amount:
        raise TooManyRequests()


def header_values(window: Window) -> dict[str, str]:
    """The window's figures as headers (lower-case names), or none when they are not sent."""
    if not current_app.config.get("RATELIMIT_HEADERS_ENABLED", True):
        return {}
    reset_at = int(window.reset_at + 1)
    return {
        "x-ratelimit-limit": str(window.amount),
        "x-ratelimit-remaining": str(window.remaining),
        "x-ratelimit-reset": str(reset_at),
        "retry-after": str(max(0, int(reset_at - time.time()))),
    }


_NAMES = {
    "x-ratelimit-limit": "X-RateLimit-Limit",
    "x-ratelimit-remaining": "X-RateLimit-Remaining",
    "x-ratelimit-reset": "X-RateLimit-Reset",
    "retry-after": "Retry-After",
}


def add_headers(response):
    """The window's figures on every API answer, the 429 included."""
    window = g.get("api_rate_window")
    if window is None:
        return response
    for name, value in header_values(window).items():
        response.headers[_NAMES[name]] = value
    return response
