"""Background jobs: RQ on Redis when `REDIS_URL` is set, run inline (at once) when it is not.

A job function is an entry point like a request: it commits its own unit of work. It reports
progress with `report_progress`, which the admin pages read back through `job_status`.
Without Redis the platform keeps working: `enqueue` runs the function before returning.
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import click
import redis
from flask import Flask, current_app
from flask.cli import AppGroup
from rq import Queue, Retry, Worker, get_current_job
from rq.exceptions import NoSuchJobError
from rq.job import Job

from finplatform.extensions import db

log = logging.getLogger(__name__)

QUEUE_NAME = "finplatform"
JOB_TIMEOUT_SECONDS = 3600
# A dead worker's job is noticed within HEARTBEAT_SECONDS + HEARTBEAT_GRACE_SECONDS of its last
# heartbeat, by the next maintenance round of any worker (every MAINTENANCE_SECONDS), and
# retried at once: in under a minute in all.
HEARTBEAT_SECONDS = 5
HEARTBEAT_GRACE_SECONDS = 10
MAINTENANCE_SECONDS = 15
# An idle worker waits this long on the queue (its TTL less 15 s) before it looks up again and
# runs maintenance; RQ's default (405 s) is what once let a dead worker's job wait 7 minutes.
WORKER_TTL_SECONDS = 30
# The first retry is immediate (no scheduler needed, so a dead worker's scheduler lock delays
# nothing); a second one waits 30 s.
RETRY_INTERVALS = [0, 30]
# The process id of `flask jobs worker`, once it runs: its forks are the work horses.
_WORKER_PID: dict[str, int] = {}


@dataclass
class JobHandle:
    """What `enqueue` returns: the job's id and, for an inline run, its result."""

    id: str | None
    status: str
    inline: bool
    result: object = None
    meta: dict = field(default_factory=dict)


def redis_connection() -> redis.Redis | None:
    """The app's Redis client, or None when no Redis is configured."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    clients = current_app.extensions.setdefault("finplatform_redis", {})
    if url not in clients:
        clients[url] = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    return clients[url]


def enqueue(
    func: Callable,
    *args,
    description: str | None = None,
    timeout: int = JOB_TIMEOUT_SECONDS,
    **kwargs,
) -> JobHandle:
    """Queue `func(*args, **kwargs)` on RQ (stopped after `timeout` seconds); without a
    reachable Redis, run it now."""
    connection = redis_connection()
    if connection is not None:
        try:
            job = Queue(QUEUE_NAME, connection=connection).enqueue_call(
                func=func,
                args=args,
                kwargs=kwargs,
                timeout=timeout,
                description=description,
                retry=Retry(max=2, interval=RETRY_INTERVALS),
            )
        except redis.RedisError as error:
            log.warning("Redis unavailable (%s): running %s inline", error, func.__name__)
        else:
            return JobHandle(id=job.id, status="queued", inline=False)
    result = func(*args, **kwargs)
    return JobHandle(id=None, status="finished", inline=True, result=result)


def in_work_horse() -> bool:
    """Whether this is a work horse: a process forked by `flask jobs worker` for one job."""
    return get_current_job() is not None and _WORKER_PID.get("pid") not in (None, os.getpid())


# Jobs started with `start` while no Redis answers run in a thread of this process; their
# progress lives here (one process: the development server, a test's live server).
_threads_lock = threading.Lock()
_thread_jobs: dict[str, dict] = {}
_current = threading.local()
_threads: list[threading.Thread] = []
THREAD_JOBS_KEPT = 50


def start(func: Callable, *args, description: str | None = None, **kwargs) -> JobHandle:
    """Queue `func` on RQ like `enqueue`; without Redis run it in a background thread of this
    process, so the page that asked returns at once and reads the progress with `job_status`.
    """
    connection = redis_connection()
    if connection is not None or not current_app.config.get("JOBS_IN_THREADS", True):
        return enqueue(func, *args, description=description, **kwargs)
    job_id = f"thread-{uuid.uuid4().hex}"
    state = {"id": job_id, "status": "queued", "done": 0, "total": 0, "message": ""}
    state["result"] = None
    with _threads_lock:
        _thread_jobs[job_id] = state
        for old in list(_thread_jobs)[:-THREAD_JOBS_KEPT]:
            _thread_jobs.pop(old, None)
    app = current_app._get_current_object()

    def run() -> None:
        _current.state = state
        with app.app_context():
            state["status"] = "started"
            try:
                state["result"] = func(*args, **kwargs)
            except Exception as error:  # the job's outcome is shown, never raised into a page
                log.exception("Background job %s failed", description or func.__name__)
                db.session.rollback()
                state["message"] = getattr(error, "message", None) or str(error)
                state["status"] = "failed"
            else:
                state["status"] = "finished"
            finally:
                db.session.remove()
                _current.state = None

    thread = threading.Thread(target=run, name=job_id, daemon=True)
    _threads.append(thread)
    thread.start()
    return JobHandle(id=job_id, status="queued", inline=False)


def wait_for_thread_jobs(timeout: float = 120.0) -> None:
    """Wait until every job started in a thread of this process has ended (tests, shutdown)."""
    while _threads:
        _threads.pop().join(timeout)


def report_progress(done: int, total: int, message: str = "") -> None:
    """Record how far the current job is, `message` being a step of labels "job_step" (no-op
    when running inline)."""
    state = getattr(_current, "state", None)
    if state is not None:
        state.update({"done": done, "total": total, "message": message})
        return
    job = get_current_job()
    if job is None:
        return
    job.meta.update({"done": done, "total": total, "message": message})
    job.save_meta()


def job_status(job_id: str) -> dict | None:
    """Status, progress and (when finished) result of a queued job, or None if unknown."""
    with _threads_lock:
        state = _thread_jobs.get(job_id)
        if state is not None:
            return {**state, "message": str(state["message"])}
    connection = redis_connection()
    if connection is None:
        return None
    try:
        job = Job.fetch(job_id, connection=connection)
    except (NoSuchJobError, redis.RedisError):
        return None
    status = job.get_status()
    return {
        "id": job.id,
        "status": str(status.value if hasattr(status, "value") else status),
        "done": job.meta.get("done", 0),
        "total": job.meta.get("total", 0),
        "message": job.meta.get("message", ""),
        "result": job.return_value() if status == "finished" else None,
    }


class PlatformWorker(Worker):
    """RQ's worker with a short heartbeat: RQ keeps a job's registry entry alive for a
    minute beyond the monitoring interval; here only HEARTBEAT_GRACE_SECONDS beyond it."""

    def get_heartbeat_ttl(self, job: Job) -> int:
        return super().get_heartbeat_ttl(job) - 60 + HEARTBEAT_GRACE_SECONDS


jobs_cli = AppGroup("jobs", help="Background job worker.")


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop once the queue is empty.")
def worker(burst: bool) -> None:
    """Run an RQ worker inside the app.

    Each job runs in a forked work horse that inherits the app context, while this process
    keeps the job's heartbeat: if the machine or the process dies mid-job, the next worker
    sees the job abandoned and retries it within a minute (jobs are written to be idempotent).
    """
    connection = redis_connection()
    if connection is None:
        raise click.ClickException("REDIS_URL is not set: without Redis, jobs run inline.")
    # Connections opened before the fork must not be shared with the work horse.
    db.engine.dispose()
    _WORKER_PID["pid"] = os.getpid()
    # The scheduler puts a second retry (after 30 s) back on the queue. Maintenance every 15 s:
    # abandoned jobs are noticed, and a scheduler lock left by a dead worker is taken over.
    PlatformWorker(
        [Queue(QUEUE_NAME, connection=connection)],
        connection=connection,
        maintenance_interval=MAINTENANCE_SECONDS,
        job_monitoring_interval=HEARTBEAT_SECONDS,
        worker_ttl=WORKER_TTL_SECONDS,
    ).work(burst=burst, with_scheduler=True)


def register(app: Flask) -> None:
    """Attach `flask jobs worker`."""
    app.cli.add_command(jobs_cli)
