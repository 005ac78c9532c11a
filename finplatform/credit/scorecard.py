"""The learned scorecard: binned features, weights of evidence, a logistic regression, points.

A scorecard predicts serious delinquency (90 days or more past due within twelve months of
disbursement) from what is known before a loan: the firm's public-credit records dated on or
before the day and its attributes on that day. It is transparent by construction:

- each feature is cut into at most `MAX_BINS` bins at quantiles of the training rows, plus a
  bin for "no record" where the feature can be missing;
- each bin's weight of evidence is ln(share of good loans / share of bad loans), smoothed by
  half a loan; for features with a known direction (`DIRECTION`: more tax grade is better,
  more court judgements worse …) neighbouring bins are merged until the weights are monotone;
- a logistic regression (scikit-learn) on the weights gives one coefficient per feature;
- points: score = 50 + `POINTS_PER_LOG_ODDS` × (ln(good/bad odds) − ln 9), so a firm whose
  predicted rate is 10 % scores 50 and each doubling of the odds adds 20 × ln 2 / ln 4 = 10
  points. The base (intercept) and each feature's points add up to the score (clipped 0–100).

Everything a scorecard is — edges, weights, coefficients — is a JSON document.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from sklearn.linear_model import LogisticRegression

MAX_BINS = 5
MIN_EACH = 5  # delinquent and repaid loans, each, that a scorecard needs to learn
SMOOTHING = 0.5
POINTS_PER_LOG_ODDS = 20 / math.log(4)
ODDS_AT_50 = math.log(9)
TAX_ORDER = {"D": 0.0, "C": 1.0, "M": 2.0, "B": 3.0, "A": 4.0}

# +1: a larger value means fewer defaults; -1: more defaults; 0: no direction imposed.
DIRECTION = {
    "tax_grade": 1,
    "headcount_trend": 1,
    "utility_arrears": -1,
    "court_judgements": -1,
    "dishonest_debtor": -1,
    "penalties": -1,
    "tech_sme": 1,
    "high_tech": 1,
    "patents": 1,
    "firm_age": 1,
    "revenue": 1,
    "employees": 1,
}
FEATURES = tuple(DIRECTION)
# Where each feature comes from when it is not a public-credit record.
ATTRIBUTE_SOURCE = "企业登记信息"


@dataclass(frozen=True)
class Observed:
    """One feature of one firm on one day: its value (nan: no record), what it shows, the
    records' sources and the latest date they carry."""

    value: float
    shown: str
    source: str
    as_of: str


def _since(records, kind: str, start: date) -> list:
    return [r for r in records if str(r.kind) == kind and r.as_of >= start]


def _observed(value: float, shown, found: Sequence, default_source: str = "") -> Observed:
    sources = sorted({r.source for r in found}) or ([default_source] if default_source else [])
    latest = max((r.as_of for r in found), default=None)
    return Observed(value, str(shown), "; ".join(sources), latest.isoformat() if latest else "")


def observe(records: Sequence, firm: dict, on: date) -> dict[str, Observed]:
    """Every feature of a firm on `on`, from its records dated on or before it (objects with
    kind, as_of, grade, quantity, valid_until, reference, source) and its attributes then
    (`firm`: employees, revenue_yuan, patents, founded_on)."""
    records = sorted((r for r in records if r.as_of <= on), key=lambda r: r.as_of)
    found: dict[str, Observed] = {}
    two_years = on - timedelta(days=2 * 366)
    taxes = _since(records, "tax_grade", two_years)
    grade = taxes[-1].grade if taxes else None
    found["tax_grade"] = _observed(
        TAX_ORDER.get(grade, math.nan), grade or "—", taxes[-1:] if taxes else []
    )
    heads = _since(records, "social_security", on - timedelta(days=366))
    if len(heads) >= 2 and heads[0].quantity:
        change = (heads[-1].quantity - heads[0].quantity) / heads[0].quantity
        found["headcount_trend"] = _observed(change, f"{change:+.0%}", [heads[0], heads[-1]])
    else:
        found["headcount_trend"] = _observed(math.nan, "—", [])
    for name, kind, start in (
        ("utility_arrears", "utility_arrears", two_years),
        ("court_judgements", "court_judgement", on - timedelta(days=3 * 366)),
        ("dishonest_debtor", "dishonest_debtor", on - timedelta(days=5 * 366)),
        ("penalties", "penalty", two_years),
    ):
        hits = _since(records, kind, start)
        found[name] = _observed(float(len(hits)), len(hits), hits)
    registered = _since(records, "tech_sme", date(on.year - 1, 1, 1))
    found["tech_sme"] = _observed(float(bool(registered)), len(registered), registered[-1:])
    certificates = [
        r
        for r in records
        if str(r.kind) == "high_tech" and (r.valid_until is None or r.valid_until >= on)
    ]
    found["high_tech"] = _observed(float(bool(certificates)), len(certificates), certificates[-1:])
    patents = [r for r in records if str(r.kind) == "patent"]
    found["patents"] = _observed(float(len(patents)), len(patents), patents)
    founded = firm.get("founded_on")
    age = (on - founded).days / 365.25 if founded else math.nan
    # Its as-of date is the founding day: the age moves with time, the input does not.
    found["firm_age"] = Observed(
        age,
        f"{age:.1f}" if founded else "—",
        ATTRIBUTE_SOURCE,
        founded.isoformat() if founded else "",
    )
    revenue = firm.get("revenue_yuan")
    value = math.log10(max(float(revenue), 1.0)) if revenue is not None else math.nan
    shown = f"{float(revenue) / 10_000:,.0f}万元" if revenue is not None else "—"
    found["revenue"] = Observed(value, shown, ATTRIBUTE_SOURCE, "")
    employees = firm.get("employees")
    found["employees"] = Observed(
        float(employees) if employees else math.nan, str(employees or "—"), ATTRIBUTE_SOURCE, ""
    )
    return found


def _woe(good: np.ndarray, bad: np.ndarray, total_good: float, total_bad: float) -> np.ndarray:
    return np.log(((good + SMOOTHING) / total_good) / ((bad + SMOOTHING) / total_bad))


def _monotone(edges: list[float], good: list[float], bad: list[float], sign: int, totals):
    """Merge neighbouring bins until their weights of evidence move in the direction `sign`."""
    while len(good) > 1:
        woe = _woe(np.array(good), np.array(bad), *totals)
        steps = np.diff(woe) * sign
        wrong = np.flatnonzero(steps < 0)
        if len(wrong) == 0:
            break
        i = int(wrong[0])
        good[i : i + 2] = [good[i] + good[i + 1]]
        bad[i : i + 2] = [bad[i] + bad[i + 1]]
        del edges[i]  # edges[i] separates bin i and bin i + 1
    return edges, good, bad


def bin_feature(values: np.ndarray, defaulted: np.ndarray, sign: int) -> dict:
    """One feature's bins: inner `edges` (a value v falls in bin searchsorted(edges, v,
    'left'): a value equal to an edge falls below it), each bin's weight of evidence, and the
    weight of the missing bin."""
    present = ~np.isnan(values)
    totals = (float((~defaulted).sum()) + SMOOTHING, float(defaulted.sum()) + SMOOTHING)
    edges: list[float] = []
    if present.any():
        quantiles = np.quantile(values[present], np.linspace(0, 1, MAX_BINS + 1)[1:-1])
        # A bin boundary at the largest value would leave the last bin empty.
        edges = sorted({float(q) for q in quantiles if q < values[present].max()})
    index = np.searchsorted(edges, values[present], side="left")
    y = defaulted[present]
    good = [float(((index == b) & ~y).sum()) for b in range(len(edges) + 1)]
    bad = [float(((index == b) & y).sum()) for b in range(len(edges) + 1)]
    if sign:
        edges, good, bad = _monotone(edges, good, bad, sign, totals)
    missing = ~present
    missing_woe = float(
        _woe(
            np.array([float((missing & ~defaulted).sum())]),
            np.array([float((missing & defaulted).sum())]),
            *totals,
        )[0]
    )
    return {
        "edges": edges,
        "woe": [float(w) for w in _woe(np.array(good), np.array(bad), *totals)],
        "counts": [int(g + b) for g, b in zip(good, bad, strict=True)],
        "missing_woe": missing_woe if missing.any() else 0.0,
    }


def woe_of(binned: dict, values: np.ndarray) -> np.ndarray:
    """The weight of evidence of each value under a feature's bins."""
    woe = np.array(binned["woe"])
    index = np.searchsorted(binned["edges"], np.nan_to_num(values), side="left")
    return np.where(np.isnan(values), binned["missing_woe"], woe[index])


def fit(x: np.ndarray, defaulted: np.ndarray) -> dict:
    """Train a scorecard on rows of `FEATURES` (nan where missing) and their outcomes."""
    defaulted = np.asarray(defaulted, dtype=bool)
    if defaulted.sum() < MIN_EACH or (~defaulted).sum() < MIN_EACH:
        raise ValueError(f"at least {MIN_EACH} defaulted and {MIN_EACH} repaid loans are needed")
    bins = {
        name: bin_feature(x[:, i], defaulted, DIRECTION[name]) for i, name in enumerate(FEATURES)
    }
    woe = np.column_stack([woe_of(bins[name], x[:, i]) for i, name in enumerate(FEATURES)])
    model = LogisticRegression(C=1.0, max_iter=1000)
    model.fit(woe, defaulted)
    return {
        "features": [
            {"name": name, "coefficient": float(model.coef_[0][i]), **bins[name]}
            for i, name in enumerate(FEATURES)
        ],
        "intercept": float(model.intercept_[0]),
        "rows": int(len(defaulted)),
        "defaults": int(defaulted.sum()),
    }


def log_odds(card: dict, x: np.ndarray) -> np.ndarray:
    """Each row's predicted log-odds of default."""
    total = np.full(len(x), card["intercept"])
    for i, feature in enumerate(card["features"]):
        total += feature["coefficient"] * woe_of(feature, x[:, i])
    return total


def points(card: dict, x: np.ndarray) -> tuple[float, np.ndarray]:
    """The base points and each row's points per feature (they add up to the score)."""
    base = 50 + POINTS_PER_LOG_ODDS * (-card["intercept"] - ODDS_AT_50)
    parts = np.column_stack(
        [
            -POINTS_PER_LOG_ODDS * feature["coefficient"] * woe_of(feature, x[:, i])
            for i, feature in enumerate(card["features"])
        ]
    )
    return float(base), parts


def scores(card: dict, x: np.ndarray) -> np.ndarray:
    """Scores 0–100 (higher is safer) of rows of features."""
    base, parts = points(card, x)
    return np.clip(np.round(base + parts.sum(axis=1)), 0, 100)


def matrix(observed: Sequence[dict[str, Observed]]) -> np.ndarray:
    """Rows of observed features as the scorecard's matrix."""
    return np.array([[row[name].value for name in FEATURES] for row in observed], dtype=float)
