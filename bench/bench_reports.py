"""Benchmark of the monthly report on PostgreSQL: the report, the XLSX, the cost the report
facts add to each write, and `flask report rebuild`.

Run: ``.venv/bin/python bench/bench_reports.py`` (``--rebuild`` to regenerate the data,
``--reuse`` or BENCH_REUSE=1 to measure on the data already loaded without preparing anything,
BENCH_SCALE=0.05 for a twentieth of the rows). Needs a PostgreSQL database of its own:
BENCH_DATABASE_URL, default postgresql+psycopg://postgres@127.0.0.1:5432/reports_bench
(``createdb reports_bench``).

It does not depend on the demo world: it generates its own history with INSERT … SELECT over
generate_series (at scale 1: 50,000 firms, one in 50 moving district at the start of 2014,
1,000,000 requests matched to three products each, 3,000,000 applications, 1,000,000
disbursements plus 1,000 reversals, each disbursement's loan with its schedule and repayment, a
risk guarantee pool a year with cover registrations, claims and recoveries, 200,000 contact
logs, over 2013–2014; about five minutes on 2 cores, each phase printed), starts the firms'
attribute history from it, writes the report facts from the base tables (`facts.rebuild`, what
`flask report rebuild` runs: timed, bar < 60 s), then times `build_report` for June 2014 (the
month and the year to date, with every target and its projection: bar < 0.2 s median) and apart
its risk guarantee pool section (read from the loans and the pool tables, not from the facts),
the XLSX built from it (< 0.5 s), and the cost the facts add to one disbursement's write through
the ORM (flush with the hooks minus without, each write rolled back: bar < 2 ms median). The
load average is printed beside each figure: on a shared machine it says how much of the time
was someone else's.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import os

from reports_data import build, catch_up_schema, load

from config import TestingConfig
from finplatform import create_app
from finplatform.extensions import db
from finplatform.loans.figures import pool_year_figures
from finplatform.models import Application, Disbursement
from finplatform.reports import fact_hooks, facts
from finplatform.reports.exports import write_xlsx
from finplatform.reports.periods import Month
from finplatform.reports.services import build_report

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/reports_bench"


def rebuild_facts() -> None:
    """Time `flask report rebuild` (what it runs) over the data."""
    started = time.perf_counter()
    count = facts.rebuild()
    db.session.commit()
    print(
        f"flask report rebuild: {count:,} facts in {time.perf_counter() - started:.1f} s "
        f"(bar: < 60 s){load()}",
        flush=True,
    )


def write_cost(repeats: int) -> tuple[float, float]:
    """Median seconds of one disbursement's insert and flush, with and without the facts
    hooks (each rolled back)."""
    template = db.session.scalar(
        sa.select(Disbursement).where(Disbursement.reverses_id.is_(None)).limit(1)
    )
    application = db.session.get(Application, template.application_id)
    columns = (
        "enterprise_id",
        "institution_id",
        "institution_kind_code",
        "product_kind_code",
        "pool_covered",
        "district_code",
        "industry_code",
        "rate",
        "term_months",
    )
    timings: dict[bool, list[float]] = {True: [], False: []}
    for index in range(2 * repeats):
        hooked = index % 2 == 0
        if not hooked:
            sa.event.remove(sa.orm.Session, "before_flush", fact_hooks._before_flush)
            sa.event.remove(sa.orm.Session, "after_flush", fact_hooks._after_flush)
        saved = db.session.begin_nested()
        started = time.perf_counter()
        db.session.add(
            Disbursement(
                application_id=application.id,
                amount_yuan=1000,
                disbursed_on=template.disbursed_on,
                **{name: getattr(template, name) for name in columns},
            )
        )
        db.session.flush()
        timings[hooked].append(time.perf_counter() - started)
        saved.rollback()
        if not hooked:
            fact_hooks.register()
    return statistics.median(timings[True]), statistics.median(timings[False])


def bench_app():
    """The application on the benchmark's database (BENCH_DATABASE_URL), without Redis."""
    config = TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    config.REDIS_URL = None
    return create_app(config)


def main() -> None:
    """Build the data if needed, then time the report and the export."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rebuild", action="store_true", help="generate the data again")
    parser.add_argument(
        "--reuse",
        action="store_true",
        default=os.environ.get("BENCH_REUSE") == "1",
        help="measure on the data already loaded, without preparing it (BENCH_REUSE=1)",
    )
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with bench_app().app_context():
        if args.reuse:
            catch_up_schema()
        else:
            build(args.rebuild)
        rebuild_facts()
        counts = {
            table: db.session.scalar(sa.text(f"SELECT count(*) FROM {table}"))
            for table in ("enterprises", "financing_requests", "applications", "disbursements")
        }
        print("rows: " + ", ".join(f"{name} {count:,}" for name, count in counts.items()))
        month = Month(2014, 6)
        figures, exports = [], []
        report = None
        for _ in range(args.repeats):
            db.session.expire_all()
            started = time.perf_counter()
            report = build_report(month)
            figures.append(time.perf_counter() - started)
            started = time.perf_counter()
            write_xlsx(report, io.BytesIO())
            exports.append(time.perf_counter() - started)
        print(
            f"figures (month + year to date + targets): median {statistics.median(figures):.3f}"
            f" s, min {min(figures):.3f} s over {args.repeats} runs (bar: < 0.2 s){load()}"
        )
        pool = []
        for _ in range(args.repeats):
            started = time.perf_counter()
            pool_year_figures(month.year, month.end_day - timedelta(days=1))
            pool.append(time.perf_counter() - started)
        print(
            f"  of which the risk guarantee pool section: median {statistics.median(pool):.3f} s"
            f"{load()}"
        )
        xlsx_total = [f + e for f, e in zip(figures, exports, strict=True)]
        print(
            f"XLSX (figures + workbook): median {statistics.median(xlsx_total):.3f} s; "
            f"workbook alone {statistics.median(exports):.3f} s (bar: < 0.5 s){load()}"
        )
        hooked, bare = write_cost(max(args.repeats, 25))
        print(
            f"one disbursement's write: {hooked * 1000:.2f} ms with the facts, {bare * 1000:.2f} ms"
            f" without: the facts add {(hooked - bare) * 1000:.2f} ms (bar: < 2 ms){load()}"
        )
        print(
            f"June 2014: {report['totals']['disbursements']['count']:,} disbursements, "
            f"{report['totals']['disbursements']['amount']} yuan; year to date "
            f"{report['ytd']['disbursements']['count']:,}"
        )
        db.session.rollback()


if __name__ == "__main__":
    main()
