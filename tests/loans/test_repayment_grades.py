"""The ranking's history carries repayment: a defaulted loan is graded no success, and its
default is dated by the first month end on which it was on record."""

from __future__ import annotations

from datetime import date

from finplatform.loans.services import record_repayment
from finplatform.ranking.catalogue_rows import categories
from finplatform.ranking.repayment import with_repayment
from finplatform.ranking.tables import application_history
from matching.grades import training_grades

EPOCH = date(1970, 1, 1)


def test_a_default_is_dated_when_on_record_and_graded_no_success(
    db, disburse, bank_user, pin_today
):
    good = disburse(amount="30000", on=date(2014, 1, 15), rate="0", term=3)
    bad = disburse(amount="30000", on=date(2014, 1, 15), rate="0", term=3)
    pin_today(date(2014, 6, 30))
    for day in (date(2014, 2, 17), date(2014, 3, 17), date(2014, 4, 15)):
        record_repayment(good, amount_yuan="10000", paid_on=day, actor=bank_user)
    history = with_repayment(application_history(categories()), date(2014, 6, 30))
    row = {request: i for i, request in enumerate(history.request_id.tolist())}
    good_row = row[good.disbursement.application.request_id]
    bad_row = row[bad.disbursement.application.request_id]
    # The bad loan's first instalment fell due on 2014-02-17: 72 days past due on 30 April,
    # 103 on 31 May, so the May month end is the first that finds it in default.
    assert history.defaulted_at[bad_row] == (date(2014, 5, 31) - EPOCH).days
    assert history.defaulted_at[good_row] == -1
    assert (history.repayment[good_row], history.repayment[bad_row]) == (1, 3)
    # Both were disbursed (3); the defaulted one is graded with the rejections (1).
    assert history.outcome[bad_row] == 3
    assert (training_grades(history)[good_row], training_grades(history)[bad_row]) == (3, 1)


def test_each_default_is_dated_by_its_own_first_month_end(db, disburse, bank_user, pin_today):
    never = disburse(amount="30000", on=date(2014, 1, 15), rate="0", term=3)
    once = disburse(amount="30000", on=date(2014, 1, 15), rate="0", term=3)
    paid = disburse(amount="30000", on=date(2014, 1, 15), rate="0", term=3)
    pin_today(date(2014, 7, 20))
    record_repayment(once, amount_yuan="10000", paid_on=date(2014, 2, 17), actor=bank_user)
    for day in (date(2014, 2, 17), date(2014, 3, 17), date(2014, 4, 15)):
        record_repayment(paid, amount_yuan="10000", paid_on=day, actor=bank_user)
    history = with_repayment(application_history(categories()), date(2014, 7, 20))
    row = {request: i for i, request in enumerate(history.request_id.tolist())}

    def dated(loan) -> int:
        return int(history.defaulted_at[row[loan.disbursement.application.request_id]])

    # Unpaid since 2014-02-17: 103 days past due on 31 May. Paid once, then unpaid since
    # 2014-03-17: 75 days on 31 May, 105 on 30 June, before the day the history is read.
    assert dated(never) == (date(2014, 5, 31) - EPOCH).days
    assert dated(once) == (date(2014, 6, 30) - EPOCH).days
    assert dated(paid) == -1
