"""The report job on a real Redis: queued from the admin page, run by a worker, with progress."""

from __future__ import annotations

import os

import pytest
import redis
from rq import Queue, SimpleWorker

from finplatform.jobs import QUEUE_NAME
from finplatform.models import Role
from finplatform.reports.jobs import generated_xlsx
from finplatform.reports.periods import Month

pytestmark = pytest.mark.redis


@pytest.fixture
def redis_app(app):
    url = os.environ["TEST_REDIS_URL"]
    connection = redis.Redis.from_url(url)
    connection.flushdb()
    configured = app.config.get("REDIS_URL")
    app.config["REDIS_URL"] = url
    app.extensions.pop("finplatform_redis", None)
    yield connection
    app.config["REDIS_URL"] = configured
    app.extensions.pop("finplatform_redis", None)
    connection.flushdb()
    connection.close()


def test_generate_runs_on_the_queue_with_progress(client, login, make, world, redis_app, app):
    login(make.user(Role.ADMIN))
    generated_xlsx(Month(2014, 6)).unlink(missing_ok=True)
    response = client.post("/reports/generate", data={"month": "2014-06"})
    assert response.status_code == 302
    job_id = response.headers["Location"].split("job=")[1]
    queued = client.get(f"/reports/job?id={job_id}").get_json()
    assert (queued["status"], queued["status_label"]) == ("queued", "排队等待")
    assert not generated_xlsx(Month(2014, 6)).exists()

    SimpleWorker([Queue(QUEUE_NAME, connection=redis_app)], connection=redis_app).work(burst=True)
    status = client.get(f"/reports/job?id={job_id}").get_json()
    assert status["status"] == "finished"
    assert (status["done"], status["total"], status["message"]) == (4, 4, "done")
    assert status["message_label"] == "完成"
    assert generated_xlsx(Month(2014, 6)).exists()
    assert client.get("/reports/job?id=nope").status_code == 404
