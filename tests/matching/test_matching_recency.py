"""The recency ladder of the shares counts back from the request's day, but never from a day
after the history's latest decision: a request scored long after the history sees the lenders
as they stood at its end, as every training request saw them."""

from __future__ import annotations

import numpy as np
import pytest

from matching.history import InstitutionHistory
from matching.schema import History

A, B = 1, 2


def _history() -> History:
    # A lent on days 0 and 10; B on day 1500, the history's latest decision.
    days = np.array([0, 10, 1500])
    institution = np.array([A, A, B])
    n = len(days)
    return History(
        request_id=np.arange(n),
        product_id=institution * 10,
        institution_id=institution,
        industry=np.zeros(n),
        district=np.zeros(n),
        size_band=np.zeros(n),
        decided_at=days,
        outcome=np.full(n, 3),
        enterprise_id=np.arange(n) + 100,
        amount_band=np.zeros(n),
        term_band=np.zeros(n),
        new_firm=np.zeros(n),
    )


def _recent_share(day: int) -> np.ndarray:
    index = InstitutionHistory(_history(), window_days=None)
    rows = index.institution_rows(np.array([A, B]))
    return np.exp(index.institution_rates(rows, 0, 0, 0, day)["inst_log_recent_share"])


def test_a_request_after_the_history_sees_the_shares_of_its_last_day():
    # On day 1501 B's loan is within a year (weight 3), A's two loans are older than three years
    # (weight 1 each): 3 and 2 of 5 weighted approvals, shrunk by 5 towards an equal split.
    expected = (np.array([2, 3]) + 5 * 0.5) / (5 + 5)
    assert _recent_share(1501) == pytest.approx(expected)
    # Two years later nothing new was decided, and the weights stay as they were.
    assert _recent_share(1501 + 730) == pytest.approx(expected)
