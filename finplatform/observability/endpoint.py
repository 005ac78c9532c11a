"""`GET /metrics` in Prometheus's text format, for the monitoring system only.

Not public: a scrape needs `Authorization: Bearer <METRICS_TOKEN>` or a source address inside
METRICS_ALLOWED_NETWORKS (and no X-Forwarded-For header, which would mean it came through the
public proxy). With neither setting the endpoint answers 404, as if it did not exist.
"""

from __future__ import annotations

import contextlib
import hmac
import ipaddress
import os
import time

import redis
import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from rq import Queue

from config import ConfigError
from finplatform.extensions import csrf, db
from finplatform.jobs import QUEUE_NAME, redis_connection
from finplatform.models import ModelStatus, ModelVersion, Product
from finplatform.ranking.service import worker_stats

bp = Blueprint("observability", __name__)


def allowed_networks(setting: str) -> list:
    """The networks of a comma-separated METRICS_ALLOWED_NETWORKS value."""
    return [ipaddress.ip_network(part.strip()) for part in setting.split(",") if part.strip()]


def scrape_allowed() -> bool:
    """Whether this request may read the metrics (token, or an allowed source address)."""
    token = current_app.config.get("METRICS_TOKEN")
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer "):
        return hmac.compare_digest(header[7:].strip().encode(), token.encode())
    networks = current_app.config.get("METRICS_NETWORKS") or []
    if not networks or "X-Forwarded-For" in request.headers or not request.remote_addr:
        return False
    address = ipaddress.ip_address(request.remote_addr)
    return any(address in network for network in networks)


class PlatformCollector:
    """Figures read when scraped: queue depth, the model in service, the catalogue's age."""

    def __init__(self, app) -> None:
        self.app = app

    def collect(self):
        """Yield the gauges (a figure that cannot be read now is left out)."""
        depth = GaugeMetricFamily(
            "finplatform_queue_depth", "Jobs waiting on the RQ queue.", labels=["queue"]
        )
        connection = redis_connection()
        if connection is not None:
            with contextlib.suppress(redis.RedisError):
                depth.add_metric([QUEUE_NAME], Queue(QUEUE_NAME, connection=connection).count)
        yield depth
        try:
            yield from self._database_figures()
            up = 1
        except sa.exc.SQLAlchemyError:
            # The scrape still answers when the database does not: that is what it is for.
            db.session.rollback()
            up = 0
        yield GaugeMetricFamily(
            "finplatform_database_up", "Whether the database answered this scrape.", value=up
        )
        held = worker_stats().catalogue
        if held is not None:
            yield GaugeMetricFamily(
                "finplatform_ranking_catalogue_age_seconds",
                "Age of the ranking catalogue of the worker that answered this scrape.",
                value=time.monotonic() - held.built_at,
            )

    def _database_figures(self):
        current = db.session.execute(
            sa.select(ModelVersion.version, ModelVersion.promoted_at).where(
                ModelVersion.status == ModelStatus.CURRENT
            )
        ).first()
        changed = db.session.scalar(sa.select(sa.func.max(Product.updated_at)))
        info = GaugeMetricFamily(
            "finplatform_model_version_info",
            "The ranking model version in service (1); 'rule' when none is.",
            labels=["version"],
        )
        info.add_metric([current.version if current else "rule"], 1)
        yield info
        if current is not None and current.promoted_at is not None:
            yield GaugeMetricFamily(
                "finplatform_model_promoted_timestamp_seconds",
                "When the version in service was promoted (Unix time).",
                value=current.promoted_at.timestamp(),
            )
        if changed is not None:
            yield GaugeMetricFamily(
                "finplatform_catalogue_last_change_age_seconds",
                "Seconds since a product was last created, edited or retired.",
                value=max(0.0, time.time() - changed.timestamp()),
            )


@bp.get("/metrics")
def metrics():
    """The metrics in Prometheus's text format (404 unless the scrape is allowed)."""
    g.quiet_request = True
    if not scrape_allowed():
        abort(404)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted)
    else:
        counted = REGISTRY
    scraped = CollectorRegistry()
    scraped.register(PlatformCollector(current_app))
    body = generate_latest(counted) + generate_latest(scraped)
    return Response(body, content_type=CONTENT_TYPE_LATEST)


def register(app) -> None:
    """Serve /metrics (CSRF does not apply: it is a GET for machines)."""
    setting = app.config.get("METRICS_ALLOWED_NETWORKS", "")
    try:
        app.config["METRICS_NETWORKS"] = allowed_networks(setting)
    except ValueError as error:
        raise ConfigError(f"METRICS_ALLOWED_NETWORKS: {error}") from error
    csrf.exempt(bp)
    app.register_blueprint(bp)
