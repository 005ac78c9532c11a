"""Training grades: a loan that defaulted is not a success."""

from __future__ import annotations

import numpy as np

from matching.grades import training_grades
from matching.schema import History


def test_a_defaulted_loan_is_graded_with_the_rejections_and_a_late_one_keeps_its_grade():
    # disbursed & performing, disbursed & late, disbursed & defaulted, approved (no loan yet),
    # rejected, ignored, disbursed with repayment unknown.
    outcome = np.array([3, 3, 3, 2, 1, 0, 3])
    repayment = np.array([1, 2, 3, 0, 0, 0, -1])
    n = len(outcome)
    history = History(
        request_id=np.arange(n),
        product_id=np.arange(n),
        institution_id=np.ones(n),
        industry=np.zeros(n),
        district=np.zeros(n),
        size_band=np.zeros(n),
        decided_at=np.arange(n),
        outcome=outcome,
        repayment=repayment,
    )
    assert training_grades(history).tolist() == [3, 3, 1, 2, 1, 0, 3]
