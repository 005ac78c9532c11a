"""Every request gets an id, its own timings (wall and CPU) and one JSON log line.

The id comes from a well-formed `X-Request-ID` header (a proxy's) or is made here; it is sent
back in the same header, shown on error pages and in problem+json bodies, and carried by every
log record written while the request runs, so a user's screenshot leads to the log lines.
Timings are taken from the first hook to the last teardown, so they include the commit.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, g, has_request_context, request

from finplatform.observability import metrics

log = logging.getLogger("finplatform.requests")

HEADER = "X-Request-ID"
WELL_FORMED_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


def current_request_id() -> str | None:
    """The id of the request being served, or None outside a request."""
    if not has_request_context():
        return None
    return g.get("request_id")


def _start() -> None:
    offered = request.headers.get(HEADER, "")
    g.request_id = offered if WELL_FORMED_ID.fullmatch(offered) else uuid.uuid4().hex
    g.request_started = (time.perf_counter(), time.thread_time())


def _send_id(response):
    response.headers[HEADER] = g.get("request_id", "")
    g.response_status = response.status_code
    return response


def _finish(error: BaseException | None) -> None:
    started = g.pop("request_started", None)
    if started is None:
        return
    seconds = time.perf_counter() - started[0]
    cpu_seconds = time.thread_time() - started[1]
    status = g.get("response_status", 500)
    endpoint = request.endpoint or "unmatched"
    metrics.observe_request(endpoint, request.method, status, seconds, cpu_seconds)
    if g.get("quiet_request"):
        return
    log.info(
        "%s %s %s",
        request.method,
        request.path,
        status,
        extra={
            "method": request.method,
            "path": request.path,
            "endpoint": endpoint,
            "status": status,
            "duration_ms": round(seconds * 1000.0, 2),
            "cpu_ms": round(cpu_seconds * 1000.0, 2),
        },
    )


def register(app: Flask) -> None:
    """Give each request an id and timings; log it and count it in the metrics."""
    # First before every other hook, last after them all (teardown runs after the commit).
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_send_id)
    app.teardown_request(_finish)
