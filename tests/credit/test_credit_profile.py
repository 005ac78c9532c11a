"""The credit profile: a score made of factors that a person can add up by hand, a grade, and
`flask credit profile CODE --json`; a past day's profile counts only what was known then."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from finplatform.credit.cli import credit_cli
from finplatform.credit.profile import credit_profile, grade_for
from finplatform.credit.records import load_records
from finplatform.models import CreditBatchChannel


@pytest.fixture
def firm(make, db):
    found = make.enterprise(name="津科智能有限公司")
    rows = [
        ("tax_grade", date(2013, 12, 31), {"grade": "A"}, "国家税务总局天津市税务局"),
        (
            "high_tech",
            date(2013, 10, 8),
            {"reference": "GR201312000123", "valid_until": date(2016, 10, 7)},
            "市科委",
        ),
        ("patent", date(2012, 5, 1), {"reference": "ZL201210001"}, "国家知识产权局"),
        ("patent", date(2013, 5, 1), {"reference": "ZL201310002"}, "国家知识产权局"),
        ("patent", date(2014, 5, 1), {"reference": "ZL201410003"}, "国家知识产权局"),
        (
            "utility_arrears",
            date(2014, 8, 20),
            {"amount_yuan": Decimal("12500"), "reference": "电-1"},
            "国网天津市电力公司",
        ),
    ]
    load_records(
        [
            {"enterprise_id": found.id, "kind": kind, "as_of": day, "source": source, **values}
            for kind, day, values, source in rows
        ],
        source="测试",
        channel=CreditBatchChannel.IMPORT,
        actor=None,
    )
    db.session.commit()
    return found


def test_the_score_is_the_base_plus_each_factors_points(db, firm):
    profile = credit_profile(firm, date(2014, 12, 31))
    points = {f["name"]: f["contribution"] for f in profile["factors"]}
    # Tax grade A +15, a valid 高新 certificate +8, three patents +3, one arrears −4.
    assert points == {"tax_grade": 15, "high_tech": 8, "patents": 3, "utility_arrears": -4}
    assert profile["score"] == 60 + 15 + 8 + 3 - 4 == 82
    assert profile["grade"] == "A"
    tax = next(f for f in profile["factors"] if f["name"] == "tax_grade")
    assert (tax["source"], tax["as_of"]) == ("国家税务总局天津市税务局", "2013-12-31")


def test_a_past_day_counts_only_the_records_known_then(db, firm):
    profile = credit_profile(firm, date(2013, 6, 30))
    # Only the patents of May 2012 and May 2013 existed then: 60 + 2.
    assert (profile["score"], profile["grade"]) == (62, "C")
    assert [f["name"] for f in profile["factors"]] == ["patents"]


@pytest.mark.parametrize(
    ("score", "grade"),
    [(100, "A+"), (85, "A+"), (84, "A"), (75, "A"), (65, "B"), (55, "C"), (45, "D"), (44, "E")],
)
def test_six_grades(score, grade):
    assert grade_for(score) == grade


def test_the_command_prints_one_json_object(app, db, firm):
    result = app.test_cli_runner().invoke(
        credit_cli, ["profile", firm.credit_code, "--as-of", "2014-12-31", "--json"]
    )
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert (printed["score"], printed["grade"], printed["as_of"]) == (82, "A", "2014-12-31")
    assert printed["factors"]
    assert all({"name", "contribution", "source"} <= set(f) for f in printed["factors"])
    missing = app.test_cli_runner().invoke(credit_cli, ["profile", "911201160000000000", "--json"])
    assert missing.exit_code != 0
