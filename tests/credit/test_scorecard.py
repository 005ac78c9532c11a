"""The scorecard's bins, monotone weights of evidence, and points that add up to the score."""

from __future__ import annotations

import math
from datetime import date
from types import SimpleNamespace

import numpy as np
import pytest

from finplatform.credit import scorecard
from finplatform.credit.points import score_profile


def _group(values_and_defaults):
    values, defaulted = [], []
    for value, rows, bad in values_and_defaults:
        values += [value] * rows
        defaulted += [True] * bad + [False] * (rows - bad)
    return np.array(values, dtype=float), np.array(defaulted)


def test_quantile_bins_merge_where_the_default_rate_goes_the_wrong_way():
    # Five groups of 20 (tax grade D … A); default rates 50 %, 20 %, 30 %, 10 %, 5 %.
    # A better grade must never look worse: grades 1 and 2 (20 % < 30 %) are merged.
    values, defaulted = _group([(0, 20, 10), (1, 20, 4), (2, 20, 6), (3, 20, 2), (4, 20, 1)])
    binned = scorecard.bin_feature(values, defaulted, sign=1)
    # Quantile edges 0.8, 1.6, 2.4, 3.2; the one between grades 1 and 2 (1.6) goes.
    assert binned["edges"] == pytest.approx([0.8, 2.4, 3.2])
    assert binned["counts"] == [20, 40, 20, 20]
    assert binned["woe"] == sorted(binned["woe"])
    # Bin 0: 10 good of 77, 10 bad of 23, each smoothed by half a loan.
    expected = math.log((10.5 / 77.5) / (10.5 / 23.5))
    assert math.isclose(binned["woe"][0], expected)


def test_a_feature_where_more_is_worse_gets_falling_weights():
    # Court judgements 0, 1, 2: default rates 5 %, 30 %, 20 % → bins 1 and 2 merged.
    values, defaulted = _group([(0, 40, 2), (1, 30, 9), (2, 30, 6)])
    binned = scorecard.bin_feature(values, defaulted, sign=-1)
    assert binned["counts"] == [40, 60]
    assert binned["woe"][0] > binned["woe"][1]


def test_a_missing_value_has_its_own_weight():
    values, defaulted = _group([(1, 30, 3), (2, 30, 1)])
    values = np.concatenate([values, [np.nan] * 20])
    defaulted = np.concatenate([defaulted, [True] * 10 + [False] * 10])
    binned = scorecard.bin_feature(values, defaulted, sign=1)
    woe = scorecard.woe_of(binned, np.array([np.nan, 1.0]))
    assert woe[0] == binned["missing_woe"] < 0  # half of the unknowns defaulted
    assert woe[1] == binned["woe"][0]


def _record(kind, day, **values):
    base = {"grade": None, "quantity": None, "valid_until": None, "reference": "", "source": "税务"}
    return SimpleNamespace(**(base | {"kind": kind, "as_of": day} | values))


def _training_rows(n=200, seed=3):
    rng = np.random.default_rng(seed)
    on = date(2014, 6, 30)
    rows, defaulted = [], []
    for i in range(n):
        grade = "ABMCD"[i % 5]
        records = [_record("tax_grade", date(2013, 12, 31), grade=grade)]
        firm = {"founded_on": date(2008, 1, 1), "revenue_yuan": 1e7, "employees": 30}
        rows.append(scorecard.observe(records, firm, on))
        defaulted.append(rng.random() < {"A": 0.02, "B": 0.05, "M": 0.1, "C": 0.3, "D": 0.5}[grade])
    return rows, np.array(defaulted)


def test_a_better_tax_grade_scores_higher_and_the_points_add_up():
    rows, defaulted = _training_rows()
    card = scorecard.fit(scorecard.matrix(rows), defaulted)
    tax = next(f for f in card["features"] if f["name"] == "tax_grade")
    assert tax["woe"] == sorted(tax["woe"])
    a_firm = next(r for r in rows if r["tax_grade"].shown == "A")
    d_firm = next(r for r in rows if r["tax_grade"].shown == "D")
    good = score_profile(a_firm, "s-test", card)
    bad = score_profile(d_firm, "s-test", card)
    assert good["score"] > bad["score"]
    for profile in (good, bad):
        total = profile["base"] + sum(f["contribution"] for f in profile["factors"])
        assert abs(profile["score"] - total) <= 1  # points are shown to one decimal
        assert {f["name"] for f in profile["factors"]} == set(scorecard.FEATURES)
    shown = {f["name"]: f for f in good["factors"]}
    assert (shown["tax_grade"]["source"], shown["tax_grade"]["as_of"]) == ("税务", "2013-12-31")


def test_records_dated_after_the_day_are_not_read():
    records = [
        _record("tax_grade", date(2013, 12, 31), grade="B"),
        _record("court_judgement", date(2014, 7, 1), reference="(2014)津01民初1号"),
        _record("tax_grade", date(2014, 12, 31), grade="D"),
    ]
    seen = scorecard.observe(records, {}, date(2014, 6, 30))
    assert (seen["tax_grade"].shown, seen["court_judgements"].value) == ("B", 0.0)
    assert math.isnan(seen["revenue"].value)
