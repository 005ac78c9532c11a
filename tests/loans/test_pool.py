"""The pool's rules: eligibility naming the failing rule, the registration deadline, the quota
and the leverage limit, withdrawal, claims past the threshold and their limits, payouts within
the balance and recoveries flowing back in proportion."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from finplatform.deals.disbursements import reverse_disbursement
from finplatform.exceptions import AlreadyDecided, Conflict, DomainError
from finplatform.loans import pool as funds
from finplatform.loans.claims import decide_claim, file_claim, pay_claim, record_recovery
from finplatform.loans.cover import NotEligible, register_cover, withdraw_cover
from finplatform.loans.services import record_repayment, reverse_repayment
from finplatform.models import ClaimStatus, Role


def refused_rule(loan, user, on):
    with pytest.raises(NotEligible) as refused:
        register_cover(loan, user, on)
    return refused.value.rule


def test_a_registration_covers_the_loan_and_uses_the_leverage(db, pool, disburse, bank_user):
    loan = disburse(amount="400000", on=date(2014, 3, 3), rate="6", term=12)
    registration = register_cover(loan, bank_user, date(2014, 3, 10))
    db.session.commit()
    assert registration.covered_principal_yuan == D("400000.00")
    assert funds.covered_outstanding(pool.id) == D("400000.00")
    assert funds.leverage(pool.id) == D("0.40")


@pytest.mark.parametrize(
    ("loan_values", "firm_values", "on", "rule"),
    [
        ({"amount": "500000.01"}, {}, date(2014, 3, 10), "amount_cap"),
        ({"term": 48}, {}, date(2014, 3, 10), "term_cap"),
        ({}, {"employees": 501}, date(2014, 3, 10), "tech_sme"),
        ({}, {"revenue_yuan": D("200000001")}, date(2014, 3, 10), "tech_sme"),
        ({}, {}, date(2014, 4, 3), "deadline"),  # 31 days after 2014-03-03
        ({"on": date(2013, 12, 2)}, {}, date(2013, 12, 10), "admitted"),  # no 2013 pool
    ],
)
def test_each_rule_is_named_when_it_fails(
    db, pool, make, disburse, bank_user, pin_today, loan_values, firm_values, on, rule
):
    values = {"amount": "300000", "on": date(2014, 3, 3), "rate": "6", "term": 12, **loan_values}
    loan = disburse(firm=make.enterprise(**firm_values), **values)
    pin_today(on)
    assert refused_rule(loan, bank_user, on) == rule


def test_the_deadline_day_itself_is_still_in_time(db, pool, disburse, bank_user):
    loan = disburse(amount="300000", on=date(2014, 3, 3), rate="6", term=12)
    assert register_cover(loan, bank_user, date(2014, 4, 2)).registered_on == date(2014, 4, 2)


def test_only_credit_loans_are_covered(db, pool, disburse, bank_user):
    loan = disburse(amount="300000", on=date(2014, 3, 3), rate="6", term=12)
    loan.product_kind_code = "ip_pledge"
    assert refused_rule(loan, bank_user, date(2014, 3, 4)) == "credit_loan"


def test_the_quota_counts_registered_principal(db, pool, disburse, bank_user):
    for _ in range(4):
        register_cover(disburse(amount="500000", on=date(2014, 3, 3)), bank_user, date(2014, 3, 3))
    # 2,000,000 of quota used: one more yuan does not fit.
    assert refused_rule(disburse(amount="1", on=date(2014, 3, 3)), bank_user, date(2014, 3, 3)) == (
        "quota"
    )


def test_the_leverage_limit_counts_outstanding_principal_so_repayments_free_room(
    db, pool, disburse, bank_user, pin_today
):
    pool.leverage_limit = D("2")  # 2 × 1,000,000 = 2,000,000 of covered outstanding
    first = disburse(amount="500000", on=date(2014, 1, 6), rate="0", term=5)
    register_cover(first, bank_user, date(2014, 1, 6)).member.quota_yuan = D("5000000")
    for _ in range(3):
        register_cover(disburse(amount="500000", on=date(2014, 1, 6)), bank_user, date(2014, 1, 6))
    db.session.commit()
    late = disburse(amount="100000", on=date(2014, 2, 10))
    assert refused_rule(late, bank_user, date(2014, 2, 10)) == "leverage"
    # 100,000 of the first loan repaid: 1,900,000 outstanding leaves room for 100,000.
    record_repayment(first, amount_yuan="100000", paid_on=date(2014, 2, 6), actor=bank_user)
    assert funds.covered_outstanding(pool.id) == D("1900000.00")
    assert register_cover(late, bank_user, date(2014, 2, 10)).covered_principal_yuan == D(
        "100000.00"
    )
    assert funds.leverage(pool.id) == D("2.00")


def test_leverage_refuses_what_the_funds_cannot_back(db, pool, disburse, bank_user, pin_today):
    pool.leverage_limit = D("0.9")  # 900,000 of covered outstanding at most
    register_cover(disburse(amount="500000", on=date(2014, 1, 6), rate="0", term=5), bank_user)
    assert refused_rule(disburse(amount="400001", on=date(2014, 1, 6)), bank_user, None) == (
        "leverage"
    )
    loan = disburse(amount="400000", on=date(2014, 1, 6))
    assert register_cover(loan, bank_user).covered_principal_yuan == D("400000.00")


def test_withdrawal_before_a_claim_frees_the_cover_and_a_reversal_withdraws_it(
    db, pool, disburse, bank_user
):
    loan = disburse(amount="300000", on=date(2014, 3, 3))
    registration = register_cover(loan, bank_user, date(2014, 3, 3))
    withdraw_cover(registration, bank_user, date(2014, 3, 3))
    assert funds.covered_outstanding(pool.id) == D("0.00")
    other = disburse(amount="300000", on=date(2014, 3, 3))
    other_registration = register_cover(other, bank_user, date(2014, 3, 3))
    reverse_disbursement(other.disbursement, bank_user, "录入错误")
    assert other_registration.withdrawn_on == date(2014, 3, 3)
    assert funds.covered_outstanding(pool.id) == D("0.00")


@pytest.fixture
def defaulted(db, pool, disburse, bank_user, pin_today):
    """A covered loan of 100,000 at 0 % over 10 months from 2014-01-15, never repaid: its
    first instalment fell due on Monday 2014-02-17 (the 15th was a Saturday)."""
    loan = disburse(amount="100000", on=date(2014, 1, 15), rate="0", term=10)
    registration = register_cover(loan, bank_user, date(2014, 1, 20))
    db.session.commit()
    return registration


def test_a_claim_waits_for_90_days_past_due(db, defaulted, bank_user, pin_today):
    pin_today(date(2014, 5, 17))  # 89 days after 2014-02-17
    with pytest.raises(DomainError):
        file_claim(defaulted, bank_user, "催收记录", date(2014, 5, 17))
    pin_today(date(2014, 5, 18))
    claim = file_claim(defaulted, bank_user, "催收记录", date(2014, 5, 18))
    # Outstanding 100,000 × 50 % cover.
    assert (claim.days_past_due, claim.claimed_yuan) == (90, D("50000.00"))
    with pytest.raises(Conflict):
        file_claim(defaulted, bank_user, "again", date(2014, 5, 18))
    with pytest.raises(Conflict):
        withdraw_cover(defaulted, bank_user)


def test_the_claim_is_rounded_down_so_it_never_exceeds_the_cover(
    db, pool, disburse, bank_user, pin_today
):
    loan = disburse(amount="99999.99", on=date(2014, 1, 15), rate="0", term=10)
    registration = register_cover(loan, bank_user, date(2014, 1, 20))
    registration.member.cover_ratio = D("0.3333")
    pin_today(date(2014, 6, 1))
    # 99,999.99 × 0.3333 = 33,329.996667: 33,329.99, not 33,330.00.
    assert file_claim(registration, bank_user, "诉讼").claimed_yuan == D("33329.99")


def test_decisions_need_reasons_and_pay_once_within_the_balance(
    db, pool, defaulted, bank_user, make, pin_today
):
    commission = make.user(Role.ADMIN)
    pin_today(date(2014, 6, 3))
    claim = file_claim(defaulted, bank_user, "催收记录")
    with pytest.raises(DomainError):
        decide_claim(claim, commission, "reject", reason=" ")
    with pytest.raises(DomainError):
        decide_claim(claim, commission, "approve_less", amount_yuan="50000.01", reason="多报")
    decide_claim(claim, commission, "approve_less", amount_yuan="45000", reason="扣除已收回部分")
    with pytest.raises(AlreadyDecided):
        decide_claim(claim, commission, "approve")
    pay_claim(claim, commission)
    with pytest.raises(AlreadyDecided):
        pay_claim(claim, commission)
    assert claim.status == ClaimStatus.PAID
    assert funds.balance(pool.id) == D("955000.00")
    # Paid out, the loan no longer counts in the covered book.
    assert funds.covered_outstanding(pool.id) == D("0.00")


def test_a_payout_never_takes_the_balance_below_zero(db, make, disburse, bank_user, pin_today):
    small = funds.create_pool(2014, "区级风险保证金")
    funds.contribute(small, "北辰区", "40000", date(2014, 1, 2))
    funds.admit(
        small,
        bank_user.institution,
        cover_ratio="0.5",
        per_loan_cap_yuan="500000",
        quota_yuan="500000",
        on=date(2014, 1, 2),
    )
    loan = disburse(amount="100000", on=date(2014, 1, 15), rate="0", term=10)
    registration = register_cover(loan, bank_user, date(2014, 1, 20))
    pin_today(date(2014, 6, 3))
    claim = decide_claim(
        file_claim(registration, bank_user, "催收记录"), make.user(Role.ADMIN), "approve"
    )
    # 50,000 approved against a balance of 40,000: the payout is refused, the balance kept.
    with pytest.raises(DomainError):
        pay_claim(claim, bank_user)
    assert claim.status == ClaimStatus.APPROVED
    assert funds.balance(small.id) == D("40000.00")


def test_recoveries_flow_back_in_the_share_the_pool_paid(
    db, pool, defaulted, bank_user, make, pin_today
):
    commission = make.user(Role.ADMIN)
    pin_today(date(2014, 6, 3))
    claim = pay_claim(
        decide_claim(file_claim(defaulted, bank_user, "催收记录"), commission, "approve"),
        commission,
    )
    pin_today(date(2014, 9, 30))
    with pytest.raises(DomainError):
        record_recovery(claim, bank_user, "100", date(2014, 6, 2))  # before the payout
    # The pool paid 50,000 of the 100,000 outstanding: half of each recovery is its share.
    first = record_recovery(claim, bank_user, "30000.01", date(2014, 8, 1))
    assert first.pool_share_yuan == D("15000.00")  # 15,000.005 rounded down
    with pytest.raises(DomainError):
        record_recovery(claim, bank_user, "70000", date(2014, 9, 1))  # beyond what was owed
    # Balance identity: 1,000,000 − 50,000 + 15,000.
    assert funds.balance(pool.id) == D("965000.00")
    assert funds.recovered(pool.id) == D("15000.00")


def test_a_voided_or_settled_loan_is_not_registered(db, pool, disburse, bank_user, pin_today):
    loan = disburse(amount="30000", on=date(2014, 3, 3), rate="0", term=3)
    record_repayment(loan, amount_yuan="30000", paid_on=date(2014, 3, 3), actor=bank_user)
    assert refused_rule(loan, bank_user, date(2014, 3, 3)) == "live"
    other = disburse(amount="30000", on=date(2014, 3, 3), rate="0", term=3)
    reverse_disbursement(other.disbursement, bank_user, "录入错误")
    assert refused_rule(other, bank_user, date(2014, 3, 3)) == "live"


def test_the_firms_size_is_read_as_it_was_on_the_disbursement_day(
    db, pool, make, disburse, bank_user, pin_today
):
    firm = make.enterprise(employees=120)
    loan = disburse(amount="300000", on=date(2014, 3, 3), firm=firm)
    # The firm grows past the tech-SME bound after the loan; the loan stays eligible.
    pin_today(date(2014, 3, 20))
    firm.employees = 650
    db.session.commit()
    assert register_cover(loan, bank_user, date(2014, 3, 20)).covered_principal_yuan == D(
        "300000.00"
    )


def test_covered_outstanding_counts_the_covered_loans_repayments_as_of_a_day(
    db, pool, disburse, bank_user, pin_today
):
    covered = disburse(amount="400000", on=date(2014, 1, 6), rate="0", term=12)
    register_cover(covered, bank_user, date(2014, 1, 6))
    uncovered = disburse(amount="300000", on=date(2014, 1, 6), rate="0", term=12)
    pin_today(date(2014, 3, 20))
    record_repayment(covered, amount_yuan="100000", paid_on=date(2014, 2, 10), actor=bank_user)
    mistaken, _ = record_repayment(
        covered, amount_yuan="50000", paid_on=date(2014, 3, 10), actor=bank_user
    )
    record_repayment(uncovered, amount_yuan="300000", paid_on=date(2014, 2, 10), actor=bank_user)
    reverse_repayment(mistaken, bank_user, "重复录入")  # dated 20 March, the day it was undone
    db.session.commit()
    # Only the covered loan's repayments count: 400,000 before 10 February, 300,000 after the
    # first repayment, 250,000 after the second, 300,000 again once it is reversed.
    assert funds.covered_outstanding(pool.id, as_of=date(2014, 2, 9)) == D("400000.00")
    assert funds.covered_outstanding(pool.id, as_of=date(2014, 3, 10)) == D("250000.00")
    assert funds.covered_outstanding(pool.id, as_of=date(2014, 3, 20)) == D("300000.00")
    assert funds.covered_outstanding(pool.id) == D("300000.00")
