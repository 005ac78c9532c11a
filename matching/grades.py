"""Training grades: what counts as a success when the model learns who lends to whom.

An application's grade starts from its decision (``OUTCOMES``: disbursed 3, approved 2,
rejected 1, ignored 0). A disbursed loan that later *defaulted* (90 days or more past due, or
written off; ``History.repayment`` = ``REPAYMENT_DEFAULTED``) is not a success: it is graded 1,
with the rejections. Reasons:

* the model's target is "approved or disbursed" (grade ≥ 2): a loan that ends in a loss is a
  match neither side should want repeated, so it must not teach the model to recommend it;
* it stays above an application nobody answered (0): the firm did want that institution's
  money and the institution did say yes once, as with a rejection the pair was a real contact;
* a *late* loan (1–89 days past due) keeps its grade: most arrears are paid up, and grading
  them down would punish institutions for lending to firms that are merely slow in one month.

Grades use the repayment outcome known when the model is trained; the *features* of a request
never see a repayment after the request's day (``matching.losses``).
"""

from __future__ import annotations

import numpy as np

from matching.schema import OUTCOME_DISBURSED, OUTCOME_REJECTED, History

REPAYMENT_UNKNOWN, REPAYMENT_NO_LOAN, REPAYMENT_PERFORMING = -1, 0, 1
REPAYMENT_LATE, REPAYMENT_DEFAULTED = 2, 3
"""``History.repayment`` codes (the platform's ``RepaymentOutcome``; -1 when not known)."""


def training_grades(history: History) -> np.ndarray:
    """Return each history row's grade: its outcome, a defaulted disbursement graded 1."""
    defaulted = (history.outcome == OUTCOME_DISBURSED) & (history.repayment == REPAYMENT_DEFAULTED)
    return np.where(defaulted, OUTCOME_REJECTED, history.outcome).astype(np.int8)
