"""Credit outcomes of the demo world: can pre-disbursement firm features predict defaults, and
what are the world's pool figures.

Run: ``.venv/bin/python bench/bench_credit.py [--size full] [--seed 2014]`` (no database: the
world is generated in memory, about a minute for ``full``). A logistic regression is fitted on
the earlier 70 % of the world's credit loans (by disbursement day) with features a bank sees
before lending: revenue, employees, age, R&D intensity, patents, rating (and whether rated),
the high-tech and little-giant flags, amount against revenue, term and rate; it is scored on
the later 30 % and its ROC AUC printed beside the bar of 0.65. A default is a loan whose firm
stops paying during the term (`seeds.world.credit`). Then the pools' figures per year from the
generated rows: contributions, covered loans and principal, claims paid, recoveries, balance
(contributions − claims paid + recoveries), leverage (covered principal still outstanding at
the end of the history / contributions) and loss rate ((paid − recovered) / covered).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from seeds.world import generate_world
from seeds.world.facts import day_number
from seeds.world.loan_rows import credit_loans

AUC_BAR = 0.65
YI = Decimal(100_000_000)


def features(world) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(features, defaulted, disbursement day) of every credit loan in the world."""
    firms = world.draws["firms"]
    disbursed = next(batch for batch in world.batches if batch.table == "disbursements")
    cols = {name: i for i, name in enumerate(disbursed.columns)}
    rows, firm, behaviour = credit_loans(world.seed, disbursed, firms)
    day = np.array([day_number(row[cols["disbursed_on"]]) for row in rows])
    amount = np.array([float(row[cols["amount_yuan"]]) for row in rows])
    revenue = firms.revenue[firm].astype(float)
    rating = firms.rating[firm]
    x = np.column_stack(
        [
            np.log(revenue),
            np.log(firms.employees[firm]),
            (day - firms.founded_day[firm]) / 365.25,
            firms.rd_spend[firm] / revenue,
            np.log1p(firms.patents[firm]),
            np.where(rating >= 0, rating, 0),
            rating < 0,
            firms.high_tech[firm],
            firms.little_giant[firm],
            np.log(amount / revenue),
            [row[cols["term_months"]] for row in rows],
            [float(row[cols["rate"]]) for row in rows],
        ]
    ).astype(float)
    return x, behaviour.defaults_at > 0, day


def auc_on_later_loans(world) -> tuple[float, int, int, int]:
    """AUC on the later 30 % of loans; also the train size, test size and test defaults."""
    x, y, day = features(world)
    order = np.argsort(day, kind="stable")
    cut = int(len(order) * 0.7)
    train, test = order[:cut], order[cut:]
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    model.fit(x[train], y[train])
    auc = roc_auc_score(y[test], model.predict_proba(x[test])[:, 1])
    return float(auc), len(train), len(test), int(y[test].sum())


def pool_figures(world) -> dict[int, dict]:
    """Each pool year's figures from the generated rows."""
    tables = {batch.table: batch for batch in world.batches}

    def rows(name):
        batch = tables[name]
        return [dict(zip(batch.columns, row, strict=True)) for row in batch.rows]

    year_of = {pool["id"]: pool["year"] for pool in rows("guarantee_pools")}
    figures = defaultdict(lambda: defaultdict(Decimal))
    for row in rows("pool_contributions"):
        figures[year_of[row["pool_id"]]]["contributions"] += row["amount_yuan"]
    repaid = defaultdict(Decimal)
    for row in rows("repayment_allocations"):
        repaid[row["instalment_id"]] += row["principal_yuan"]
    loan_repaid = defaultdict(Decimal)
    for row in rows("instalments"):
        loan_repaid[row["loan_id"]] += repaid[row["id"]]
    principal = {row["id"]: row["principal_yuan"] for row in rows("loans")}
    paid_registrations = {c["registration_id"] for c in rows("claims") if c["status"] == "paid"}
    for row in rows("cover_registrations"):
        year = figures[year_of[row["pool_id"]]]
        year["covered_loans"] += 1
        year["covered"] += row["covered_principal_yuan"]
        if row["id"] not in paid_registrations:
            outstanding = principal[row["loan_id"]] - loan_repaid[row["loan_id"]]
            year["outstanding"] += min(outstanding, row["covered_principal_yuan"])
    for row in rows("claims"):
        year = figures[year_of[row["pool_id"]]]
        year[f"claims_{row['status']}"] += 1
        if row["status"] == "paid":
            year["paid"] += row["approved_yuan"]
    for row in rows("recoveries"):
        figures[year_of[row["pool_id"]]]["recovered"] += row["pool_share_yuan"]
    return {year: dict(values) for year, values in sorted(figures.items())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="full", choices=["small", "demo", "full"])
    parser.add_argument("--seed", type=int, default=2014)
    args = parser.parse_args()
    started = time.perf_counter()
    world = generate_world(args.size, args.seed)
    print(f"generated the {args.size} world in {time.perf_counter() - started:.1f} s")
    counts = world.counts()
    for table in ("loans", "instalments", "repayments", "cover_registrations", "claims"):
        print(f"  {table:<22}{counts.get(table, 0):>10,}")
    auc, n_train, n_test, n_defaults = auc_on_later_loans(world)
    verdict = "meets" if auc >= AUC_BAR else "misses"
    print(
        f"default AUC on later loans: {auc:.3f} ({verdict} the bar of {AUC_BAR}; "
        f"{n_train} loans to fit, {n_test} to score, {n_defaults} defaults among them)"
    )
    for year, f in pool_figures(world).items():
        contributions = f.get("contributions", Decimal(0))
        paid, recovered = f.get("paid", Decimal(0)), f.get("recovered", Decimal(0))
        covered = f.get("covered", Decimal(0))
        leverage = f.get("outstanding", Decimal(0)) / contributions if contributions else 0
        loss = (paid - recovered) / covered if covered else 0
        print(
            f"pool {year}: funds {contributions / YI:.2f}亿元, {f.get('covered_loans', 0)} loans "
            f"covered for {covered / YI:.2f}亿元, outstanding leverage {leverage:.2f}x; claims "
            f"paid {f.get('claims_paid', 0)} ({paid / YI:.4f}亿元), rejected "
            f"{f.get('claims_rejected', 0)}, pending "
            f"{f.get('claims_filed', 0) + f.get('claims_approved', 0)}; recovered "
            f"{recovered / YI:.4f}亿元; balance {(contributions - paid + recovered) / YI:.4f}亿元;"
            f" loss rate {loss:.2%}"
        )


if __name__ == "__main__":
    main()
