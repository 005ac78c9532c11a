"""Loss rates: how often an institution's loans to firms like this one ended in default.

For a request posted on day t, an institution's loss rate counts its loans disbursed before t
and, among them, those whose default was known before t (``History.defaulted_at`` < t): a
default that came later is not known on the request's day. Rates use the whole history before
t (no window: loans take years to default) and shrink like every other rate: the industry's
rate towards the institution's, the institution's towards every institution's, that towards
``GLOBAL_LOSS_PRIOR``.

* ``inst_loss_rate``: the institution's loss rate over all its loans;
* ``inst_loss_rate_industry``: its loss rate with firms of the request's industry.
"""

from __future__ import annotations

import numpy as np

from matching.schema import OUTCOME_DISBURSED

LOSS_FEATURES: tuple[str, ...] = ("inst_loss_rate", "inst_loss_rate_industry")
GLOBAL_LOSS_PRIOR = 0.05
LOSS_PRIOR_STRENGTH = 20.0
_NO_START = np.iinfo(np.int64).min // 4


def _shrink(losses: np.ndarray, loans: np.ndarray, prior, strength: float) -> np.ndarray:
    return (losses + strength * prior) / (loans + strength)


class LossIndex:
    """Loans and known defaults per institution and per (institution, industry), as of any day."""

    def __init__(
        self,
        institution: np.ndarray,
        industry: np.ndarray,
        n_industries: int,
        outcome: np.ndarray,
        defaulted_at: np.ndarray,
        index,
    ):
        """Index disbursements by their decision day and defaults by the day they were known;
        ``index(keys, on_days=None)`` is ``InstitutionHistory``'s cumulative-count builder."""
        inst = institution.astype(np.int64)
        self.n_industries = n_industries
        loan = outcome == OUTCOME_DISBURSED
        defaulted = loan & (defaulted_at >= 0)
        by_industry = inst * n_industries + industry
        self._loans = index(np.where(loan, inst, -1))
        self._loans_industry = index(np.where(loan, by_industry, -1))
        self._loans_all = index(np.where(loan, 0, -1))
        days = defaulted_at[defaulted]
        self._defaults = index(inst[defaulted], days)
        self._defaults_industry = index(by_industry[defaulted], days)
        self._defaults_all = index(np.zeros(int(defaulted.sum()), dtype=np.int64), days)

    def rates(
        self, inst: np.ndarray, known: np.ndarray, industry: np.ndarray, cutoff: np.ndarray
    ) -> dict[str, np.ndarray]:
        """Return the LOSS_FEATURES of institution rows for requests of ``industry`` before
        ``cutoff`` (arguments broadcast together)."""
        end = np.asarray(cutoff, dtype=np.int64)
        start = np.full_like(end, _NO_START)
        ind_ok = known & (industry >= 0) & (industry < self.n_industries)
        zero = np.zeros_like(end)
        _, _, loans = self._loans_all.counts(zero, True, start, end)
        _, losses, _ = self._defaults_all.counts(zero, True, start, end)
        overall = _shrink(losses, loans, GLOBAL_LOSS_PRIOR, LOSS_PRIOR_STRENGTH)
        _, _, loans = self._loans.counts(inst, known, start, end)
        _, losses, _ = self._defaults.counts(inst, known, start, end)
        rate = _shrink(losses, loans, overall, LOSS_PRIOR_STRENGTH)
        key = inst * self.n_industries + industry
        _, _, loans = self._loans_industry.counts(key, ind_ok, start, end)
        _, losses, _ = self._defaults_industry.counts(key, ind_ok, start, end)
        return {
            "inst_loss_rate": rate,
            "inst_loss_rate_industry": _shrink(losses, loans, rate, LOSS_PRIOR_STRENGTH),
        }
