"""World volumes: what a generated world holds, and its 2014 figures against the plan's targets.

Run: ``.venv/bin/python bench/bench_world.py [--size full] [--seed 2014]`` (no database: the
world is generated in memory, about 20 s for ``full``). Prints the generation time, rows per
table, request and application counts per year, how many requests could reach at least one
product, and the 2014 figures the monthly report counts (``finplatform.reports.metrics``):
financing facilitated, new credit loans and the firms receiving them, pool-covered credit loans,
loans to credit-community members, the tech-transfer fund's investments and firms served, each
beside its target from ``seeds/reference/targets_2014.toml``. The figures are computed from the
generated rows with the report's definitions (disbursement dates in Beijing time; a firm is
served by a request, referral, contact or application in the year); only the ``full`` world is
sized to be compared with the targets.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from seeds.reference import load_targets_2014
from seeds.world import SIZES, decisions, generate_world

REPORT_TZ = ZoneInfo("Asia/Shanghai")
LOAN_KINDS = {"credit_loan", "ip_pledge", "guarantee_loan", "pledge_loan"}
YI = Decimal(100_000_000)


def _column(batch, name: str) -> list:
    index = batch.columns.index(name)
    return [row[index] for row in batch.rows]


def year_figures(world, year: int) -> dict[str, Decimal | int]:
    """The report's target figures for one calendar year, from a generated world's rows."""
    tables: dict[str, list] = {}
    for batch in world.batches:
        tables.setdefault(batch.table, []).append(batch)
    low = datetime(year, 1, 1, tzinfo=REPORT_TZ).astimezone(UTC)
    high = datetime(year + 1, 1, 1, tzinfo=REPORT_TZ).astimezone(UTC)
    (disbursements,) = tables["disbursements"]
    members = set(_column(tables["community_memberships"][0], "enterprise_id"))
    figures: dict[str, Decimal | int] = dict.fromkeys(
        (
            "financing_facilitated",
            "new_credit_loans",
            "risk_guarantee_pool",
            "credit_community_loans",
            "tech_transfer_fund",
        ),
        Decimal(0),
    )
    credit_firms = set()
    for amount, day, firm, inst_kind, kind, pool in zip(
        _column(disbursements, "amount_yuan"),
        _column(disbursements, "disbursed_on"),
        _column(disbursements, "enterprise_id"),
        _column(disbursements, "institution_kind_code"),
        _column(disbursements, "product_kind_code"),
        _column(disbursements, "pool_covered"),
        strict=True,
    ):
        if not date(year, 1, 1) <= day < date(year + 1, 1, 1):
            continue
        figures["financing_facilitated"] += amount
        if kind == "credit_loan":
            figures["new_credit_loans"] += amount
            credit_firms.add(firm)
            if pool:
                figures["risk_guarantee_pool"] += amount
        if kind in LOAN_KINDS and firm in members:
            figures["credit_community_loans"] += amount
        if kind == "equity_investment" and inst_kind == "fund":
            figures["tech_transfer_fund"] += amount
    figures["all_financing"] = figures["financing_facilitated"]
    figures["firms_with_credit_loans"] = len(credit_firms)
    served = set()
    for table, at in (
        ("financing_requests", "created_at"),
        ("referrals", "created_at"),
        ("contact_logs", "happened_at"),
        ("applications", "submitted_at"),
    ):
        for batch in tables[table]:
            for firm, moment in zip(
                _column(batch, "enterprise_id"), _column(batch, at), strict=True
            ):
                if low <= moment < high:
                    served.add(firm)
    figures["firms_served"] = len(served)
    return figures


def main() -> int:
    """Generate a world and print its rows, yearly counts and 2014 figures against the targets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=list(SIZES), default="full")
    parser.add_argument("--seed", type=int, default=2014)
    args = parser.parse_args()

    started = time.perf_counter()
    world = generate_world(args.size, args.seed)
    print(
        f"world {args.size!r}, seed {args.seed}: generated in {time.perf_counter() - started:.1f} s"
    )
    print(f"{'table':<24}{'rows':>12}")
    for table, count in world.counts().items():
        print(f"{table:<24}{count:>12,}")

    requests, apps = world.draws["requests"], world.draws["applications"]
    posted_year = (
        np.datetime64("2011-01-01T00:00", "m") + requests.posted_minute.astype("timedelta64[m]")
    ).astype("datetime64[Y]").astype(np.int64) + 1970
    applied = np.bincount(apps.request, minlength=len(requests.firm))
    print(f"\n{'year':<6}{'requests':>10}{'applications':>14}{'per request':>12}{'unmatched':>10}")
    for year in np.unique(posted_year).tolist():
        mine = posted_year == year
        print(
            f"{year:<6}{int(mine.sum()):>10,}{int(applied[mine].sum()):>14,}"
            f"{applied[mine].mean():>12.2f}{int((applied[mine] == 0).sum()):>10,}"
        )
    decided = np.isin(apps.status, (decisions.APPROVED, decisions.REJECTED, decisions.DISBURSED))
    print(
        f"all: {len(requests.firm):,} requests, {len(apps.request):,} applications "
        f"({applied.mean():.2f} per request, {int((applied == 0).sum()):,} requests eligible for "
        f"no product), {int(decided.sum()):,} decided, "
        f"{int((apps.status == decisions.EXPIRED).sum()):,} expired"
    )

    figures = year_figures(world, 2014)
    targets = {target.metric: target for target in load_targets_2014()}
    print(f"\n{'2014 figure':<26}{'world':>14}{'target':>12}{'share':>8}")
    for metric, value in figures.items():
        target = targets[metric]
        if isinstance(value, Decimal):
            shown, goal = f"{value / YI:,.1f} 亿元", float(target.yuan / YI)
            share = float(value / target.yuan)
            goal_text = f"{goal:,.0f} 亿元"
        else:
            shown, goal_text = f"{value:,}", f"{float(target.value):,.0f}"
            share = value / float(target.value)
        print(f"{metric:<26}{shown:>14}{goal_text:>12}{share:>8.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
