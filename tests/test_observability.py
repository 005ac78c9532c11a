"""Operating the platform: request ids in responses, error pages, problem+json and JSON logs;
/metrics in Prometheus's format for the monitoring system only."""

from __future__ import annotations

import io
import json
import logging

import pytest
from prometheus_client.parser import text_string_to_metric_families

from config import ConfigError
from config import TestingConfig as SuiteConfig
from finplatform import create_app
from finplatform.models import ModelStatus, ModelVersion
from finplatform.observability.logs import RequestIdFilter, json_formatter

METRICS_TOKEN = "metrics-token-for-tests"
UNREACHABLE_DB = "postgresql+psycopg://postgres@127.0.0.1:1/none"


def _families(text: str) -> dict:
    return {family.name: family for family in text_string_to_metric_families(text)}


def test_every_response_carries_a_request_id_and_keeps_a_well_formed_one_it_was_given(client):
    made = client.get("/healthz").headers["X-Request-ID"]
    assert len(made) == 32
    assert client.get("/healthz").headers["X-Request-ID"] != made
    given = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a9c21"})
    assert given.headers["X-Request-ID"] == "lb-7f3a9c21"
    forged = client.get("/healthz", headers={"X-Request-ID": "<script>"})
    assert forged.headers["X-Request-ID"] != "<script>"


def test_an_error_page_shows_the_request_id_to_quote(client):
    response = client.get("/no-such-page", headers={"X-Request-ID": "support-case-0001"})
    assert response.status_code == 404
    assert "support-case-0001" in response.get_data(as_text=True)


def test_a_problem_json_body_names_the_request_id(client):
    response = client.get("/api/v1/me", headers={"X-Request-ID": "api-call-00000042"})
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["request_id"] == "api-call-00000042"


def test_log_lines_are_json_with_the_request_id(app, client):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(json_formatter())
    handler.addFilter(RequestIdFilter())
    requests_log = logging.getLogger("finplatform.requests")
    requests_log.addHandler(handler)
    previous = requests_log.level
    requests_log.setLevel(logging.INFO)
    try:
        client.get("/healthz", headers={"X-Request-ID": "log-line-00000007"})
    finally:
        requests_log.removeHandler(handler)
        requests_log.setLevel(previous)
    record = json.loads(stream.getvalue().strip().splitlines()[-1])
    assert record["request_id"] == "log-line-00000007"
    assert record["level"] == "INFO"
    assert record["path"] == "/healthz"
    assert record["status"] == 200
    assert record["endpoint"] == "health.healthz"
    assert record["duration_ms"] >= record["cpu_ms"] >= 0


def test_metrics_are_hidden_without_the_token(app, client):
    app.config["METRICS_TOKEN"] = METRICS_TOKEN
    try:
        assert client.get("/metrics").status_code == 404
        wrong = client.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
        assert wrong.status_code == 404
    finally:
        app.config["METRICS_TOKEN"] = None


def test_metrics_show_latency_errors_the_model_in_service_and_the_catalogue(app, client, db):
    app.config["METRICS_TOKEN"] = METRICS_TOKEN
    try:
        db.session.add(
            ModelVersion(
                version="m-metrics",
                status=ModelStatus.CURRENT,
                artifact="m-metrics.joblib",
                metrics={},
                details={},
            )
        )
        db.session.commit()
        client.get("/healthz")
        client.get("/healthz")
        response = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    finally:
        app.config["METRICS_TOKEN"] = None
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    families = _families(response.get_data(as_text=True))
    latency = families["finplatform_http_request_duration_seconds"]
    counts = [
        sample.value
        for sample in latency.samples
        if sample.name.endswith("_count") and sample.labels["endpoint"] == "health.healthz"
    ]
    assert counts and counts[0] >= 2
    assert "finplatform_http_server_errors" in families
    assert "finplatform_queue_depth" in families
    (info,) = families["finplatform_model_version_info"].samples
    assert info.labels == {"version": "m-metrics"} and info.value == 1


def test_metrics_open_to_an_allowed_network_but_not_through_the_proxy(tmp_path):
    config = SuiteConfig()
    config.INSTANCE_DIR = tmp_path
    app = create_app(
        config,
        METRICS_ALLOWED_NETWORKS="10.0.0.0/8, 127.0.0.1/32",
        SQLALCHEMY_DATABASE_URI=UNREACHABLE_DB,
    )
    client = app.test_client()
    inside = client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert inside.status_code == 200
    # This app's database does not answer: the scrape still does, and says so.
    (up,) = _families(inside.get_data(as_text=True))["finplatform_database_up"].samples
    assert up.value == 0
    outside = client.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.10"})
    assert outside.status_code == 404
    proxied = client.get(
        "/metrics",
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
        headers={"X-Forwarded-For": "198.51.100.7"},
    )
    assert proxied.status_code == 404


def test_a_malformed_network_setting_refuses_to_start(tmp_path):
    config = SuiteConfig()
    config.INSTANCE_DIR = tmp_path
    with pytest.raises(ConfigError, match="METRICS_ALLOWED_NETWORKS"):
        create_app(config, METRICS_ALLOWED_NETWORKS="10.0.0.0/33")
