"""Two app hosts and two RQ workers, each a separate process with its own instance directory,
on one PostgreSQL and one Redis: nothing one host needs is on another host's disk.

- a model trained through host A (the admin's button, run by whichever worker takes the job)
  is served by host B;
- a product retired through host A is gone from host B's next ranking;
- a job whose worker is killed mid-run completes exactly once, on the other worker.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa
from rq import Queue, Worker
from rq.job import Job
from rq.registry import StartedJobRegistry
from rq.scheduler import SCHEDULER_KEY_TEMPLATE, SCHEDULER_LOCKING_KEY_TEMPLATE, RQScheduler

from finplatform import jobs
from finplatform.api.tokens import create_token
from finplatform.models import (
    AuditEvent,
    FinancingRequest,
    Institution,
    ModelStatus,
    ModelVersion,
    RequestStatus,
    Role,
)
from seeds.loader import load_world
from seeds.world import generate_world, world_password_hash
from tests.faults.jobs_for_tests import slow_effect
from tests.faults.private_postgres import wait_until
from tests.hosts import processes

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


@pytest.fixture
def hosts(app, db, world, tmp_path):
    """Hosts A and B (gunicorn) and workers 1 and 2, started on the test database once the
    world is in it."""
    redis.Redis.from_url(app.config["REDIS_URL"]).flushdb()
    started = {}
    env_a = processes.host_environment(tmp_path / "host-a")
    env_b = processes.host_environment(tmp_path / "host-b")
    try:
        started["a"], url_a = processes.start_app_host(env_a, tmp_path / "host-a.log")
        started["b"], url_b = processes.start_app_host(env_b, tmp_path / "host-b.log")
        started["worker-1"] = processes.start_worker(env_a, tmp_path / "worker-1.log")
        started["worker-2"] = processes.start_worker(env_b, tmp_path / "worker-2.log")
        processes.wait_for(url_a, started["a"])
        processes.wait_for(url_b, started["b"])
        connection = redis.Redis.from_url(app.config["REDIS_URL"])
        assert wait_until(lambda: len(Worker.all(connection=connection)) == 2, seconds=120)
        yield {
            "a": url_a,
            "b": url_b,
            "processes": started,
            "dirs": (tmp_path / "host-a", tmp_path / "host-b"),
        }
    finally:
        for process in started.values():
            processes.stop(process)


@pytest.fixture
def world(db, make):
    """The small world, an admin, and tokens for a firm with an open request and for a bank."""
    load_world(
        db.session.connection(),
        generate_world("small", 11, world_password_hash("scrypt:1024:8:1", 0)),
    )
    request = db.session.scalars(
        sa.select(FinancingRequest)
        .where(FinancingRequest.status == RequestStatus.OPEN)
        .order_by(FinancingRequest.id)
    ).first()
    owner = make.user(Role.ENTERPRISE, enterprise=request.enterprise)
    admin = make.user(Role.ADMIN)
    world = {
        "request_id": request.id,
        "firm_token": create_token(owner, "two hosts")[1],
        "admin": admin.email,
    }
    db.session.commit()
    return world


def _matches(url: str, world: dict) -> list[dict]:
    return processes.api(
        url, world["firm_token"], f"/api/v1/requests/{world['request_id']}/matches"
    )


def test_a_model_trained_through_one_host_is_served_by_the_other(hosts, world, db, make):
    assert {item["source"] for item in _matches(hosts["b"], world)} == {"rule"}

    browser = processes.Browser(hosts["a"])
    assert (
        browser.post_form(
            "/auth/login", "/auth/login", {"email": world["admin"], "password": make.PASSWORD}
        )
        == 200
    )
    assert browser.post_form("/admin/models/", "/admin/models/train", {}) == 200

    def trained() -> ModelVersion | None:
        db.session.rollback()
        return db.session.scalar(sa.select(ModelVersion).order_by(ModelVersion.id.desc()))

    assert wait_until(lambda: trained() is not None, seconds=180), "no worker trained the model"
    version = trained()
    if version.status != ModelStatus.CURRENT:
        # On so small a world the model need not beat the rule score: an admin puts it in
        # service by hand, through the same host, as the models page allows.
        promote = f"/admin/models/{version.id}/promote"
        form = {"override": "y", "note": "两台主机测试"}
        assert browser.post_form("/admin/models/", promote, form) == 200
    assert trained().status == ModelStatus.CURRENT
    version = version.version
    ranked = _matches(hosts["b"], world)
    assert ranked and {item["source"] for item in ranked} == {"model"}
    assert all(item["probability"] is not None for item in ranked)
    assert f'finplatform_model_version_info{{version="{version}"}} 1.0' in processes.metrics(
        hosts["b"]
    )
    # Neither host keeps the model on its own disk.
    for directory in hosts["dirs"]:
        assert not [path for path in directory.rglob("*") if path.suffix in (".joblib", ".json")]


def test_a_product_retired_through_one_host_leaves_the_others_next_ranking(hosts, world, db, make):
    before = _matches(hosts["b"], world)
    top = before[0]
    bank = db.session.get(Institution, top["institution_id"])
    bank_user = make.user(Role.INSTITUTION, institution=bank)
    bank_token = create_token(bank_user, "two hosts")[1]
    db.session.commit()

    processes.api(hosts["a"], bank_token, f"/api/v1/products/{top['product_id']}/retire", "POST")

    after = _matches(hosts["b"], world)
    assert top["product_id"] not in [item["product_id"] for item in after]
    assert [item["product_id"] for item in after][: len(before) - 1] == [
        item["product_id"] for item in before[1:]
    ][: len(after)]


def _count(db, action: str) -> int:
    db.session.rollback()
    return db.session.scalar(
        sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == action)
    )


def _scheduler_alive(connection) -> bool:
    """Whether the process holding the queue's scheduler lock still runs (it was the killed
    worker's when that worker started first)."""
    holder = connection.get(SCHEDULER_LOCKING_KEY_TEMPLATE % jobs.QUEUE_NAME)
    pid = connection.hget(SCHEDULER_KEY_TEMPLATE % holder.decode(), "pid") if holder else None
    status = Path(f"/proc/{int(pid)}/status") if pid else None
    if status is None or not status.exists():
        return False
    # A killed process nobody has reaped yet is a zombie: it exists, but schedules nothing.
    return "\nState:\tZ" not in status.read_text()


def _worker_of(job: Job, connection) -> Worker | None:
    return Worker.find_by_key(
        Worker.redis_worker_namespace_prefix + job.worker_name, connection=connection
    )


def test_a_job_whose_worker_is_killed_completes_once_on_the_other_worker(hosts, app, db):
    connection = redis.Redis.from_url(app.config["REDIS_URL"])
    handle = jobs.enqueue(slow_effect, "two-hosts", 4.0)
    assert not handle.inline
    assert wait_until(lambda: _count(db, "test.job_started") == 1, seconds=60)
    job = Job.fetch(handle.id, connection=connection)
    taken_by = _worker_of(job, connection)
    victim = next(
        process
        for name, process in hosts["processes"].items()
        if name.startswith("worker") and process.pid == taken_by.pid
    )
    processes.with_group(victim, 9)
    victim.wait(timeout=10)
    assert _count(db, "test.job_effect") == 0  # killed before the effect

    # What RQ does once the dead worker's heartbeat has lapsed (about a minute): the abandoned
    # job is failed and, with retries left, scheduled again (in 5 s); a scheduler queues it.
    # The dead worker's scheduler lock would lapse too; then the next scheduler takes over.
    queue = Queue(jobs.QUEUE_NAME, connection=connection)
    StartedJobRegistry(queue=queue).cleanup(timestamp=time.time() + 2 * jobs.JOB_TIMEOUT_SECONDS)
    if not _scheduler_alive(connection):
        connection.delete(SCHEDULER_LOCKING_KEY_TEMPLATE % jobs.QUEUE_NAME)
        time.sleep(5.5)
        scheduler = RQScheduler([queue], connection=connection)
        assert scheduler.acquire_locks()
        scheduler.enqueue_scheduled_jobs()
        scheduler.release_locks()

    assert wait_until(lambda: _count(db, "test.job_effect") == 1, seconds=60)
    assert wait_until(lambda: job.get_status(refresh=True) == "finished", seconds=30)
    job.refresh()
    survivor = _worker_of(job, connection)
    assert survivor is not None and survivor.pid != taken_by.pid
    assert _count(db, "test.job_started") == 2  # it ran twice…
    assert _count(db, "test.job_effect") == 1  # …and took effect once
