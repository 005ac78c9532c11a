"""Hosts for the multi-host tests: gunicorn app servers and RQ workers as separate processes,
each with its own instance directory, sharing one PostgreSQL and one Redis."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = "two-hosts-shared-secret-key-0123456789"
METRICS_TOKEN = "two-hosts-metrics-token"


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def host_environment(instance_dir: Path) -> dict:
    """What a deployer would set on one host: everything from the environment."""
    instance_dir.mkdir(parents=True, exist_ok=True)
    return {
        **os.environ,
        "FINPLATFORM_ENV": "development",
        "FINPLATFORM_INSTANCE_DIR": str(instance_dir),
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": os.environ["TEST_DATABASE_URL"],
        "REDIS_URL": os.environ["TEST_REDIS_URL"],
        "API_RATE_LIMIT": "100000 per minute",
        "METRICS_TOKEN": METRICS_TOKEN,
        "LOG_FORMAT": "json",
    }


def start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    """Start a process in its own session (so that it can be killed with everything it forked)."""
    with log.open("w") as handle:
        return subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(process: subprocess.Popen) -> None:
    """Stop a process and its session, politely first."""
    if process.poll() is None:
        with_group(process, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=20)
    with_group(process, signal.SIGKILL)
    if process.poll() is None:
        process.wait(timeout=10)


def with_group(process: subprocess.Popen, sig: int) -> None:
    """Send `sig` to every process of the process's session (RQ's work horse has a process
    group of its own, inside the worker's session)."""
    subprocess.run(["pkill", f"-{int(sig)}", "-s", str(process.pid)], check=False)


def start_app_host(env: dict, log: Path) -> tuple[subprocess.Popen, str]:
    """gunicorn (one worker, from gunicorn.conf.py) on a free port; returns it and its URL."""
    port = free_port()
    process = start(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--config",
            "gunicorn.conf.py",
            "--workers",
            "1",
            "--threads",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "wsgi:app",
        ],
        env,
        log,
    )
    return process, f"http://127.0.0.1:{port}"


def start_worker(env: dict, log: Path) -> subprocess.Popen:
    """`flask jobs worker` on this host."""
    return start([sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker"], env, log)


def wait_for(url: str, process: subprocess.Popen, seconds: float = 120) -> None:
    """Wait until the server answers /healthz."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{url} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=5):
                return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer in {seconds} s")


def api(url: str, token: str, path: str, method: str = "GET") -> dict | list:
    """Call the JSON API with a bearer token; returns the decoded body."""
    request = urllib.request.Request(
        url + path, method=method, headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def metrics(url: str) -> str:
    """The host's /metrics text."""
    request = urllib.request.Request(
        url + "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read().decode()


class Browser:
    """A person's browser on one host: cookies, and the CSRF token of the last page."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def get(self, path: str) -> str:
        """The page's HTML."""
        with self.opener.open(self.url + path, timeout=60) as response:
            return response.read().decode()

    def post_form(self, page: str, action: str, fields: dict) -> int:
        """Submit a form found on `page` with its CSRF token; returns the final status."""
        html = self.get(page)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
        token = token or re.search(r'name="csrf_token" value="([^"]+)"', html)
        body = urllib.parse.urlencode({**fields, "csrf_token": token.group(1)}).encode()
        try:
            with self.opener.open(self.url + action, data=body, timeout=120) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
