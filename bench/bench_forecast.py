"""Back-test of the pool's run-out forecast: a forecast made as of 2013-12-31 against 2014's
actual claims.

Run: ``.venv/bin/python bench/bench_forecast.py [--size full] [--url URL]`` (default: the
``demo`` world in a temporary SQLite file; ``--url`` a PostgreSQL database this script may
empty). The world is generated and loaded, then the 2012 and 2013 pools' covered book as of
2013-12-31 is projected month by month at the roll rates measured over 2013
(`finplatform.loans.forecast`), at the measured rates and under a stress of 3× the roll out of
current; printed beside the claims the world actually filed on those pools in each quarter of
2014 (the claimed amounts, filed after 90 days past due), with the roll-rate matrix and the
projected balance at the end of 2014.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from config import TestingConfig
from finplatform import create_app
from finplatform.extensions import db
from finplatform.loans.figures import pools_of
from finplatform.loans.forecast import STATES, forecast_pools
from finplatform.models import Claim
from seeds.loader import load_world
from seeds.reference_loader import load_reference
from seeds.world import generate_world, world_password_hash

AS_OF = date(2013, 12, 31)
WAN = 10_000


def actual_claims(pool_ids: list[int]) -> list[float]:
    """Claims filed on the pools in each quarter of 2014 (yuan)."""
    quarters = [0.0] * 4
    rows = db.session.execute(
        sa.select(Claim.filed_on, Claim.claimed_yuan).where(
            Claim.pool_id.in_(pool_ids),
            Claim.filed_on.between(date(2014, 1, 1), date(2014, 12, 31)),
        )
    )
    for filed_on, amount in rows:
        quarters[(filed_on.month - 1) // 3] += float(amount)
    return quarters


def by_quarter(result) -> list[float]:
    """Projected claims per quarter of 2014."""
    quarters = [0.0] * 4
    for month, claims, _recovered, _balance in result.months:
        if month.year == 2014:
            quarters[(month.month - 1) // 3] += claims
    return quarters


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="demo", choices=["demo", "full"])
    parser.add_argument("--seed", type=int, default=2014)
    parser.add_argument("--url", default=None)
    args = parser.parse_args()
    scratch = tempfile.TemporaryDirectory()
    url = args.url or f"sqlite:///{scratch.name}/forecast.db"
    app = create_app(TestingConfig(), SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        db.drop_all()
        db.create_all()
        load_reference()
        started = time.perf_counter()
        world = generate_world(args.size, args.seed, world_password_hash("scrypt", args.seed))
        load_world(db.session.connection(), world)
        db.session.commit()
        print(f"{args.size} world generated and loaded in {time.perf_counter() - started:.1f} s")
        pool_ids = [pool.id for year in (2012, 2013) for pool in pools_of(year)]
        started = time.perf_counter()
        measured = forecast_pools(pool_ids, AS_OF, months=24)
        stressed = forecast_pools(pool_ids, AS_OF, stress=3.0, months=24)
        print(f"two forecasts in {time.perf_counter() - started:.1f} s")
        book = zip(STATES, measured.book, strict=False)
        print(f"book as of {AS_OF}: " + ", ".join(f"{n} {a / WAN:,.0f}万元" for n, a in book))
        print("roll rates measured over 2013 (from → to: current, 1-30, 31-90, 90+):")
        for name, row in zip(STATES, measured.matrix, strict=False):
            print(f"  {name:>8}: " + "  ".join(f"{rate:6.3f}" for rate in row))
        print(f"cover ratio {measured.cover_ratio:.3f}, recovery rate {measured.recovery_rate:.3f}")
        actual = actual_claims(pool_ids)
        print(f"{'2014':<6}{'actual':>12}{'forecast':>12}{'stress 3x':>12}  (万元)")
        for quarter, (real, projected, stress) in enumerate(
            zip(actual, by_quarter(measured), by_quarter(stressed), strict=True), start=1
        ):
            figures = "".join(f"{value / WAN:>12,.0f}" for value in (real, projected, stress))
            print(f"Q{quarter:<5}{figures}")
        totals = sum(actual), sum(by_quarter(measured)), sum(by_quarter(stressed))
        print(f"{'year':<6}" + "".join(f"{value / WAN:>12,.0f}" for value in totals))
        end_2014 = [m for m in measured.months if m[0] == date(2014, 12, 31)]
        print(
            f"projected balance at 2014-12-31: {end_2014[0][3] / WAN:,.0f}万元; "
            f"runs out: {measured.runs_out or 'not within 24 months'} "
            f"(stress 3x: {stressed.runs_out or 'not within 24 months'})"
        )


if __name__ == "__main__":
    main()
