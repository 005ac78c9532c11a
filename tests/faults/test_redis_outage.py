"""Redis stops while the app serves: pages and the API keep answering, limits fall back to
per-process counting, jobs run inline; once Redis is back, queued jobs run.

The test starts its own redis-server on a spare port, so stopping it disturbs nothing else.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest
import redis

from config import TestingConfig as SuiteConfig
from finplatform import create_app, jobs
from finplatform.api.tokens import create_token
from finplatform.audit import record_audit
from finplatform.extensions import db as _db
from finplatform.models import AuditEvent, Role
from seeds.reference_loader import load_reference
from tests.factories import Factory

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start_redis(port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    for _ in range(50):
        try:
            client.ping()
            return process
        except redis.ConnectionError:
            time.sleep(0.1)
    process.kill()
    process.wait()
    raise RuntimeError("redis-server did not start")


def record_marker(note: str) -> str:
    """A job: writes an audit row, so the test can see that it ran (and how often)."""
    record_audit("test.job_ran", detail={"note": note})
    _db.session.commit()
    return note


@pytest.fixture
def served(tmp_path):
    port = _free_port()
    process = _start_redis(port)
    url = f"redis://127.0.0.1:{port}/0"
    config = SuiteConfig()
    config.INSTANCE_DIR = tmp_path
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'outage.db'}"
    app = create_app(config, REDIS_URL=url, RATELIMIT_STORAGE_URI=url, RATELIMIT_ENABLED=True)
    with app.app_context():
        _db.create_all()
        load_reference()
        user = Factory(_db).user(Role.ENTERPRISE)
        _row, token = create_token(user, "outage")
        _db.session.commit()
        email = user.email
        _db.session.remove()
    state = {"app": app, "port": port, "process": process, "token": token, "user": email}
    yield state
    state["process"].kill()
    state["process"].wait()
    with app.app_context():
        _db.engine.dispose()


def _all_answer(app, token: str, email: str) -> list[int]:
    client = app.test_client()
    statuses = [
        client.get("/").status_code,
        client.get("/auth/login").status_code,
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code,
        client.get("/healthz").status_code,
        client.post("/auth/login", data={"email": email, "password": Factory.PASSWORD}).status_code,
    ]
    return statuses


def test_pages_and_api_keep_answering_without_redis(served):
    app = served["app"]
    assert _all_answer(app, served["token"], served["user"]) == [200, 200, 200, 200, 302]
    served["process"].kill()
    served["process"].wait()
    assert _all_answer(app, served["token"], served["user"]) == [200, 200, 200, 200, 302]
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 503 and ready.json["checks"]["redis"]["ok"] is False


def test_jobs_run_inline_while_redis_is_down_and_queue_again_after(served):
    app = served["app"]
    served["process"].kill()
    served["process"].wait()
    with app.app_context():
        handle = jobs.enqueue(record_marker, "during outage")
        assert handle.inline and handle.result == "during outage"
    served["process"] = _start_redis(served["port"])
    with app.app_context():
        handle = jobs.enqueue(record_marker, "after outage")
        assert not handle.inline
        runner = app.test_cli_runner()
        result = runner.invoke(args=["jobs", "worker", "--burst"])
        assert result.exit_code == 0, result.output
        notes = sorted(
            event.detail["note"]
            for event in _db.session.scalars(
                _db.select(AuditEvent).where(AuditEvent.action == "test.job_ran")
            )
        )
        assert notes == ["after outage", "during outage"]
