"""The credit scorecard on held-out loans: trained on earlier loans, scored on later ones.

Run: ``.venv/bin/python bench/bench_scorecard.py [--size full] [--seed 2014]`` (no database:
the world is generated in memory). The public-credit records are drawn as `flask seed
credit-records` draws them (`seeds.world.public_credit`, from the hidden credit quality), each
credit loan is described by the firm's records dated before its disbursement and its
attributes (`finplatform.credit.scorecard.observe`), and its outcome is serious delinquency:
the firm stops paying at an instalment early enough to be 90 days past due within twelve
months of disbursement. The scorecard (`finplatform.credit.scorecard.fit`) is trained on the
earlier 70 % of loans by disbursement day and scored on the later 30 %; printed: AUC and KS of
the scorecard and of the stored `credit_rating` (the baseline: AAA best, unrated in the
middle), and the default rate by grade, each with a 95 % bootstrap interval over the held-out
loans.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

import numpy as np
from sklearn.metrics import roc_auc_score

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from finplatform.credit import scorecard
from finplatform.credit.points import GRADES, grade_for
from finplatform.credit.scorecards import ks
from seeds.world import generate_world
from seeds.world.credit import credit_quality
from seeds.world.facts import ANCHOR, HISTORY_END, day_number
from seeds.world.loan_rows import credit_loans
from seeds.world.public_credit import Firm, draw_records

BOOTSTRAP = 1000
# A firm that stops paying at instalment m is 90 days past due about m months + 90 days after
# disbursement: within twelve months when m ≤ 9.
LAST_SERIOUS_INSTALMENT = 9


def _day(number: int) -> date:
    return ANCHOR.date() + timedelta(days=int(number))


def loans_and_features(world):
    """(features, defaulted, disbursement day, stored rating) of every credit loan."""
    firms = world.draws["firms"]
    disbursed = next(batch for batch in world.batches if batch.table == "disbursements")
    cols = {name: i for i, name in enumerate(disbursed.columns)}
    rows, firm, behaviour = credit_loans(world.seed, disbursed, firms)
    people = [
        Firm(
            i + 1,
            firms.codes[i],
            _day(firms.founded_day[i]),
            int(firms.employees[i]),
            int(firms.patents[i]),
            bool(firms.high_tech[i]),
            bool(firms.little_giant[i]),
        )
        for i in range(len(firms.codes))
    ]
    quality = credit_quality(firms.quality, world.seed)
    start = date(world.size.first_year - 2, 1, 1)
    drawn = draw_records(people, quality, start=start, end=HISTORY_END, seed=world.seed)
    by_firm: dict[int, list] = {}
    for record in drawn:
        values = {"grade": None, "quantity": None, "valid_until": None, "reference": ""}
        by_firm.setdefault(record["enterprise_id"], []).append(SimpleNamespace(**(values | record)))
    observed = []
    days = []
    for row, index in zip(rows, firm.tolist(), strict=True):
        on = row[cols["disbursed_on"]]
        on = on if isinstance(on, date) else _day(day_number(on))
        days.append(on.toordinal())
        attributes = {
            "founded_on": _day(firms.founded_day[index]),
            "revenue_yuan": float(firms.revenue[index]),
            "employees": int(firms.employees[index]),
        }
        before = [r for r in by_firm.get(index + 1, []) if r.as_of < on]
        observed.append(scorecard.observe(before, attributes, on))
    defaulted = (behaviour.defaults_at > 0) & (behaviour.defaults_at <= LAST_SERIOUS_INSTALMENT)
    rating = firms.rating[firm].astype(float)
    # Unrated firms sit between the bands (the rating's index runs C = 0 … AAA = 8).
    rating = np.where(rating < 0, 4.0, rating)
    return scorecard.matrix(observed), defaulted, np.array(days), rating


def _interval(values: list[float]) -> str:
    values = [v for v in values if not np.isnan(v)]
    if not values:
        return "(–)"
    low, high = np.percentile(values, [2.5, 97.5])
    return f"[{low:.3f}, {high:.3f}]"


def held_out_figures(x, y, day, rating, seed: int) -> dict:
    """Train on the earlier 70 %, score the later 30 %; figures with bootstrap intervals."""
    order = np.argsort(day, kind="stable")
    cut = int(len(order) * 0.7)
    train, test = order[:cut], order[cut:]
    card = scorecard.fit(x[train], y[train])
    score = scorecard.scores(card, x[test])
    grades = np.array([grade_for(int(s)) for s in score])
    y_test = y[test]
    risks = {"scorecard": -score, "credit_rating": -rating[test]}
    rng = np.random.default_rng(seed)
    boot: dict[str, list[float]] = {}
    for _ in range(BOOTSTRAP):
        pick = rng.integers(0, len(test), len(test))
        if y_test[pick].all() or not y_test[pick].any():
            continue
        for name, risk in risks.items():
            boot.setdefault(f"{name} auc", []).append(roc_auc_score(y_test[pick], risk[pick]))
            boot.setdefault(f"{name} ks", []).append(ks(y_test[pick], -risk[pick]))
        for _, grade in GRADES:
            chosen = grades[pick] == grade
            rate = y_test[pick][chosen].mean() if chosen.any() else np.nan
            boot.setdefault(f"grade {grade}", []).append(rate)
    figures = {
        "train": (len(train), int(y[train].sum())),
        "test": (len(test), int(y_test.sum())),
        "first_test_day": date.fromordinal(int(day[test].min())),
    }
    for name, risk in risks.items():
        figures[f"{name} auc"] = (roc_auc_score(y_test, risk), _interval(boot[f"{name} auc"]))
        figures[f"{name} ks"] = (ks(y_test, -risk), _interval(boot[f"{name} ks"]))
    for _, grade in GRADES:
        chosen = grades == grade
        figures[f"grade {grade}"] = (
            int(chosen.sum()),
            float(y_test[chosen].mean()) if chosen.any() else float("nan"),
            _interval(boot[f"grade {grade}"]),
        )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="full", choices=["small", "demo", "full"])
    parser.add_argument("--seed", type=int, default=2014)
    args = parser.parse_args()
    started = time.perf_counter()
    world = generate_world(args.size, args.seed)
    x, y, day, rating = loans_and_features(world)
    print(f"{args.size} world, seed {args.seed}: {len(y)} credit loans, {int(y.sum())} serious")
    print(f"  delinquencies; features built in {time.perf_counter() - started:.1f} s")
    f = held_out_figures(x, y, day, rating, args.seed)
    print(f"trained on {f['train'][0]} earlier loans ({f['train'][1]} delinquent)")
    print(
        f"held out {f['test'][0]} loans from {f['first_test_day']} ({f['test'][1]} delinquent);"
        " 95 % bootstrap intervals:"
    )
    for name in ("scorecard", "credit_rating"):
        auc, auc_ci = f[f"{name} auc"]
        value, ks_ci = f[f"{name} ks"]
        print(f"  {name:<14} AUC {auc:.3f} {auc_ci}   KS {value:.3f} {ks_ci}")
    print("  grade  loans  default rate  95 % interval")
    for _, grade in GRADES:
        count, rate, interval = f[f"grade {grade}"]
        print(f"  {grade:<5} {count:>6}  {rate:>11.3f}   {interval}")


if __name__ == "__main__":
    main()
