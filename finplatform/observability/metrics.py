"""The platform's Prometheus metrics, counted where things happen.

Defined once per process. Under gunicorn, `gunicorn.conf.py` points PROMETHEUS_MULTIPROC_DIR at
a directory of this host before any worker starts, so every worker's counts are added up at
scrape time (prometheus-client's multiprocess mode); elsewhere they live in the process.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

LATENCY_BUCKETS = (
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
)

REQUEST_SECONDS = Histogram(
    "finplatform_http_request_duration_seconds",
    "Time from the first hook to the last teardown of a request, by endpoint.",
    ["endpoint"],
    buckets=LATENCY_BUCKETS,
)
REQUEST_CPU_SECONDS = Histogram(
    "finplatform_http_request_cpu_seconds",
    "CPU time of the thread that served a request, by endpoint.",
    ["endpoint"],
    buckets=LATENCY_BUCKETS,
)
RESPONSES = Counter(
    "finplatform_http_responses_total",
    "Responses by endpoint, method and status class (2xx, 3xx, 4xx, 5xx).",
    ["endpoint", "method", "status_class"],
)
SERVER_ERRORS = Counter(
    "finplatform_http_server_errors_total",
    "Responses with a 5xx status (unexpected errors, database outages), by endpoint.",
    ["endpoint"],
)
RANKINGS = Counter(
    "finplatform_ranking_results_total",
    "Rankings served, by whether the result came from the Redis cache (hit) or was computed.",
    ["cache"],
)
CATALOGUE_BUILDS = Counter(
    "finplatform_ranking_catalogue_builds_total",
    "Ranking catalogues prepared by the workers.",
)
CATALOGUE_BUILT = Gauge(
    "finplatform_ranking_catalogue_built_timestamp_seconds",
    "When the oldest ranking catalogue a live worker serves from was prepared (Unix time).",
    multiprocess_mode="livemin",
)


def observe_request(endpoint: str, method: str, status: int, seconds: float, cpu: float) -> None:
    """Count one finished request."""
    REQUEST_SECONDS.labels(endpoint).observe(seconds)
    REQUEST_CPU_SECONDS.labels(endpoint).observe(cpu)
    RESPONSES.labels(endpoint, method, f"{status // 100}xx").inc()
    if status >= 500:
        SERVER_ERRORS.labels(endpoint).inc()
