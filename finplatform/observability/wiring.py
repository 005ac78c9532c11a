"""Installs the observability parts on an app (one line in the factory)."""

from __future__ import annotations

from flask import Flask

from finplatform.observability import endpoint, logs, requests


def register(app: Flask) -> None:
    """Request ids and timings, the log handler and the /metrics endpoint."""
    requests.register(app)
    logs.register(app)
    endpoint.register(app)
