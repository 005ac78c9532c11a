"""Benchmark of the monthly report's risk guarantee pool section alone, read-only, on a
database bench_reports.py has loaded (it writes nothing: the transaction is read-only).

Run: ``BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_reports_full
.venv/bin/python bench/bench_pool_section.py``. Times `pool_year_figures` for the 2014 pool at
the end of June 2014 (what the June 2014 report reads) and at the end of June 2015 (when most
covered loans have repaid and claims have been paid), and the pools' covered outstanding today
(what the pool page and the leverage check read), each with the load average beside it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_reports import bench_app, load
from finplatform.extensions import db
from finplatform.loans import pool as funds
from finplatform.loans.figures import pool_year_figures, pools_of


def timed(repeats: int, work) -> tuple[float, float, object]:
    """Median and minimum seconds of `work()` over `repeats` runs, and its last result."""
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return statistics.median(times), min(times), result


def main() -> None:
    """Print each figure's time, median and minimum, with the load average."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    with bench_app().app_context():
        db.session.execute(sa.text("SET TRANSACTION READ ONLY"))
        for as_of in (date(2014, 6, 30), date(2015, 6, 30)):
            median, least, figures = timed(args.repeats, lambda d=as_of: pool_year_figures(2014, d))
            print(
                f"pool section, 2014 pool at {as_of}: median {median:.3f} s, min {least:.3f} s"
                f" over {args.repeats} runs{load()}; covered outstanding"
                f" {figures['covered_outstanding_yuan']} yuan"
            )
        ids = [pool.id for year in (2013, 2014) for pool in pools_of(year)]
        median, least, _ = timed(args.repeats, lambda: [funds.covered_outstanding(i) for i in ids])
        print(
            f"covered outstanding today, {len(ids)} pools: median {median:.3f} s, min {least:.3f} s"
            f"{load()}"
        )
        db.session.rollback()


if __name__ == "__main__":
    main()
