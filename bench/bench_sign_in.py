"""Benchmark of a refused sign-in: known and unknown e-mails cost the same.

Run: ``.venv/bin/python bench/bench_sign_in.py`` (``--attempts N``, default 15).
Prints the median and p90 wall-clock time of a wrong-password sign-in for an existing account
and for an e-mail with no account, through the sign-in form on an in-memory SQLite app with the
production password hash (scrypt). Both run exactly one hash check (tests/test_sign_in_abuse.py
asserts that); the figures show the times agree, they are not asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from config import TestingConfig
from finplatform import create_app
from finplatform.auth import services
from finplatform.extensions import db
from finplatform.models import Role


def _times(client, email: str, attempts: int) -> list[float]:
    spent = []
    for _ in range(attempts):
        start = time.perf_counter()
        client.post("/auth/login", data={"email": email, "password": "wrong-pass-1"})
        spent.append((time.perf_counter() - start) * 1000)
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--attempts", type=int, default=15)
    args = parser.parse_args()
    config = TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = "sqlite://"
    app = create_app(
        config,
        PASSWORD_HASH_METHOD="scrypt",
        LOGIN_MAX_FAILURES=10**6,
        LOGIN_MAX_FAILURES_PER_ADDRESS=10**6,
    )
    with app.app_context():
        db.create_all()
        user = services.create_user(
            role=Role.SPECIALIST, email="known@example.cn", name="k", password="Haihe-river-2049"
        )
        db.session.commit()
        client = app.test_client()
        _times(client, user.email, 2)  # warm-up
        for label, email in (("known e-mail", user.email), ("unknown e-mail", "none@example.cn")):
            spent = sorted(_times(client, email, args.attempts))
            p90 = spent[int(0.9 * (len(spent) - 1))]
            print(f"{label:15s} median {statistics.median(spent):7.1f} ms  p90 {p90:7.1f} ms")


if __name__ == "__main__":
    main()
