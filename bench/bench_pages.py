"""Server CPU per request of the busiest pages, in process and under gunicorn.

    .venv/bin/python bench/bench_pages.py
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/pages_bench \\
    BENCH_REDIS_URL=redis://127.0.0.1:6379/13 .venv/bin/python bench/bench_pages.py --skip-load

Prepares the `small` world (bench/serving_prepare.py: schema, world, a trained model) in
BENCH_DATABASE_URL's database, which it empties, or in a SQLite file (`--skip-load` keeps a
world loaded before); then signs in as a firm, an institution and a specialist and asks each
of the busiest pages of bench/load_test.py's mix (request with matches, firm's requests,
institution inbox, demand pool, institution products, specialist queue) again and again, one
request at a time: first in this process through Flask's test client, then from gunicorn as
gunicorn.conf.py sets it up. Each figure is the median of the server's own CPU time per request
(`cpu_ms` of its JSON request log, which runs from the first request hook to the last teardown),
printed with the machine's load average: the 2 cores are shared with other work.
Each page is then asked as often again under cProfile, for the Python calls per request (a count
a busy machine does not disturb); `--profile` also prints the top functions of each page.

Every request goes to 127.0.0.1, and every loop is bounded in count.
"""

from __future__ import annotations

import argparse
import cProfile
import http.cookiejar
import json
import logging
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load_test import _free_port, server_cpu, start_gunicorn  # noqa: E402

PAGES = [
    ("enterprise", "request with matches", "/requests/{request}"),
    ("enterprise", "firm's requests", "/enterprise/requests"),
    ("institution", "institution inbox", "/institution/inbox"),
    ("institution", "demand pool", "/institution/pool"),
    ("institution", "institution products", "/institution/products/"),
    ("specialist", "specialist queue", "/specialist/queue"),
]


def load() -> str:
    """The machine's 1-minute load average, for printing beside a figure."""
    return f"{os.getloadavg()[0]:.2f}"


def prepare(env: dict) -> None:
    """Empty the database and load the `small` world with a trained model."""
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "serving_prepare.py"), "small"],
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT)},
        check=True,
        stdout=subprocess.DEVNULL,
    )


def accounts(env: dict) -> dict:
    """One user of each role (the first firm with open requests) and its request ids."""
    prepared = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "load_prepare.py"), "1"],
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT)},
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(prepared.stdout)


def page_paths(people: dict) -> list[tuple[str, str, str]]:
    """(role's e-mail, page name, path) of each page the bench asks for."""
    firm = people["enterprise"][0]
    emails = {
        "enterprise": firm["email"],
        "institution": people["institution"][0],
        "specialist": people["specialist"][0],
    }
    return [
        (emails[role], name, path.format(request=firm["requests"][0])) for role, name, path in PAGES
    ]


def csrf_token(html: str) -> str:
    """The sign-in form's CSRF token."""
    return html.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]


class CpuLog(logging.Handler):
    """Collects the request log's `cpu_ms` per path."""

    def __init__(self) -> None:
        super().__init__()
        self.by_path: dict[str, list[float]] = {}

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record's CPU time under its path."""
        if hasattr(record, "cpu_ms"):
            self.by_path.setdefault(record.path, []).append(record.cpu_ms)


def in_process(people: dict, rounds: int, profile: bool) -> dict[str, tuple[float, int]]:
    """(median server CPU ms, Python calls per request) of each page asked `rounds` times
    through the test client."""
    from config import DevelopmentConfig
    from finplatform import create_app

    app = create_app(DevelopmentConfig())
    handler = CpuLog()
    logging.getLogger("finplatform.requests").addHandler(handler)
    figures = {}
    for email, name, path in page_paths(people):
        client = app.test_client()
        form = client.get("/auth/login").get_data(as_text=True)
        signed_in = client.post(
            "/auth/login",
            data={"email": email, "password": people["password"], "csrf_token": csrf_token(form)},
        )
        assert signed_in.status_code == 302, f"{email} could not sign in"
        for _ in range(5):  # templates compiled, caches warm
            assert client.get(path).status_code == 200, path
        handler.by_path.pop(path, None)
        for _ in range(rounds):
            client.get(path)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(rounds):
            client.get(path)
        profiler.disable()
        stats = pstats.Stats(profiler)
        figures[name] = (statistics.median(handler.by_path[path]), stats.total_calls // rounds)
        if profile:
            print(f"--- {name}: cProfile over {rounds} requests (test client included)")
            stats.sort_stats("tottime").print_stats(25)
    logging.getLogger("finplatform.requests").removeHandler(handler)
    return figures


def under_gunicorn(env: dict, people: dict, rounds: int) -> dict[str, float]:
    """Median server CPU ms of each page asked `rounds` times, one at a time, of gunicorn."""
    port = _free_port()
    log_path = Path(tempfile.mkdtemp(prefix="bench-pages-")) / "gunicorn.log"
    server = start_gunicorn(env, port, None, None, log_path)
    base = f"http://127.0.0.1:{port}"
    figures = {}
    try:
        for email, name, path in page_paths(people):
            opener = urllib.request.build_opener(
                urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
            )
            with opener.open(base + "/auth/login", timeout=30) as form:
                token = csrf_token(form.read().decode())
            body = urllib.parse.urlencode(
                {"email": email, "password": people["password"], "csrf_token": token}
            ).encode()
            opener.open(base + "/auth/login", data=body, timeout=30).close()
            for _ in range(5 * 3):  # every worker warm
                opener.open(base + path, timeout=30).close()
            start = server_cpu(log_path, 0)[1]
            for _ in range(rounds):
                opener.open(base + path, timeout=30).close()
            counts = server_cpu_by_path(log_path, start)
            figures[name] = statistics.median(counts[path])
    finally:
        server.terminate()
        server.wait(timeout=30)
    return figures


def server_cpu_by_path(log_path: Path, start: int) -> dict[str, list[float]]:
    """CPU ms per request of each path logged by the server since byte `start`."""
    with Path(log_path).open("rb") as handle:
        handle.seek(start)
        text = handle.read().decode(errors="replace")
    by_path: dict[str, list[float]] = {}
    for line in text.splitlines():
        if line.startswith("{") and '"cpu_ms"' in line:
            record = json.loads(line)
            by_path.setdefault(record["path"], []).append(record["cpu_ms"])
    return by_path


def main() -> None:
    """Prepare, measure in process and under gunicorn, print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=60, help="requests per page")
    parser.add_argument("--skip-load", action="store_true", help="keep the loaded world")
    parser.add_argument("--no-gunicorn", action="store_true")
    parser.add_argument("--profile", action="store_true", help="cProfile each page in process")
    args = parser.parse_args()
    instance = Path(tempfile.gettempdir()) / "finplatform-bench-pages"
    instance.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "FINPLATFORM_ENV": "development",
        "FINPLATFORM_INSTANCE_DIR": str(instance),
        "SECRET_KEY": "bench-pages-secret-key-0123456789",
        "LOG_FORMAT": "json",
        "LOGIN_MAX_FAILURES_PER_ADDRESS": "1000000",
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL")
        or f"sqlite:///{instance / 'bench.db'}",
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", ""),
    }
    if not args.skip_load:
        print(f"loading the small world (load {load()})", flush=True)
        if not os.environ.get("BENCH_DATABASE_URL"):
            # A SQLite file from an earlier run is started afresh: emptying it table by table
            # trips its foreign keys.
            (instance / "bench.db").unlink(missing_ok=True)
        prepare(env)
    people = accounts(env)
    os.environ.update(env)
    before = load()
    local = in_process(people, args.rounds, args.profile)
    print(f"in process, load {before} -> {load()}", flush=True)
    served = {}
    if not args.no_gunicorn:
        before = load()
        served = under_gunicorn(env, people, args.rounds)
        print(f"under gunicorn, load {before} -> {load()}")
    print(
        f"{'page':<22} {'in process':>11} {'gunicorn':>9} {'calls':>7}"
        "   (median server CPU ms per request; Python calls per request in process)"
    )
    for _role, name, _path in PAGES:
        gunicorn_ms = f"{served[name]:>9.2f}" if name in served else f"{'-':>9}"
        print(f"{name:<22} {local[name][0]:>11.2f} {gunicorn_ms} {local[name][1]:>7}")


if __name__ == "__main__":
    main()
