"""The pool's run-out forecast: roll rates measured on the history, and the projection."""

from __future__ import annotations

from datetime import date

import pytest

from finplatform.loans import pool as funds
from finplatform.loans.cover import register_cover
from finplatform.loans.forecast import Forecast, measure_roll_rates, project, state_of
from finplatform.loans.services import record_repayment
from finplatform.ranking.catalogue_rows import categories
from finplatform.ranking.repayment import repayment_outcomes
from finplatform.ranking.tables import application_history

ROLL = [
    [0.9, 0.1, 0.0, 0.0],  # current
    [0.0, 0.0, 1.0, 0.0],  # 1-30
    [0.0, 0.0, 0.0, 1.0],  # 31-90
]


def test_states_follow_days_past_due():
    assert [state_of(d) for d in (0, 1, 30, 31, 90, 91)] == [0, 1, 1, 2, 2, 3]


def test_projection_rolls_the_book_into_claims():
    # 1,000 current: month 1 → 900 / 100; month 2 → 810 / 90 / 100; month 3: the 100 reach
    # 90+ and are claimed at 50 %: 50 paid from a balance of 100.
    rows = project([1000, 0, 0], ROLL, [0, 0, 0], 100, 0.5, 0.0)
    assert [round(claims, 6) for claims, _, _ in rows] == [0, 0, 50]
    assert rows[-1][2] == pytest.approx(50)
    # Stress 2×: 20 % leave current each month, so 200 reach 90+ in month 3: 100 claimed.
    stressed = project([1000, 0, 0], ROLL, [0, 0, 0], 100, 0.5, 0.0, stress=2)
    assert stressed[-1][0] == pytest.approx(100)
    # Half the current book repaid on schedule in month 1 halves what rolls from it.
    amortised = project([1000, 0, 0], ROLL, [0.5, 0, 0], 100, 0.5, 0.0)
    assert amortised[-1][0] == pytest.approx(25)


def test_the_forecast_names_the_first_month_below_zero():
    months = [(date(2014, 1, 31), 0, 0, 10.0), (date(2014, 2, 28), 20, 0, -10.0)]
    result = Forecast(date(2013, 12, 31), 1.0, ROLL, 0.0, 0.5, [0, 0, 0], months)
    assert result.runs_out == date(2014, 2, 28)


def test_roll_rates_are_measured_from_month_end_to_month_end(db, disburse, bank_user, pin_today):
    pool = funds.create_pool(2014, "2014年风险保证金")
    funds.contribute(pool, "天津市科委", "1000000", date(2014, 1, 2))
    funds.admit(
        pool,
        bank_user.institution,
        cover_ratio="0.5",
        per_loan_cap_yuan="500000",
        quota_yuan="2000000",
        on=date(2014, 1, 2),
    )
    good = disburse(amount="120000", on=date(2014, 1, 15), rate="0", term=3)
    bad = disburse(amount="100000", on=date(2014, 1, 15), rate="0", term=10)
    register_cover(good, bank_user, date(2014, 1, 20))
    register_cover(bad, bank_user, date(2014, 1, 20))
    pin_today(date(2014, 6, 30))
    for day in (date(2014, 2, 17), date(2014, 3, 17), date(2014, 4, 15)):
        record_repayment(good, amount_yuan="40000", paid_on=day, actor=bank_user)
    matrix = measure_roll_rates([pool.id], date(2014, 6, 30))
    # Current: the good loan stays current on 120,000, 80,000 and 40,000 of principal; the bad
    # one (first due 2014-02-17) leaves current on 100,000: 240 / 340 and 100 / 340.
    assert matrix[0] == pytest.approx([240 / 340, 100 / 340, 0, 0])
    # 28 Feb (11 days) → 31 Mar (42 days); 31 Mar → 30 Apr (72); 30 Apr → 31 May (103).
    assert matrix[1] == pytest.approx([0, 0, 1, 0])
    assert matrix[2] == pytest.approx([0, 0, 0.5, 0.5])


def test_forecast_command_prints_the_projection(app, db, pin_today):
    pin_today(date(2014, 6, 30))
    funds.contribute(funds.create_pool(2014, "2014年风险保证金"), "市", "1000", date(2014, 1, 2))
    db.session.commit()
    result = app.test_cli_runner().invoke(
        args=["pool", "forecast", "--year", "2014", "--stress", "2", "--months", "3"]
    )
    assert result.exit_code == 0, result.output
    # An empty book: nothing claimed, the 1,000 stay.
    assert "2014-09-30  claims             0.00" in result.output
    assert "balance           1,000.00" in result.output
    assert "runs out: not within the horizon" in result.output


def test_training_reads_repayment_outcomes_as_of_a_day(db, disburse, bank_user, pin_today):
    good = disburse(amount="30000", on=date(2014, 1, 15), rate="0", term=3)
    bad = disburse(amount="30000", on=date(2014, 1, 15), rate="0", term=3)
    pin_today(date(2014, 6, 30))
    for day in (date(2014, 2, 17), date(2014, 3, 17), date(2014, 4, 15)):
        record_repayment(good, amount_yuan="10000", paid_on=day, actor=bank_user)
    history = application_history(categories())
    requests = history.request_id.tolist()
    by_request = dict(zip(requests, repayment_outcomes(history, date(2014, 6, 30)), strict=True))
    good_request = good.disbursement.application.request_id
    bad_request = bad.disbursement.application.request_id
    # The good loan is repaid (1); the bad one is 133 days past due on 2014-06-30 (3); on
    # 2014-03-01 it was 12 days late (2).
    assert (by_request[good_request], by_request[bad_request]) == (1, 3)
    early = dict(zip(requests, repayment_outcomes(history, date(2014, 3, 1)), strict=True))
    assert early[bad_request] == 2
