"""Load test: gunicorn on PostgreSQL + Redis, a mix of enterprise, institution, specialist and
API traffic at rising concurrency, then the match endpoint against a trivial one.

    make bench-deps
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/load \\
    REDIS_URL=redis://127.0.0.1:6379/8 .venv/bin/python bench/load_test.py --load full

Prints, per stage: requests/s, p50/p95/p99 latency and the error count, how long the stage's
users took to sign in, and the machine's 1-minute load average at the end of the stage (the
figures mean little when other work shares the cores), stopping after the first stage whose p99
passes 200 ms (the saturation point); the server's own median CPU time per request of the
busiest endpoints, stage by stage, read from its JSON request log; then the throughput of
`GET /api/v1/requests/{id}/matches` and of `GET /healthz`, each alone at the same concurrency,
and their ratio. The bar: zero errors and p99 under 500 ms at 50 users on 2 cores.
Every request goes to 127.0.0.1 only, and every loop is bounded in time.

Each user signs in once (on_start) and then works with a think time of 0.5-1.5 s. A stage is
measured from the moment its last user has signed in: sign-in checks a scrypt hash on purpose
(about 0.1-0.2 s of CPU each), so 50 users arriving in the same second keep 2 cores busy for
several seconds, and that burst is reported as "signed in after" rather than mixed into the
steady-state percentiles. `--load` also gathers the planner's statistics of the new world
(VACUUM ANALYZE), as autovacuum would before long on a live database.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _flask(env: dict, *args: str) -> None:
    subprocess.run([str(VENV_BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env, check=True)


def load_world(env: dict, size: str) -> None:
    """Migrate, seed reference data, (re)load the world of `size` and gather its statistics."""
    _flask(env, "db", "upgrade")
    _flask(env, "seed", "reference")
    started = time.perf_counter()
    _flask(env, "seed", "demo", "--size", size, "--replace")
    print(f"world {size} loaded in {time.perf_counter() - started:.1f} s")
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "load_prepare.py"), "--analyse"],
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT)},
        check=True,
    )


def start_gunicorn(env: dict, port: int, workers: int | None, threads: int | None, log_path=None):
    """Serve wsgi:app as gunicorn.conf.py says (workers and threads may be overridden), its log
    to `log_path`, and wait until it answers."""
    command = [str(VENV_BIN / "gunicorn"), "--config", "gunicorn.conf.py"]
    if workers:
        command += ["--workers", str(workers)]
    if threads:
        command += ["--threads", str(threads)]
    command += ["--bind", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"]
    # The server writes to it for its whole life; closed when this process ends.
    log = Path(log_path).open("w") if log_path else None  # noqa: SIM115
    server = subprocess.Popen(command, cwd=ROOT, env=env, stderr=log)
    workers = workers or (os.cpu_count() or 1) + 1  # gunicorn.conf.py's default
    # Workers warm their ranking catalogue and templates before they answer (gunicorn.conf.py):
    # wait for every worker to answer the health probe quickly.
    deadline = time.monotonic() + 300
    quick = 0
    while time.monotonic() < deadline and quick < 3 * workers:
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=30):
                pass
        except OSError:
            time.sleep(0.5)
            continue
        quick = quick + 1 if time.perf_counter() - started < 0.2 else 0
    if quick >= 3 * workers:
        return server
    server.kill()
    raise SystemExit("gunicorn did not start")


def server_cpu(log_path: Path | None, start: int) -> tuple[dict[str, tuple[int, float]], int]:
    """Requests and median CPU ms per endpoint logged by the server since byte `start` of its
    JSON request log; returns them and the log's current end."""
    if log_path is None:
        return {}, 0
    with Path(log_path).open("rb") as handle:
        handle.seek(start)
        text = handle.read()
    by_endpoint: dict[str, list[float]] = {}
    for line in text.decode(errors="replace").splitlines():
        if line.startswith("{") and '"cpu_ms"' in line:
            record = json.loads(line)
            by_endpoint.setdefault(record["endpoint"], []).append(record["cpu_ms"])
    figures = {
        name: (len(values), statistics.median(values)) for name, values in by_endpoint.items()
    }
    return figures, start + len(text)


def run(
    base_url: str,
    accounts: dict,
    stages: list[int],
    seconds: int,
    log_path: Path | None = None,
    saturation_ms: float | None = None,
) -> None:
    """Drive the server with locust (imported here: it monkey-patches the standard library)."""
    import gevent
    from locust import FastHttpUser, between, task
    from locust.env import Environment

    password = accounts["password"]
    ready = [0]  # users of the current stage whose on_start has finished

    class SignedIn(FastHttpUser):
        abstract = True
        wait_time = between(0.5, 1.5)
        pool: list = []

        def on_start(self):
            self.account = random.choice(self.pool)
            email = self.account if isinstance(self.account, str) else self.account["email"]
            page = self.client.get("/auth/login", name="login form")
            token = page.text.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
            self.client.post(
                "/auth/login",
                data={"email": email, "password": password, "csrf_token": token},
                name="sign in",
            )
            ready[0] += 1

    class Enterprise(SignedIn):
        weight = 3
        pool = accounts["enterprise"]

        @task(2)
        def requests(self):
            self.client.get("/enterprise/requests", name="enterprise requests")

        @task(3)
        def request_with_matches(self):
            request_id = random.choice(self.account["requests"])
            self.client.get(f"/requests/{request_id}", name="request with matches")

        @task(1)
        def applications(self):
            self.client.get("/enterprise/applications", name="enterprise applications")

    class Institution(SignedIn):
        weight = 2
        pool = accounts["institution"]

        @task(3)
        def inbox(self):
            self.client.get("/institution/inbox", name="institution inbox")

        @task(2)
        def pool_page(self):
            self.client.get("/institution/pool", name="demand pool")

        @task(1)
        def products(self):
            self.client.get("/institution/products/", name="institution products")

    class Specialist(SignedIn):
        weight = 1
        pool = accounts["specialist"]

        @task(2)
        def queue(self):
            self.client.get("/specialist/queue", name="specialist queue")

        @task(1)
        def portfolio(self):
            self.client.get("/specialist/", name="specialist portfolio")

    class Api(FastHttpUser):
        weight = 2
        wait_time = between(0.5, 1.5)

        def on_start(self):
            self.account = random.choice(accounts["api"])
            self.headers = {"Authorization": f"Bearer {self.account['token']}"}
            ready[0] += 1

        @task(2)
        def matches(self):
            request_id = random.choice(self.account["requests"])
            self.client.get(
                f"/api/v1/requests/{request_id}/matches", headers=self.headers, name="api matches"
            )

        @task(1)
        def products(self):
            self.client.get(
                "/api/v1/products?per_page=20", headers=self.headers, name="api products"
            )

        @task(1)
        def me(self):
            self.client.get("/api/v1/me", headers=self.headers, name="api me")

    log_end = [0]

    def stage(user_classes, users: int, duration: int):
        environment = Environment(user_classes=user_classes, host=base_url)
        runner = environment.create_local_runner()
        ready[0] = 0
        started = time.monotonic()
        runner.start(users, spawn_rate=max(users, 10))
        # Measure from the moment every user has signed in: each sign-in is a scrypt hash
        # (a tenth of a second of CPU or more), so 50 users arriving at once keep 2 cores busy
        # for seconds, and a fixed wait would measure the end of that burst.
        while ready[0] < users and time.monotonic() - started < 120:
            gevent.sleep(0.1)
        signed_in = time.monotonic() - started
        gevent.sleep(1)
        environment.stats.reset_all()
        log_end[0] = server_cpu(log_path, log_end[0])[1]
        gevent.sleep(duration)
        runner.quit()
        for error in list(runner.exceptions.values())[:3]:
            print("user error:", error["msg"], error["traceback"][-300:], file=sys.stderr)
        return environment.stats, signed_in

    print(f"load average before: {os.getloadavg()[0]:.2f} (1 min)")
    print(
        f"{'users':>5} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>6}"
        f" {'signed in after':>16} {'load':>5}"
    )
    slowest = {}
    cpu_by_stage = []
    for users in stages:
        all_stats, signed_in = stage([Enterprise, Institution, Specialist, Api], users, seconds)
        cpu_by_stage.append((users, server_cpu(log_path, log_end[0])[0]))
        stats = all_stats.total
        slowest = {
            name: entry.get_response_time_percentile(0.95)
            for (name, _method), entry in all_stats.entries.items()
        }
        print(
            f"{users:>5} {stats.total_rps:>8.1f} {stats.get_response_time_percentile(0.5):>7.0f} "
            f"{stats.get_response_time_percentile(0.95):>7.0f} "
            f"{stats.get_response_time_percentile(0.99):>7.0f} {stats.num_failures:>6}"
            f" {signed_in:>14.1f} s {os.getloadavg()[0]:>5.2f}"
        )
        if saturation_ms and stats.get_response_time_percentile(0.99) > saturation_ms:
            print(f"saturated: p99 passed {saturation_ms:.0f} ms at {users} users")
            break

    ranked = sorted(slowest.items(), key=lambda item: -item[1])[:5]
    print("slowest at the last stage (p95 ms):", ", ".join(f"{n} {ms:.0f}" for n, ms in ranked))
    if log_path is not None:
        print_server_cpu(cpu_by_stage)

    class OnlyMatches(FastHttpUser):
        wait_time = between(0, 0)

        def on_start(self):
            self.account = random.choice(accounts["api"])
            self.headers = {"Authorization": f"Bearer {self.account['token']}"}
            ready[0] += 1

        @task
        def matches(self):
            request_id = random.choice(self.account["requests"])
            self.client.get(
                f"/api/v1/requests/{request_id}/matches", headers=self.headers, name="matches"
            )

    class OnlyHealth(FastHttpUser):
        wait_time = between(0, 0)

        def on_start(self):
            ready[0] += 1

        @task
        def health(self):
            self.client.get("/healthz", name="healthz")

    # A fifth of the last stage that ran (the saturation point's), as before at 50 users.
    users = cpu_by_stage[-1][0] // 5 if cpu_by_stage else 2
    users = max(users, 2)
    matches = stage([OnlyMatches], users, max(seconds // 2, 5))[0].total
    trivial = stage([OnlyHealth], users, max(seconds // 2, 5))[0].total
    print(
        f"match endpoint alone: {matches.total_rps:.1f} req/s (p50 "
        f"{matches.get_response_time_percentile(0.5):.0f} ms, errors {matches.num_failures}); "
        f"/healthz alone: {trivial.total_rps:.1f} req/s; "
        f"ratio {matches.total_rps / max(trivial.total_rps, 1e-9):.3f}"
    )


def print_server_cpu(cpu_by_stage: list) -> None:
    """The server's median CPU per request of the busiest endpoints, stage by stage."""
    totals: dict[str, int] = {}
    for _users, figures in cpu_by_stage:
        for name, (count, _ms) in figures.items():
            totals[name] = totals.get(name, 0) + count
    busiest = sorted(totals, key=lambda name: -totals[name])[:8]
    print("server CPU per request, median ms (from its JSON request log), busiest endpoints:")
    print(f"{'users':>5} " + " ".join(f"{name[-24:]:>24}" for name in busiest))
    for users, figures in cpu_by_stage:
        cells = [
            f"{figures[name][1]:>24.2f}" if name in figures else f"{'-':>24}" for name in busiest
        ]
        print(f"{users:>5} " + " ".join(cells))


def main() -> None:
    """Parse arguments, prepare, serve, drive, print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--load", choices=["small", "demo", "full"], help="(re)load this world first"
    )
    parser.add_argument(
        "--stages", default="10,25,50,75,100,150,200,250,300", help="concurrent users per stage"
    )
    parser.add_argument(
        "--saturation-ms",
        type=float,
        default=200.0,
        help="stop after the first stage whose p99 passes this (0: run every stage)",
    )
    parser.add_argument("--stage-seconds", type=int, default=20)
    parser.add_argument(
        "--workers", type=int, help="gunicorn worker processes (default: gunicorn.conf.py's)"
    )
    parser.add_argument(
        "--threads", type=int, help="threads per worker (default: gunicorn.conf.py's)"
    )
    args = parser.parse_args()
    for name in ("DATABASE_URL", "REDIS_URL"):
        if not os.environ.get(name):
            raise SystemExit(f"set {name} (PostgreSQL with a loaded world, and Redis)")
    env = {
        **os.environ,
        "FINPLATFORM_ENV": "development",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "load-test-secret-key-0123456789"),
        "API_RATE_LIMIT": "1000000 per minute",
        "LOGIN_MAX_FAILURES_PER_ADDRESS": "1000000",
        "LOG_FORMAT": "json",
    }
    if args.load:
        load_world(env, args.load)
    prepared = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "load_prepare.py"), "20"],
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT)},
        check=True,
        capture_output=True,
        text=True,
    )
    accounts = json.loads(prepared.stdout)
    port = _free_port()
    log_path = Path(tempfile.mkdtemp(prefix="load-test-")) / "gunicorn.log"
    server = start_gunicorn(env, port, args.workers, args.threads, log_path)
    try:
        run(
            f"http://127.0.0.1:{port}",
            accounts,
            [int(n) for n in args.stages.split(",")],
            args.stage_seconds,
            log_path,
            args.saturation_ms or None,
        )
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
