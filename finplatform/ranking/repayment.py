"""Repayment in the ranking's history: each application's repayment outcome as of a day (which
grades the training, `matching.grades`) and the day its default was known (which the loss-rate
features count from, `matching.losses`)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from finplatform.loans.outcomes import RepaymentOutcome, outcomes_by_pair
from matching.schema import History

EPOCH = date(1970, 1, 1)


def _day(day: date) -> int:
    return (day - EPOCH).days


def repayment_outcomes(history: History, as_of: date) -> np.ndarray:
    """Per history row, its loans' repayment outcome as of a day (`RepaymentOutcome`: 0 no
    loan, 1 performing, 2 late, 3 defaulted), for the training to grade with."""
    by_pair = outcomes_by_pair(as_of)
    return np.array(
        [
            int(by_pair.get((request, product), 0))
            for request, product in zip(
                history.request_id.tolist(), history.product_id.tolist(), strict=True
            )
        ],
        dtype=np.int64,
    )


def with_repayment(history: History, as_of: date) -> History:
    """The history with each row's repayment outcome as of `as_of` (`repayment_outcomes`:
    it grades the training, `matching.grades`) and the day each loan's default was known.

    A default is dated by the first month end (from the month of the earliest disbursement
    that is in default on `as_of`) on which `repayment_outcomes` finds it: no earlier than it
    was on record, so the loss rates (`matching.losses`) never count it before a request's
    day that could not have known it. A loan that defaulted and then caught up before `as_of`
    counts as performing.
    """
    repayment = repayment_outcomes(history, as_of)
    defaulted_at = np.full(len(history), -1, dtype=np.int64)
    waiting = repayment == RepaymentOutcome.DEFAULTED
    if waiting.any():
        first = EPOCH + timedelta(days=int(history.decided_at[waiting].min()))
        check = date(first.year, first.month, 1)
        while waiting.any() and check < as_of:
            check = min(_next_month(check), as_of)
            month_end = check - timedelta(days=1) if check < as_of else as_of
            found = waiting & (repayment_outcomes(history, month_end) == RepaymentOutcome.DEFAULTED)
            defaulted_at[found] = _day(month_end)
            waiting &= ~found
        defaulted_at[waiting] = _day(as_of)
    history.repayment = repayment.astype(np.int8)
    history.defaulted_at = defaulted_at
    return history


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)
