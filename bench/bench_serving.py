"""Serving benchmark: the match endpoint's throughput against `/healthz`'s on one gunicorn.

    .venv/bin/python bench/bench_serving.py --quick
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/serving_bench \\
    BENCH_REDIS_URL=redis://127.0.0.1:6379/13 .venv/bin/python bench/bench_serving.py --quick

Prepares the `small` world (bench/serving_prepare.py: schema, world, a trained model, the
nightly ranking, a token per firm) in BENCH_DATABASE_URL's database, which it empties, or in a
SQLite file; starts gunicorn as gunicorn.conf.py sets it up; then, in rounds, drives `/healthz`,
the match endpoint for the open requests on cache misses (every call asks for a request, `top`
and language not asked before in the run, so no result can be cached and the ranking is
computed, as after a change to the request or a product; the requests were ranked before, as a
changed request was, so a miss does not write a first ranking time) and on cache hits
(a few results asked again and again; they are cached only with BENCH_REDIS_URL), each for the
same time at the same concurrency. Each figure is the median of the rounds; the server's own
counters (/metrics) confirm which calls hit the cache, and its request log gives the median
CPU time per request of each phase (trivial, misses, hits) and their ratio, which depends less
on what else runs on the machine than the throughput does. The load generator runs in this
process, on the same cores. Ends with:

    match/trivial throughput ratio: R (misses; hits H; match N req/s, trivial M req/s)

Every request goes to 127.0.0.1, and every loop is bounded in time.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
HEALTH = "/healthz"
MEASURED = ("health.healthz", "api_requests.request_matches")


def free_port() -> int:
    """A TCP port nobody listens on now."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def load() -> str:
    """The machine's 1-minute load average, for printing beside a figure."""
    return f"{os.getloadavg()[0]:.2f}"


def start_gunicorn(env: dict, port: int, log_path: Path, workers, threads) -> subprocess.Popen:
    """gunicorn as gunicorn.conf.py sets it up, its log to `log_path`; waits until it answers."""
    command = [str(VENV_BIN / "gunicorn"), "--config", "gunicorn.conf.py"]
    if workers:
        command += ["--workers", str(workers)]
    if threads:
        command += ["--threads", str(threads)]
    command += ["--bind", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"]
    server = subprocess.Popen(
        command, cwd=ROOT, env=env, stderr=log_path.open("w"), stdout=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{HEALTH}", timeout=5):
                return server
        except OSError:
            if server.poll() is not None:
                break
            time.sleep(0.3)
    server.kill()
    raise SystemExit(f"gunicorn did not start; see {log_path}")


def drive(port: int, calls, seconds: float, concurrency: int) -> tuple[int, int, float]:
    """Send `calls` ((path, headers) pairs) for at most `seconds` over `concurrency` kept-alive
    connections; returns (answered 200, other answers, seconds taken)."""
    lock = threading.Lock()
    counts = [0, 0]
    source = iter(calls)
    deadline = time.perf_counter() + seconds
    finished = [0.0]

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        ok = bad = 0
        while time.perf_counter() < deadline:
            with lock:
                call = next(source, None)
            if call is None:
                break
            path, headers = call
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status == 200:
                ok += 1
            else:
                bad += 1
        with lock:
            counts[0] += ok
            counts[1] += bad
            finished[0] = max(finished[0], time.perf_counter())
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return counts[0], counts[1], min(finished[0], deadline) - started


def scrape(port: int, token: str) -> dict[str, float]:
    """The server's ranking cache counters from /metrics."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/metrics", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        text = response.read().decode()
    found = {"hit": 0.0, "miss": 0.0}
    for cache, value in re.findall(
        r'^finplatform_ranking_results_total\{cache="(\w+)"\} (\S+)$', text, re.M
    ):
        found[cache] = float(value)
    return found


def cpu_by_endpoint(lines: list[str]) -> dict[str, list[float]]:
    """CPU milliseconds per request by endpoint, from lines of the server's JSON request log."""
    by_endpoint: dict[str, list[float]] = {}
    for line in lines:
        if not line.startswith("{"):
            continue
        record = json.loads(line)
        if "cpu_ms" in record:
            by_endpoint.setdefault(record["endpoint"], []).append(record["cpu_ms"])
    return by_endpoint


class RequestLog:
    """The server's request log, read phase by phase (each phase's lines since the last read)."""

    def __init__(self, path: Path):
        self.path = path
        self.offset = 0

    def since_last(self) -> list[str]:
        """The complete lines written since the last call."""
        time.sleep(0.2)  # the last answers' lines are written just after they are sent
        with self.path.open("rb") as log:
            log.seek(self.offset)
            text = log.read()
        end = text.rfind(b"\n") + 1
        self.offset += end
        return text[:end].decode(errors="replace").splitlines()


def main() -> None:
    """Prepare, serve, drive, print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds of 2 s per phase")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=5.0, help="per phase and round")
    parser.add_argument("--concurrency", type=int, default=12, help="connections at once")
    parser.add_argument("--workers", type=int, help="gunicorn workers (gunicorn.conf.py's)")
    parser.add_argument("--threads", type=int, help="threads per worker (gunicorn.conf.py's)")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.seconds = 3, 2.0
    begun = time.perf_counter()
    scratch = Path(tempfile.mkdtemp(prefix="bench-serving-"))
    metrics_token = secrets.token_urlsafe(16)
    env = {
        **os.environ,
        "FINPLATFORM_ENV": "development",
        "FINPLATFORM_INSTANCE_DIR": str(scratch),
        "SECRET_KEY": "bench-serving-secret-key-0123456789",
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{scratch / 'bench.db'}",
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", ""),
        "API_RATE_LIMIT": "1000000 per minute",
        "METRICS_TOKEN": metrics_token,
        "LOG_FORMAT": "json",
        "PYTHONPATH": str(ROOT),
    }
    if env["REDIS_URL"]:
        import redis

        redis.Redis.from_url(env["REDIS_URL"]).flushdb()
    store = "PostgreSQL" if env["DATABASE_URL"].startswith("postgres") else "SQLite"
    print(f"load average at start: {load()}; {store}, Redis {'yes' if env['REDIS_URL'] else 'no'}")
    prepared = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "serving_prepare.py"), "small"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    world = json.loads(prepared.stdout)
    phases = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in world["phases"].items())
    print(f"prepared in {time.perf_counter() - begun:.1f} s ({phases})")
    port = free_port()
    log_path = scratch / "gunicorn.log"
    server = start_gunicorn(env, port, log_path, args.workers, args.threads)
    try:
        run(port, world["requests"], args, metrics_token, log_path)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"benchmark took {time.perf_counter() - begun:.1f} s")


def run(port: int, pairs: list, args, metrics_token: str, log_path: Path) -> None:
    """Warm up, then rounds of trivial / misses / hits; print medians and the closing line."""
    rng = random.Random(2014)
    languages = ("zh", "en")
    unique = [
        (f"/api/v1/requests/{request_id}/matches?top={top}", token, language)
        for request_id, token in pairs
        for top in range(6, 16)
        for language in languages
    ]
    rng.shuffle(unique)
    misses = (
        (path, {"Authorization": f"Bearer {token}", "Accept-Language": language})
        for path, token, language in unique
    )
    hot = [
        (f"/api/v1/requests/{request_id}/matches", {"Authorization": f"Bearer {token}"})
        for request_id, token in rng.sample(pairs, min(40, len(pairs)))
    ]
    health = itertools.repeat((HEALTH, {}))
    # Warm-up: every worker answers both endpoints; the hot results enter the cache.
    drive(port, itertools.islice(health, 200), 2, args.concurrency)
    drive(port, hot, 10, args.concurrency)
    drive(port, itertools.islice(misses, 36), 5, args.concurrency)
    figures: dict[str, list[float]] = {"trivial": [], "misses": [], "hits": []}
    request_log = RequestLog(log_path)
    request_log.since_last()  # the warm-up's
    cpu: dict[str, list[float]] = {"trivial": [], "misses": [], "hits": []}
    before = scrape(port, metrics_token)
    counted = {"misses": {"hit": 0.0, "miss": 0.0}, "hits": {"hit": 0.0, "miss": 0.0}}
    print(f"{'round':>5} {'trivial':>9} {'misses':>9} {'hits':>9} {'errors':>6} {'load':>5}")
    for number in range(1, args.rounds + 1):
        errors = 0
        for phase, calls in (
            ("trivial", health),
            ("misses", misses),
            ("hits", itertools.cycle(hot)),
        ):
            ok, bad, took = drive(port, calls, args.seconds, args.concurrency)
            figures[phase].append(ok / took)
            for endpoint, values in cpu_by_endpoint(request_log.since_last()).items():
                if endpoint in MEASURED:  # not the /metrics scrapes
                    cpu[phase].extend(values)
            errors += bad
            if phase in counted:
                after = scrape(port, metrics_token)
                for cache in ("hit", "miss"):
                    counted[phase][cache] += after[cache] - before[cache]
                before = after
            else:
                before = scrape(port, metrics_token)
        print(
            f"{number:>5} {figures['trivial'][-1]:>9.1f} {figures['misses'][-1]:>9.1f} "
            f"{figures['hits'][-1]:>9.1f} {errors:>6} {load():>5}"
        )
    median = {phase: statistics.median(values) for phase, values in figures.items()}
    for phase in ("misses", "hits"):
        print(
            f"server's cache counters during {phase}: {counted[phase]['hit']:.0f} hits, "
            f"{counted[phase]['miss']:.0f} misses"
        )
    medians = {phase: statistics.median(values) for phase, values in cpu.items() if values}
    print(
        "median server CPU per request (ms, from its request log): "
        + ", ".join(f"{phase} {ms:.2f}" for phase, ms in medians.items())
        + (
            f"; CPU ratio trivial/match {medians['trivial'] / medians['misses']:.2f} on misses, "
            f"{medians['trivial'] / medians['hits']:.2f} on hits"
            if len(medians) == 3
            else ""
        )
    )
    print(f"load average at the end: {load()}")
    trivial = median["trivial"]
    print(
        f"match/trivial throughput ratio: {median['misses'] / trivial:.2f} (misses; hits "
        f"{median['hits'] / trivial:.2f}; match {median['misses']:.0f} req/s, "
        f"trivial {trivial:.0f} req/s)"
    )


if __name__ == "__main__":
    main()
