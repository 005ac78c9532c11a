"""`flask pool status --year YYYY --json`: the year's pool figures, money as decimal strings,
and the balance identity (contributions − claims paid + recoveries)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal as D

from finplatform.loans import pool as funds
from finplatform.loans.claims import decide_claim, file_claim, pay_claim, record_recovery
from finplatform.loans.cover import register_cover
from finplatform.loans.figures import pool_year_figures
from finplatform.loans.services import record_repayment
from finplatform.models import Role


def test_status_prints_the_years_figures_as_json(app, db, make, disburse, bank_user, pin_today):
    pool = funds.create_pool(2014, "2014年科技型中小企业信用贷款风险保证金")
    funds.contribute(pool, "天津市科委", "800000", date(2014, 1, 2))
    funds.contribute(pool, "滨海新区", "200000", date(2014, 2, 10))
    funds.admit(
        pool,
        bank_user.institution,
        cover_ratio="0.5",
        per_loan_cap_yuan="500000",
        quota_yuan="5000000",
        on=date(2014, 1, 2),
    )
    # A loan repaid on time (40,000 of principal by 2014-03-17) and one that defaults.
    good = disburse(amount="120000", on=date(2014, 1, 15), rate="0", term=3)
    bad = disburse(amount="100000", on=date(2014, 1, 15), rate="0", term=10)
    register_cover(good, bank_user, date(2014, 1, 20))
    bad_cover = register_cover(bad, bank_user, date(2014, 1, 20))
    pin_today(date(2014, 6, 3))
    record_repayment(good, amount_yuan="40000", paid_on=date(2014, 2, 17), actor=bank_user)
    admin = make.user(Role.ADMIN)
    claim = decide_claim(file_claim(bad_cover, bank_user, "诉讼"), admin, "approve")
    pay_claim(claim, admin, date(2014, 6, 3))
    pin_today(date(2014, 8, 1))
    record_recovery(claim, bank_user, "20000", date(2014, 7, 15))
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["pool", "status", "--year", "2014", "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["covered_loans"] == 2
    assert figures["covered_yuan"] == "220000.00"
    assert figures["contributions_yuan"] == "1000000.00"
    # The defaulted loan: 100,000 outstanding × 50 % paid; 20,000 recovered, half to the pool.
    assert figures["claims_paid_yuan"] == "50000.00"
    assert figures["claims_paid"] == 1
    assert figures["recovered_yuan"] == "10000.00"
    assert figures["balance_yuan"] == "960000.00"
    # Only the good loan is still in the covered book: 120,000 − 40,000 = 80,000; 0.08×.
    assert figures["covered_outstanding_yuan"] == "80000.00"
    assert figures["leverage"] == "0.08"
    # As of 2014-08-01 the good loan's second instalment (due 2014-03-17) is 137 days late.
    assert figures["overdue_covered_yuan"] == {"1-30": "0.00", "31-90": "0.00", "90+": "80000.00"}
    # Net loss 40,000 on 220,000 covered.
    assert figures["loss_rate"] == "0.1818"
    # The same year in the shape the monthly report takes it.
    assert pool_year_figures(2014) == {
        "funds_yuan": D("1000000.00"),
        "covered_loans": 2,
        "covered_yuan": D("220000.00"),
        "covered_outstanding_yuan": D("80000.00"),
        "claims_paid_yuan": D("50000.00"),
        "recovered_yuan": D("10000.00"),
        "balance_yuan": D("960000.00"),
    }


def test_a_year_without_a_pool_prints_zeros(app):
    result = app.test_cli_runner().invoke(args=["pool", "status", "--year", "2013", "--json"])
    figures = json.loads(result.output)
    assert (figures["covered_loans"], figures["balance_yuan"]) == (0, "0.00")
