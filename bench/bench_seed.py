"""Benchmark: generate the `full` world and bulk-load it into PostgreSQL.

Run: ``.venv/bin/python bench/bench_seed.py [--url postgresql+psycopg://…/world_scratch]``
(default: $BENCH_DATABASE_URL, else the local ``world_scratch`` database). The database's schema
is dropped and recreated from the models, the reference lists loaded, then the world generated
and loaded in one transaction (COPY per table). Prints seconds for each step, the total and rows
per table; the bar is under 120 s on a 2-core machine. Add ``--size demo`` for a quick run.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from config import TestingConfig
from finplatform import create_app
from finplatform.extensions import db
from seeds.loader import load_world
from seeds.reference_loader import load_reference
from seeds.world import SIZES, generate_world, world_password_hash

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/world_scratch"
BAR_SECONDS = 120.0


def main() -> int:
    """Time generation and loading; exit 1 when over the bar (full size only)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--size", choices=list(SIZES), default="full")
    parser.add_argument("--seed", type=int, default=2014)
    args = parser.parse_args()

    config = TestingConfig()
    app = create_app(config, SQLALCHEMY_DATABASE_URI=args.url)
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            print("this benchmark measures PostgreSQL (COPY); give a postgresql URL")
            return 2
        db.drop_all()
        db.create_all()
        load_reference()
        db.session.commit()
        print(
            f"world {args.size!r}, seed {args.seed}, on {platform.node()} ({os.cpu_count()} cores)"
        )
        started, cpu_started = time.perf_counter(), time.process_time()
        password_hash = world_password_hash("scrypt", args.seed)
        world = generate_world(args.size, args.seed, password_hash=password_hash)
        generated = time.perf_counter()
        counts = load_world(db.session.connection(), world)
        db.session.commit()
        loaded, cpu_loaded = time.perf_counter(), time.process_time()
        stored = {
            table: db.session.scalar(sa.text(f"SELECT count(*) FROM {table}")) for table in counts
        }
    total = loaded - started
    print(f"generate: {generated - started:6.1f} s")
    print(f"load:     {loaded - generated:6.1f} s  (COPY, one transaction, incl. commit)")
    print(f"total:    {total:6.1f} s  (bar: {BAR_SECONDS:.0f} s)")
    # On a shared machine the wall time includes waiting for the CPU; this is our own share.
    print(f"python CPU time: {cpu_loaded - cpu_started:6.1f} s (the rest is PostgreSQL or waiting)")
    print(f"{'table':<24}{'generated':>12}{'stored':>12}")
    for table, count in counts.items():
        print(f"{table:<24}{count:>12,}{stored[table]:>12,}")
    print(f"{'all rows':<24}{sum(counts.values()):>12,}{sum(stored.values()):>12,}")
    return 1 if args.size == "full" and total > BAR_SECONDS else 0


if __name__ == "__main__":
    sys.exit(main())
