"""Benchmark of what attribute history adds to a write, and of reading it.

Run: ``.venv/bin/python bench/bench_history.py`` (``--edits N``, default 300;
``--database URL`` for a scratch PostgreSQL database, which it empties; default an SQLite
file in a temporary directory).
Prints, beside the load average, the median and p90 time of a firm's profile change committed
with the history hook and with the hook removed (the difference is what recording costs a
write), and of `firm_attributes_at` for one firm and for 1,000 firms. Not asserted by tests.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from config import TestingConfig
from finplatform import create_app
from finplatform.credit_code import make_credit_code
from finplatform.extensions import db
from finplatform.history import firm_attributes_at, recording
from finplatform.models import Enterprise
from seeds.reference_loader import load_reference

DISTRICTS = ("120116", "120113", "120111", "120104")


def _summary(label: str, spent: list[float]) -> None:
    ordered = sorted(spent)
    p90 = ordered[int(len(ordered) * 0.9) - 1]
    print(f"  {label:<44} median {statistics.median(spent):7.2f} ms   p90 {p90:7.2f} ms")


def _edits(firms: list[Enterprise], count: int) -> list[float]:
    spent = []
    for n in range(count):
        firm = firms[n % len(firms)]
        start = time.perf_counter()
        firm.district_code = DISTRICTS[(n // len(firms) + 1) % len(DISTRICTS)]
        firm.employees = n
        db.session.commit()
        spent.append((time.perf_counter() - start) * 1000)
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--edits", type=int, default=300)
    parser.add_argument("--database")
    args = parser.parse_args()
    config = TestingConfig()
    folder = Path(tempfile.mkdtemp())
    config.SQLALCHEMY_DATABASE_URI = args.database or f"sqlite:///{folder / 'bench.db'}"
    config.INSTANCE_DIR = folder
    app = create_app(config)
    with app.app_context():
        db.drop_all()
        db.create_all()
        load_reference()
        firms = [
            Enterprise(
                credit_code=make_credit_code(f"9112011{n:010d}"),
                name=f"基准科技{n}",
                district_code="120116",
                industry_code="39",
            )
            for n in range(1_000)
        ]
        db.session.add_all(firms)
        db.session.commit()
        print(f"load average {os.getloadavg()[0]:.2f}  ({db.engine.dialect.name})")
        with_history = _edits(firms[:100], args.edits)
        sa.event.remove(sa.orm.Session, "after_flush", recording._record_flush)
        without = _edits(firms[100:200], args.edits)
        recording.register()
        _summary("profile change, history recorded", with_history)
        _summary("profile change, hook removed", without)
        when = datetime.now(UTC)
        one, many = [], []
        ids = [firm.id for firm in firms]
        for _ in range(50):
            start = time.perf_counter()
            firm_attributes_at(db.session, ids[0], when)
            one.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            firm_attributes_at(db.session, ids, when)
            many.append((time.perf_counter() - start) * 1000)
        _summary("firm_attributes_at, one firm", one)
        _summary("firm_attributes_at, 1,000 firms", many)
        print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
