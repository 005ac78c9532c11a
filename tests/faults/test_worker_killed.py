"""An RQ worker killed in the middle of a job: the job is retried by the next worker within
a minute, in real time, and its effect happens once.

A real `flask jobs worker` process runs the job; the test kills it with SIGKILL while the job
works, starts a new worker and waits: nothing moves the clock or runs RQ's clean-up for it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
import redis
import sqlalchemy as sa
from rq import Queue
from rq.job import Job

from config import TestingConfig as SuiteConfig
from finplatform import create_app, jobs
from finplatform.extensions import db as _db
from finplatform.models import AuditEvent
from tests.faults.jobs_for_tests import slow_effect
from tests.faults.private_postgres import wait_until

pytestmark = [pytest.mark.redis, pytest.mark.slow]


def _worker(env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker"],
        cwd=os.getcwd(),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        # Its own session: killing the session takes the work horse down with it, as a crashed
        # machine or an OOM kill of the container would.
        start_new_session=True,
    )


def _count(app, action: str) -> int:
    with app.app_context():
        count = _db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == action)
        )
        _db.session.remove()
        return count


def test_a_killed_workers_job_is_retried_and_takes_effect_once(tmp_path):
    redis_url = os.environ["TEST_REDIS_URL"]
    connection = redis.Redis.from_url(redis_url)
    database = f"sqlite:///{tmp_path / 'jobs.db'}"
    config = SuiteConfig()
    config.INSTANCE_DIR = tmp_path
    app = create_app(config, SQLALCHEMY_DATABASE_URI=database, REDIS_URL=redis_url)
    with app.app_context():
        _db.create_all()
        Queue(jobs.QUEUE_NAME, connection=connection).empty()
        handle = jobs.enqueue(slow_effect, "report-2014-06", 4.0)
    assert not handle.inline

    env = {
        **os.environ,
        "FINPLATFORM_ENV": "development",
        "FINPLATFORM_INSTANCE_DIR": str(tmp_path),
        "SECRET_KEY": "worker-test-secret",
        "DATABASE_URL": database,
        "REDIS_URL": redis_url,
    }
    first = _worker(env)
    try:
        assert wait_until(lambda: _count(app, "test.job_started") == 1, seconds=30)
        time.sleep(0.5)
        # The whole session: the worker and its work horse (RQ gives the horse its own group).
        subprocess.run(["pkill", "-KILL", "-s", str(first.pid)], check=False)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert _count(app, "test.job_effect") == 0  # killed before the effect

    killed_at = time.monotonic()
    second = _worker(env)
    try:
        # The dead worker's heartbeat lapses, the new worker's maintenance finds the job
        # abandoned and queues it again at once.
        assert wait_until(lambda: _count(app, "test.job_effect") == 1, seconds=60)
        retried_after = time.monotonic() - killed_at
        print(f"killed worker's job took effect {retried_after:.1f} s after the kill")
        assert retried_after < 60
        job = Job.fetch(handle.id, connection=connection)
        assert wait_until(lambda: job.get_status(refresh=True) == "finished", seconds=15)
    finally:
        second.terminate()
        second.wait(timeout=15)
        subprocess.run(["pkill", "-KILL", "-s", str(second.pid)], check=False)
    assert _count(app, "test.job_started") == 2  # it ran twice…
    assert _count(app, "test.job_effect") == 1  # …and took effect once
    with app.app_context():
        _db.engine.dispose()
