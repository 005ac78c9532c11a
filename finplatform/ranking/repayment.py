"""Repayment in the ranking's history: each application's repayment outcome as of a day (which
grades the training, `matching.grades`) and the day its default was known (which the loss-rate
features count from, `matching.losses`)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from finplatform.loans.outcomes import (
    RepaymentOutcome,
    application_pairs,
    loans_by_application,
    outcomes_by_pair,
    worst_outcomes,
)
from finplatform.loans.positions import PositionBook
from finplatform.models import Loan
from matching.schema import History

EPOCH = date(1970, 1, 1)


def _day(day: date) -> int:
    return (day - EPOCH).days


def repayment_outcomes(history: History, as_of: date) -> np.ndarray:
    """Per history row, its loans' repayment outcome as of a day (`RepaymentOutcome`: 0 no
    loan, 1 performing, 2 late, 3 defaulted), for the training to grade with."""
    return _by_row(history, outcomes_by_pair(as_of))


def _by_row(
    history: History,
    by_pair: dict[tuple[int, int], RepaymentOutcome],
    rows: np.ndarray | slice = slice(None),
) -> np.ndarray:
    """Per history row (of `rows`), its (request, product) pair's outcome (0 when none)."""
    return np.array(
        [
            int(by_pair.get((request, product), 0))
            for request, product in zip(
                history.request_id[rows].tolist(), history.product_id[rows].tolist(), strict=True
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
    counts as performing. The loans and their repayments are read once: each month end then
    recomputes the positions of the loans of applications in default on `as_of` only (no
    other application's outcome can be defaulted on that day, as `repayment_outcomes` would
    find it).
    """
    loans = loans_by_application(as_of)
    pairs = application_pairs({application for _, application in loans})
    book = PositionBook([loan for loan, _ in loans])
    repayment = _by_row(history, _outcomes_by_pair(book, loans, pairs, as_of))
    defaulted_at = np.full(len(history), -1, dtype=np.int64)
    waiting = repayment == RepaymentOutcome.DEFAULTED
    if waiting.any():
        rows = np.flatnonzero(waiting)
        in_default = set(
            zip(history.request_id[rows].tolist(), history.product_id[rows].tolist(), strict=True)
        )
        pairs = [pair for pair in pairs if (pair[1], pair[2]) in in_default]
        applications = {application for application, _, _ in pairs}
        suspects = [(loan, a) for loan, a in loans if a in applications]
        book = PositionBook([loan for loan, _ in suspects])
        first = EPOCH + timedelta(days=int(history.decided_at[rows].min()))
        check = date(first.year, first.month, 1)
        while len(rows) and check < as_of:
            check = min(_next_month(check), as_of)
            month_end = check - timedelta(days=1) if check < as_of else as_of
            by_pair = _outcomes_by_pair(book, suspects, pairs, month_end)
            found = _by_row(history, by_pair, rows) == RepaymentOutcome.DEFAULTED
            defaulted_at[rows[found]] = _day(month_end)
            rows = rows[~found]
        defaulted_at[rows] = _day(as_of)
    history.repayment = repayment.astype(np.int8)
    history.defaulted_at = defaulted_at
    return history


def _outcomes_by_pair(
    book: PositionBook,
    loans: list[tuple[Loan, int]],
    pairs: list[tuple[int, int, int]],
    day: date,
) -> dict[tuple[int, int], RepaymentOutcome]:
    """(request id, product id) → outcome on `day` of the loans disbursed by then, as
    `outcomes_by_pair` gives it, from loans and pairs read once."""
    current = [(loan, application) for loan, application in loans if loan.disbursed_on <= day]
    by_application = worst_outcomes(book, current, day)
    return {
        (request, product): by_application[application]
        for application, request, product in pairs
        if application in by_application
    }


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)
