"""Every figure of the June 2014 report against sums worked out by hand from the world in
conftest.py (the amounts below are that file's literals, added here, not read from a query)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from finplatform.reports.periods import Month
from finplatform.reports.services import build_report

JUNE = Month(2014, 6)

# June's disbursement rows: d3 ip_pledge, d4 credit, d5 equity, d6 reversal of d2 (credit),
# d7 guarantee loan.
JUNE_ROWS = [
    ("ip_pledge", D("4000000"), "120113", "39", "tech_branch", +1),
    ("credit_loan", D("2500000"), "120116", "35", "tech_branch", +1),
    ("equity_investment", D("6000000"), "120114", "27", "fund", +1),
    ("credit_loan", D("-1500000"), "120114", "27", "tech_branch", -1),
    ("guarantee_loan", D("800000"), "120114", "27", "credit_community", +1),
]


def _by(index):
    result: dict[str, tuple[int, D]] = {}
    for row in JUNE_ROWS:
        count, amount = result.get(row[index], (0, D(0)))
        result[row[index]] = (count + row[5], amount + row[1])
    return result


@pytest.fixture
def june(world):
    return build_report(JUNE)


def amounts(rows):
    return {row["key"]: (row["count"], D(row["amount"])) for row in rows}


def test_monthly_totals(june):
    totals = june["totals"]
    assert totals["requests"] == {"count": 4, "amount": "14000000.00"}  # R3 R4 R5 R6, not R7
    assert totals["matches"]["count"] == 4
    # A3 A4 A5 A6 A7 A8 at their requests' amounts 4+3+6+1+6+3 (百万)
    assert totals["applications"] == {"count": 6, "amount": "23000000.00"}
    assert totals["approvals"] == {"count": 4, "amount": "13300000.00"}
    assert totals["rejections"] == {"count": 1, "amount": "3000000.00"}
    assert totals["disbursements"]["count"] == sum(row[5] for row in JUNE_ROWS) == 3
    assert D(totals["disbursements"]["amount"]) == sum(row[1] for row in JUNE_ROWS)
    assert D(totals["disbursements"]["amount"]) == D("11800000")


@pytest.mark.parametrize(
    ("dimension", "index"),
    [("product_kind", 0), ("district", 2), ("industry", 3), ("institution_kind", 4)],
)
def test_disbursement_breakdowns(june, dimension, index):
    assert amounts(june["breakdowns"]["disbursements"][dimension]) == _by(index)


def test_breakdown_by_institution_and_names(june, world):
    rows = june["breakdowns"]["disbursements"]["institution"]
    bank = str(world.institutions["bank"].id)
    assert amounts(rows)[bank] == (1, D("5000000"))  # 4M + 2.5M − 1.5M, net one row
    names = {row["key"]: row["name_zh"] for row in rows}
    assert names[bank] == "滨海科技支行"
    credit = next(
        r for r in june["breakdowns"]["disbursements"]["product_kind"] if r["key"] == "credit_loan"
    )
    assert credit["name_zh"] == "信用贷款"


def test_application_breakdowns(june):
    by_kind = amounts(june["breakdowns"]["applications"]["product_kind"])
    # A3 ip(4M), A4 credit(3M), A5 equity(6M), A6 credit(1M), A7 guarantee(6M), A8 ip(3M)
    assert by_kind == {
        "ip_pledge": (2, D("7000000")),
        "credit_loan": (2, D("4000000")),
        "equity_investment": (1, D("6000000")),
        "guarantee_loan": (1, D("6000000")),
    }
    by_district = amounts(june["breakdowns"]["approvals"]["district"])
    assert by_district == {
        "120113": (1, D("4000000")),
        "120116": (1, D("2500000")),
        "120114": (2, D("6800000")),
    }
    assert amounts(june["breakdowns"]["requests"]["industry"]) == {
        "39": (2, D("5000000")),
        "35": (1, D("3000000")),
        "27": (1, D("6000000")),
    }


def test_first_time_borrowers(june):
    # E4 (d4) and E5 (d5, d7) borrow for the first time; E3 borrowed in 2013.
    assert june["first_time_borrowers"] == {"count": 2, "amount": "9300000.00"}


def test_funnel(june):
    steps = {step["step"]: step for step in june["funnel"]}
    assert [
        steps[s]["count"] for s in ("requests", "matched", "applied", "approved", "disbursed")
    ] == [4, 4, 4, 3, 3]
    assert steps["approved"]["rate_from_previous"] == "75.0"
    assert steps["disbursed"]["rate_from_previous"] == "100.0"
    assert steps["disbursed"]["rate_from_requests"] == "75.0"


def test_response_times(june):
    times = june["response_times"]
    # first answers after 1, 0.5, 2, 1.5, 4 days: median 1.5; p90 = 2 + 0.6 × (4 − 2)
    assert times["first_response"] == {"count": 5, "median_days": "1.50", "p90_days": "3.20"}
    # decisions after 2, 3, 4, 1.5, 5 days: median 3; p90 = 4 + 0.6 × (5 − 4)
    assert times["decision"] == {"count": 5, "median_days": "3.00", "p90_days": "4.60"}
    # A6 never answered by its deadline; A8 answered after it.
    assert times["past_deadline"] == 2


def test_specialists(june, world):
    rows = {row["name"]: row for row in june["specialists"]}
    assert rows["专员甲"] == {
        "id": world.users["s1"].id,
        "name": "专员甲",
        "firms_served": 3,
        "deals": 2,
        "amount": "6500000.00",
    }
    assert rows["专员乙"]["firms_served"] == 2
    assert (rows["专员乙"]["deals"], rows["专员乙"]["amount"]) == (2, "6800000.00")


def test_firms_served_in_the_month(june):
    assert june["firms_served"] == 5  # E3 E4 E5 E6 E7


def test_year_to_date_totals(june):
    ytd = june["ytd"]
    assert ytd["requests"]["count"] == 6
    assert ytd["matches"]["count"] == 6
    assert ytd["applications"]["count"] == 8
    assert ytd["disbursements"] == {"count": 5, "amount": "15300000.00"}  # 2M + 1.5M + 11.8M


def _target(report, metric):
    return next(t for t in report["targets"] if t["metric"] == metric)


def test_every_seeded_target_is_reported(june):
    metrics = [t["metric"] for t in june["targets"]]
    assert len(metrics) == 13
    unmeasured = _target(june, "new_matching_platforms")
    assert unmeasured["measured"] is False
    assert "ytd" not in unmeasured


@pytest.mark.parametrize(
    ("metric", "expected"),
    [
        ("financing_facilitated", "15300000.00"),
        ("all_financing", "15300000.00"),
        ("new_credit_loans", "4500000.00"),  # d1 2M + d2 1.5M + d4 2.5M − d6 1.5M
        # The pool's funds, not loans: 3亿元 on 1 March + 1亿元 on 15 June (definition 5c).
        ("risk_guarantee_pool", "400000000.00"),
        ("credit_community_loans", "2800000.00"),  # members E1 (d1) and E5 (d7; d5 is equity)
        ("tech_transfer_fund", "6000000.00"),
        ("firms_with_credit_loans", "2"),  # E1 and E4; E2's loan was reversed
        ("firms_served", "7"),
        ("specialists", "2"),  # one inactive, one joined in July
        ("tech_branches", "1"),
        ("credit_communities", "1"),
        ("specialised_institutions", "1"),  # the other one is suspended
    ],
)
def test_target_year_to_date(june, metric, expected):
    assert _target(june, metric)["ytd"] == expected


def test_projection_uses_last_years_shape(june):
    target = _target(june, "financing_facilitated")
    # 2013: 1M in March, 3M in September, 3M in November → 1/7 of the year by June.
    ytd, goal, share = D("15300000"), D("20000000000"), D(1) / D(7)
    assert target["last_year_share"] == "14.3"
    assert target["projection_basis"] == "last_year_shape"
    assert D(target["shape_projection"]) == (ytd / share).quantize(D("0.01"))
    assert D(target["run_rate_projection"]) == ytd * 2
    assert D(target["expected_to_date"]) == (goal * share).quantize(D("0.01"))
    assert D(target["ahead_by"]) == ytd - (goal * share).quantize(D("0.01"))
    assert target["percent"] == "0.1"  # 0.0765 %
    assert target["on_track"] is False


def test_projection_of_counts(june):
    target = _target(june, "firms_served")
    # 2013's firms were first served in March, August, September, November: 1 of 4 by June.
    assert target["last_year_share"] == "25.0"
    assert target["projection"] == "28"  # 7 / 0.25
    assert target["expected_to_date"] == "3750"  # 15000 × 0.25
    assert target["ahead_by"] == "-3743"
    # The one 2013 branch was approved in May: by June last year had all of its year.
    tech = _target(june, "tech_branches")
    assert tech["last_year_share"] == "100.0"
    assert (tech["projection"], tech["expected_to_date"], tech["ahead_by"]) == ("1", "3", "-2")


def test_projection_without_last_year_uses_the_run_rate(june):
    target = _target(june, "tech_transfer_fund")  # no equity from the fund in 2013
    assert target["projection_basis"] == "run_rate"
    assert target["projection"] == "12000000.00"
    assert target["expected_to_date"] == "500000000.00"  # 10亿元 × 6/12


def test_level_target_projects_its_current_value(june):
    target = _target(june, "specialists")
    assert target["projection_basis"] == "level"
    assert target["projection"] == "2"
    assert target["on_track"] is False


def test_chart_series(june):
    by_kind = {row["key"]: row["amounts"] for row in june["series"]["by_kind"]}
    assert by_kind["credit_loan"] == [
        "0.00",
        "2000000.00",
        "0.00",
        "0.00",
        "1500000.00",
        "1000000.00",
    ]
    cumulative = june["series"]["cumulative"]["financing_facilitated"]
    assert cumulative[-1] == "15300000.00"
    assert cumulative[1] == "2000000.00"
