"""Penalty interest (罚息): the product states it as a markup on the loan's rate; it is owed
on top of the schedule, paid first, and a reversal gives it back."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from finplatform.exceptions import DomainError
from finplatform.loans.positions import loan_position
from finplatform.loans.services import record_repayment, reverse_repayment
from finplatform.models import LoanStatus
from finplatform.products.services import create_product

PRODUCT = {
    "name": "科技信用贷",
    "kind_code": "credit_loan",
    "amount_min_yuan": "100000",
    "amount_max_yuan": "5000000",
    "term_min_months": 6,
    "term_max_months": 36,
    "rate_min": "4.35",
    "rate_max": "6.5",
}


def test_the_product_states_the_markup_within_0_to_100_percent(db, bank_user):
    product = create_product(bank_user.institution, bank_user, **PRODUCT)
    assert product.penalty_markup == D("50")
    product = create_product(bank_user.institution, bank_user, **PRODUCT, penalty_markup="30")
    assert product.penalty_markup == D("30")
    with pytest.raises(DomainError, match="0 至 100%") as refused:
        create_product(bank_user.institution, bank_user, **PRODUCT, penalty_markup="150")
    assert refused.value.field == "penalty_markup"


def test_the_loan_takes_its_rate_raised_by_the_products_markup(db, disburse):
    loan = disburse(amount="100000", on=date(2014, 1, 15), rate="5.6", term=12)
    assert loan.penalty_rate == D("8.4000")  # 5.6 × 1.5


def test_the_penalty_is_owed_before_the_loan_settles_and_a_reversal_gives_it_back(
    db, disburse, bank_user, pin_today
):
    # 30,000 at 6 % over 3 months: 10,100.17 a month; instalment 1 is 150.00 interest and
    # 9,950.17 principal, due 2014-05-10, a Saturday, so Monday the 12th.
    loan = disburse(amount="30000", on=date(2014, 4, 10), rate="6", term=3)
    first = loan.instalments[0]
    assert (first.due_on, first.principal_yuan) == (date(2014, 5, 12), D("9950.17"))
    pin_today(date(2014, 5, 22))
    # Paid 10 days late: 9,950.17 × 9 % × 10 / 360 = 24.8754… → 24.88 penalty first.
    days_penalty = D("24.88")
    owed = D("10125.05")  # 24.88 + 150.00 + 9,950.17
    with pytest.raises(DomainError):
        record_repayment(loan, amount_yuan="30000000", paid_on=date(2014, 5, 22), actor=bank_user)
    repayment, _ = record_repayment(
        loan, amount_yuan=owed, paid_on=date(2014, 5, 22), actor=bank_user
    )
    db.session.commit()
    (part,) = repayment.allocations
    assert (part.penalty_yuan, part.interest_yuan, part.principal_yuan) == (
        days_penalty,
        first.interest_yuan,
        first.principal_yuan,
    )
    line = loan_position(loan, date(2014, 5, 22)).instalments[0]
    assert line.unpaid == 0 and line.penalty_accrued == days_penalty
    assert loan_position(loan, date(2014, 5, 22)).status == LoanStatus.CURRENT
    reverse_repayment(repayment, bank_user, "银行流水有误")
    db.session.commit()
    line = loan_position(loan, date(2014, 5, 22)).instalments[0]
    assert line.penalty_unpaid == days_penalty
    assert line.unpaid == owed
