"""Loans from disbursements: schedules on working days, repayments allocated oldest first
(penalty, interest, then principal), validated and idempotent, days past due as of a Beijing day."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
import sqlalchemy as sa

from finplatform.deals.disbursements import reverse_disbursement
from finplatform.exceptions import Conflict, DomainError
from finplatform.idempotency import KeyReused
from finplatform.loans.positions import loan_position
from finplatform.loans.services import record_repayment, reverse_repayment
from finplatform.models import LoanStatus, Repayment, RepaymentKind


def pay(loan, user, amount, on, key=None):
    return record_repayment(loan, amount_yuan=amount, paid_on=on, actor=user, idempotency_key=key)


def test_a_disbursement_opens_a_loan_whose_due_dates_roll_past_national_day(disburse):
    loan = disburse(amount="120000", on=date(2014, 9, 1), rate="6", term=3)
    assert loan.repayment_kind == RepaymentKind.EQUAL_INSTALMENT
    # 2014-10-01 to 07 is the National Day holiday: the first instalment is due on the 8th.
    assert [line.due_on for line in loan.instalments] == [
        date(2014, 10, 8),
        date(2014, 11, 3),  # 2014-11-01 is a Saturday
        date(2014, 12, 1),
    ]
    assert sum(line.principal_yuan for line in loan.instalments) == D("120000.00")


def test_a_late_repayment_pays_penalty_then_interest_then_principal_of_the_oldest_instalment(
    db, disburse, bank_user, pin_today
):
    # 100,000 at 6 % over 12 months: 8,606.64 a month; instalment 1 is 500.00 interest and
    # 8,106.64 principal, instalment 2 459.47 interest and 8,147.17 principal. Penalty: the
    # product's default markup of 50 %, so 9 % a year, by the day on a 360-day year.
    loan = disburse(amount="100000", on=date(2014, 1, 15), rate="6", term=12)
    assert loan.penalty_rate == D("9")
    # 2014-02-15 is a Saturday: instalment 1 is due Monday 2014-02-17; instalment 2 2014-03-17.
    assert [line.due_on for line in loan.instalments[:2]] == [date(2014, 2, 17), date(2014, 3, 17)]
    pin_today(date(2014, 3, 20))
    repayment, created = pay(loan, bank_user, "9000", date(2014, 3, 20))
    db.session.commit()
    parts = sorted(
        (part.instalment.number, part.penalty_yuan, part.interest_yuan, part.principal_yuan)
        for part in repayment.allocations
    )
    # Instalment 1, 31 days late across the end of February (11 + 20 days):
    # 8,106.64 × 9 % × 31 / 360 = 62.826… → 62.83, then 500.00 + 8,106.64.
    # Instalment 2, 3 days late: 8,147.17 × 9 % × 3 / 360 = 6.110… → 6.11; the 324.42 left
    # (9,000 − 8,669.47 − 6.11) go to its interest.
    assert created
    assert parts == [
        (1, D("62.83"), D("500.00"), D("8106.64")),
        (2, D("6.11"), D("324.42"), D("0.00")),
    ]
    position = loan_position(loan, date(2014, 3, 20))
    assert position.outstanding_principal == D("91893.36")
    # Instalment 2 still lacks 135.05 of interest and its principal.
    assert position.status == LoanStatus.OVERDUE
    assert position.days_past_due == 3
    assert position.overdue_amount == D("8282.22")
    # Ten days on, its 8,147.17 has been overdue 13 days, 3 of them paid for:
    # 8,147.17 × 9 % × 13 / 360 = 26.478… → 26.48 accrued, 20.37 still owed.
    later = loan_position(loan, date(2014, 3, 30)).instalments[1]
    assert (later.penalty_accrued, later.penalty_unpaid) == (D("26.48"), D("20.37"))


def test_days_past_due_count_calendar_days_from_the_rolled_due_date(db, disburse, pin_today):
    # Disbursed 2013-12-31: due 2014-01-31, the first day of the Spring Festival holiday
    # (31 Jan – 6 Feb 2014), so it rolls to Friday 2014-02-07.
    loan = disburse(amount="50000", on=date(2013, 12, 31), rate="6", term=6)
    assert loan.instalments[0].due_on == date(2014, 2, 7)
    assert loan_position(loan, date(2014, 2, 7)).status == LoanStatus.CURRENT
    assert loan_position(loan, date(2014, 2, 8)).days_past_due == 1
    # Across the end of February (28 days): 7 Feb → 1 Mar is 22 days.
    assert loan_position(loan, date(2014, 3, 1)).days_past_due == 22
    # 7 Feb → 31 Dec 2014 is 327 days, counted from the oldest unpaid instalment.
    assert loan_position(loan, date(2014, 12, 31)).days_past_due == 327
    # Penalty interest runs from the rolled due date too: 8,479.77 a month, instalment 1 is
    # 250.00 interest and 8,229.77 principal; at 9 % / 360 that is 2.057… a day: nothing on
    # 7 Feb, 2.06 on the 8th, and 23 days (to 2 Mar, across February's end) 47.32.
    first = loan.instalments[0]
    assert first.principal_yuan == D("8229.77")
    assert loan_position(loan, date(2014, 2, 7)).instalments[0].penalty_accrued == D("0.00")
    assert loan_position(loan, date(2014, 2, 8)).instalments[0].penalty_accrued == D("2.06")
    assert loan_position(loan, date(2014, 3, 2)).instalments[0].penalty_accrued == D("47.32")


def test_paying_on_time_keeps_the_loan_current_and_paying_everything_settles_it(
    db, disburse, bank_user, pin_today
):
    loan = disburse(amount="30000", on=date(2014, 4, 10), rate="0", term=3)
    pin_today(date(2014, 12, 1))
    pay(loan, bank_user, "10000", date(2014, 5, 9))
    assert loan_position(loan, date(2014, 6, 9)).status == LoanStatus.CURRENT
    # Prepaying the rest on 2014-06-01 settles the loan before its last due dates.
    pay(loan, bank_user, "20000", date(2014, 6, 1))
    db.session.commit()
    assert loan_position(loan, date(2014, 6, 1)).status == LoanStatus.SETTLED
    assert loan_position(loan, date(2014, 5, 20)).outstanding_principal == D("20000.00")


@pytest.mark.parametrize(
    ("amount", "paid_on", "field"),
    [
        ("0", date(2014, 3, 1), "amount_yuan"),
        ("-5", date(2014, 3, 1), "amount_yuan"),
        ("1.234", date(2014, 3, 1), "amount_yuan"),
        ("30000.01", date(2014, 3, 1), "amount_yuan"),  # more than everything owed
        ("100", date(2014, 1, 14), "paid_on"),  # before the disbursement
        ("100", date(2014, 3, 2), "paid_on"),  # after today (pinned to 2014-03-01)
    ],
)
def test_bad_repayments_are_refused_naming_the_field(
    db, disburse, bank_user, pin_today, amount, paid_on, field
):
    loan = disburse(amount="30000", on=date(2014, 1, 15), rate="0", term=3)
    pin_today(date(2014, 3, 1))
    with pytest.raises(DomainError) as refused:
        pay(loan, bank_user, amount, paid_on)
    assert refused.value.field == field
    assert db.session.scalar(sa.select(sa.func.count(Repayment.id))) == 0


def test_the_same_key_records_once_and_another_body_under_it_is_refused(
    db, disburse, bank_user, pin_today
):
    loan = disburse(amount="30000", on=date(2014, 1, 15), rate="0", term=3)
    pin_today(date(2014, 3, 1))
    first, created = pay(loan, bank_user, "1000", date(2014, 2, 14), key="r-1")
    db.session.commit()
    again, created_again = pay(loan, bank_user, "1000", date(2014, 2, 14), key="r-1")
    assert (created, created_again, again.id) == (True, False, first.id)
    with pytest.raises(KeyReused):
        pay(loan, bank_user, "2000", date(2014, 2, 14), key="r-1")
    assert db.session.scalar(sa.select(sa.func.count(Repayment.id))) == 1


def test_a_reversed_repayment_leaves_history_and_the_loan_overdue_again(
    db, disburse, bank_user, pin_today
):
    loan = disburse(amount="30000", on=date(2014, 1, 15), rate="0", term=3)
    pin_today(date(2014, 3, 1))
    repayment, _ = pay(loan, bank_user, "10000", date(2014, 2, 17))
    db.session.commit()
    assert loan_position(loan, date(2014, 3, 1)).status == LoanStatus.CURRENT
    reverse_repayment(repayment, bank_user, "退票")
    db.session.commit()
    # The first instalment (due Monday 2014-02-17) is unpaid again: 12 days past due.
    assert loan_position(loan, date(2014, 3, 1)).days_past_due == 12
    assert db.session.scalar(sa.select(sa.func.count(Repayment.id))) == 2
    with pytest.raises(Conflict):
        reverse_repayment(repayment, bank_user, "again")


def test_a_full_reversal_of_the_disbursement_voids_the_loan(db, disburse, bank_user, pin_today):
    loan = disburse(amount="30000", on=date(2014, 1, 15), rate="0", term=3)
    pin_today(date(2014, 3, 1))
    reverse_disbursement(loan.disbursement, bank_user, "录入错误")
    db.session.commit()
    assert loan_position(loan, date(2014, 3, 1)).status == LoanStatus.VOIDED
    with pytest.raises(Conflict):
        pay(loan, bank_user, "100", date(2014, 2, 1))
