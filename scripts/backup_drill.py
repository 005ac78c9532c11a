"""Backup and restore drill: dump the platform's PostgreSQL database with pg_dump, restore it
into a scratch database with pg_restore, and check that nothing was lost.

    .venv/bin/python scripts/backup_drill.py --source "$DATABASE_URL" \\
        --scratch postgresql://postgres@db-host:5432/finplatform_drill [--month 2014-06]

The scratch database is dropped and created anew (it must differ from the source). Checks:
the row count of every table, and the monthly report's totals for one month (the latest month
with a disbursement unless --month says), equal in both. Prints each figure side by side and
exits 1 on any difference. The dump is kept with --keep-dump FILE (custom format, for
`pg_restore`). Run it monthly against a copy of production's latest backup.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from config import Config, normalise_database_url
from finplatform import create_app
from finplatform.exceptions import DomainError
from finplatform.extensions import db
from finplatform.models import Disbursement
from finplatform.reports.periods import Month
from finplatform.reports.services import build_report


def libpq_url(url: URL) -> str:
    """The URL as pg_dump and pg_restore take it (no SQLAlchemy driver name)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def table_counts(url: URL) -> dict[str, int]:
    """Rows in every table of the database's public schema."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            names = sa.inspect(connection).get_table_names()
            return {
                name: connection.execute(
                    sa.select(sa.func.count()).select_from(sa.table(name))
                ).scalar_one()
                for name in sorted(names)
            }
    finally:
        engine.dispose()


def report_totals(url: URL, month: Month | None) -> tuple[str | None, dict]:
    """The month (given, else the latest with a disbursement) and its report's totals."""
    config = Config()
    config.INSTANCE_DIR = Path(tempfile.mkdtemp(prefix="drill-"))
    app = create_app(config, SQLALCHEMY_DATABASE_URI=url.render_as_string(hide_password=False))
    with app.app_context():
        try:
            if month is None:
                latest = db.session.scalar(sa.select(sa.func.max(Disbursement.disbursed_on)))
                if latest is None:
                    return None, {}
                month = Month.of(latest)
            return str(month), build_report(month)["totals"]
        finally:
            db.session.remove()
            db.engine.dispose()


def recreate(scratch: URL) -> None:
    """Drop and create the scratch database (on the same server, through `postgres`)."""
    admin = sa.create_engine(scratch.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            name = scratch.database.replace('"', '""')
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()


def drill(source: URL, scratch: URL, month: Month | None, dump: Path) -> bool:
    """Dump, restore, compare; prints the figures and returns whether they all agree."""
    if (source.host, source.port, source.database) == (
        scratch.host,
        scratch.port,
        scratch.database,
    ):
        raise SystemExit("the scratch database must not be the source")
    started = time.perf_counter()
    subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", "--file", str(dump), libpq_url(source)],
        check=True,
    )
    dumped = time.perf_counter()
    recreate(scratch)
    subprocess.run(
        ["pg_restore", "--no-owner", "--exit-on-error", "--dbname", libpq_url(scratch), str(dump)],
        check=True,
    )
    restored = time.perf_counter()
    print(
        f"dump {dump.stat().st_size / 1e6:.1f} MB in {dumped - started:.1f} s, "
        f"restored in {restored - dumped:.1f} s"
    )
    agree = True
    before, after = table_counts(source), table_counts(scratch)
    for name in sorted(set(before) | set(after)):
        same = before.get(name) == after.get(name)
        agree &= same
        print(
            f"{name:<28} {before.get(name, '-')!s:>10} {after.get(name, '-')!s:>10}"
            f"  {'ok' if same else 'DIFFERENT'}"
        )
    month_name, source_totals = report_totals(source, month)
    _, restored_totals = report_totals(scratch, Month.parse(month_name) if month_name else None)
    same = source_totals == restored_totals
    agree &= same
    money = source_totals.get("disbursements", {}).get("amount")
    print(
        f"report {month_name}: totals {'equal' if same else 'DIFFERENT'}"
        f" (disbursed {money} yuan in the source, "
        f"{restored_totals.get('disbursements', {}).get('amount')} restored)"
    )
    print("drill passed" if agree else "drill FAILED")
    return agree


def month_argument(text: str) -> Month:
    """A --month value, YYYY-MM."""
    try:
        return Month.parse(text)
    except DomainError as error:
        raise argparse.ArgumentTypeError("give the month as YYYY-MM, e.g. 2014-06") from error


def main() -> int:
    """Parse arguments and run the drill."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", required=True, help="the database to back up")
    parser.add_argument("--scratch", required=True, help="a database to drop and restore into")
    parser.add_argument("--month", type=month_argument, help="report month (default: latest)")
    parser.add_argument("--keep-dump", type=Path, help="keep the dump in this file")
    args = parser.parse_args()
    source = make_url(normalise_database_url(args.source))
    scratch = make_url(normalise_database_url(args.scratch))
    with tempfile.TemporaryDirectory(prefix="drill-") as directory:
        dump = args.keep_dump or Path(directory) / "finplatform.dump"
        return 0 if drill(source, scratch, args.month, dump) else 1


if __name__ == "__main__":
    sys.exit(main())
