"""Profile of the match endpoint in process: where a miss's and a hit's time goes.

    .venv/bin/python bench/profile_serving.py [--calls 300] [--top 25]
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/serving_bench \\
    BENCH_REDIS_URL=redis://127.0.0.1:6379/13 .venv/bin/python bench/profile_serving.py

Prepares the `small` world as bench/bench_serving.py does (bench/serving_prepare.py, in
BENCH_DATABASE_URL's database, which it empties, or a SQLite file), then calls the match endpoint
through Flask's test client: misses (each call a request, `top` and language not asked before)
and, with BENCH_REDIS_URL, hits (the same calls again). Prints the mean wall time per call of
each, first unprofiled, then under cProfile (other calls) with its top items by own time and
the platform's functions by cumulative time, and the load average.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    """Prepare, call, profile, print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=300, help="calls per phase")
    parser.add_argument("--top", type=int, default=25, help="profile rows printed")
    parser.add_argument("--sql", action="store_true", help="print one hit's SQL statements")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="profile-serving-"))
    os.environ.update(
        {
            "FINPLATFORM_ENV": "development",
            "FINPLATFORM_INSTANCE_DIR": str(scratch),
            "SECRET_KEY": "bench-serving-secret-key-0123456789",
            "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL")
            or f"sqlite:///{scratch / 'bench.db'}",
            "REDIS_URL": os.environ.get("BENCH_REDIS_URL", ""),
            "API_RATE_LIMIT": "1000000 per minute",
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "WARNING",
        }
    )
    if os.environ["REDIS_URL"]:
        import redis

        redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()
    prepared = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "serving_prepare.py"), "small"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    pairs = json.loads(prepared.stdout)["requests"]

    from config import DevelopmentConfig
    from finplatform import create_app

    app = create_app(DevelopmentConfig())
    client = app.test_client()
    calls = [
        (f"/api/v1/requests/{request_id}/matches?top={top}", token, language)
        for top in range(1, 51)
        for language in ("zh", "en")
        for request_id, token in pairs
    ][: 2 * args.calls]
    timed, profiled = calls[: args.calls], calls[args.calls :]

    def call(path: str, token: str, language: str) -> None:
        response = client.get(
            path, headers={"Authorization": f"Bearer {token}", "Accept-Language": language}
        )
        assert response.status_code == 200, (response.status_code, response.data[:200])

    # Warm-up: the catalogue is built, every token signed in once, on calls not measured later.
    for request_id, token in pairs:
        call(f"/api/v1/requests/{request_id}/matches?top=50", token, "zh")
    phases = [("misses", timed, profiled)]
    if os.environ["REDIS_URL"]:
        phases.append(("hits", timed, profiled))
    print(f"load average at start: {os.getloadavg()[0]:.2f}; {len(pairs)} requests")
    for name, timed_calls, phase_calls in phases:
        started, cpu_started = time.perf_counter(), time.process_time()
        for path, token, language in timed_calls:
            call(path, token, language)
        took, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        print(
            f"\n{name}: {1000 * took / len(timed_calls):.2f} ms per call, CPU "
            f"{1000 * cpu / len(timed_calls):.2f} ms (not profiled, test client included)"
        )
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        for path, token, language in phase_calls:
            call(path, token, language)
        profiler.disable()
        took = time.perf_counter() - started
        print(f"\n{name}: {1000 * took / len(phase_calls):.2f} ms per call (profiled)")
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(args.top)
        print("\n".join(line for line in text.getvalue().splitlines() if line.strip()))
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text).sort_stats("cumulative")
        stats.print_stats(r"finplatform|matching", args.top)
        print("\n".join(line for line in text.getvalue().splitlines()[4:] if line.strip()))
    if args.sql:
        show_statements(app, client, calls[0])
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")


def show_statements(app, client, call) -> None:
    """Print the SQL statements of one more call (a hit with Redis, else a miss)."""
    import sqlalchemy as sa

    from finplatform.extensions import db

    statements = []

    def note(_conn, _cursor, statement, *_args) -> None:
        statements.append(" ".join(statement.split())[:160])

    path, token, language = call
    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", note)
    client.get(path, headers={"Authorization": f"Bearer {token}", "Accept-Language": language})
    sa.event.remove(engine, "before_cursor_execute", note)
    print(f"\nSQL statements of one call: {len(statements)}")
    for statement in statements:
        print("  " + statement)


if __name__ == "__main__":
    main()
