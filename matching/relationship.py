"""Relationship features: the firm's own past with each institution, and its lenders' co-lenders.

A firm that borrowed from an institution before tends to go back to it; one that was rejected
by it seldom returns; and institutions that lend to the same firms as the firm's lenders (its
lenders' co-lenders) are likely next. For a request of firm f posted on day t, every count
uses only decisions made before t (decided_at < t), over the whole history (a relationship
does not lapse after a year):

* ``rel_log_applied``, ``rel_log_borrowed``, ``rel_log_rejected``: log(1 + the firm's
  applications to the institution / those disbursed / those rejected);
* ``rel_colender_share``: among every earlier firm that borrowed from one of f's lenders and
  from some other institution too, the part that borrowed from this institution (0 when f has
  no lender yet): a co-lending pair counts from the later of its two first approvals;
* ``rel_firm_log_applications``: log(1 + the firm's applications to anyone), which tells a
  firm with a past apart from one with none.

History rows with an unknown firm (enterprise id -1) count in none of these.
"""

from __future__ import annotations

import numpy as np

from matching.schema import OUTCOME_APPROVED

RELATIONSHIP_FEATURES: tuple[str, ...] = (
    "rel_log_applied",
    "rel_log_borrowed",
    "rel_log_rejected",
    "rel_colender_share",
    "rel_firm_log_applications",
)
_NO_START = np.iinfo(np.int64).min // 4


def _ranges(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (owner, position): every position of the ranges [lo, hi), with its range's index."""
    count = np.maximum(hi - lo, 0)
    owner = np.repeat(np.arange(len(lo)), count)
    first = np.repeat(np.cumsum(count) - count, count)
    return owner, lo[owner] + (np.arange(len(owner)) - first)


class RelationshipIndex:
    """Per (firm, institution) decision counts and co-lending pairs, as of any day."""

    def __init__(
        self,
        enterprise_id: np.ndarray,
        institution: np.ndarray,
        days: np.ndarray,
        outcome: np.ndarray,
        n_institutions: int,
        index,
    ):
        """Index the decisions; ``index(keys, days=None)`` builds a cumulative-count index
        (``InstitutionHistory``'s) over the history's rows or over the given days."""
        known = enterprise_id >= 0
        self.firms = np.unique(enterprise_id[known])
        firm = np.searchsorted(self.firms, enterprise_id).astype(np.int64)
        self.radix = n_institutions + 1
        inst = institution.astype(np.int64)
        self._pair = index(np.where(known, firm * self.radix + inst, -1))
        self._firm = index(np.where(known, firm, -1))
        # First approval of each (firm, institution): the firm's lenders, by firm then day.
        approved = known & (outcome >= OUTCOME_APPROVED)
        key = firm[approved] * self.radix + inst[approved]
        order = np.lexsort((days[approved], key))
        key, first = np.unique(key[order], return_index=True)
        lender_day = days[approved][order][first]
        lender_firm, lender_inst = key // self.radix, key % self.radix
        order = np.lexsort((lender_day, lender_firm))
        self.lender_firm = lender_firm[order]
        self.lender_inst = lender_inst[order]
        self.lender_day = lender_day[order]
        self.firm_start = np.searchsorted(self.lender_firm, np.arange(len(self.firms) + 1))
        # Co-lending pairs (i, j), i ≠ j, of every firm, dated by the later first approval.
        size = np.diff(self.firm_start)[self.lender_firm]
        left, right = _ranges(
            np.arange(len(self.lender_firm)),
            np.arange(len(self.lender_firm)) + size,
        )
        right = self.firm_start[self.lender_firm[left]] + (right - left)
        keep = right != left
        left, right = left[keep], right[keep]
        pair_day = np.maximum(self.lender_day[left], self.lender_day[right])
        self._co = index(self.lender_inst[left] * self.radix + self.lender_inst[right], pair_day)
        self._co_any = index(self.lender_inst[left], pair_day)

    def features(
        self, enterprise_id: np.ndarray, institution: np.ndarray, cutoff: np.ndarray
    ) -> dict[str, np.ndarray]:
        """Return RELATIONSHIP_FEATURES for each (firm, institution row, cutoff), broadcast."""
        enterprise_id, institution, cutoff = np.broadcast_arrays(
            np.asarray(enterprise_id, dtype=np.int64),
            np.asarray(institution, dtype=np.int64),
            np.asarray(cutoff, dtype=np.int64),
        )
        shape = enterprise_id.shape
        out = {name: np.zeros(shape) for name in RELATIONSHIP_FEATURES}
        if len(self.firms) == 0:
            return out
        pos = np.minimum(np.searchsorted(self.firms, enterprise_id), len(self.firms) - 1)
        known = self.firms[pos] == enterprise_id
        if not known.any():
            return out
        firm = np.where(known, pos, 0).astype(np.int64)
        start = np.full(shape, _NO_START)
        n, _, disbursed = self._pair.counts(firm * self.radix + institution, known, start, cutoff)
        rejected = self._pair.rejections(firm * self.radix + institution, known, start, cutoff)
        firm_n, _, _ = self._firm.counts(firm, known, start, cutoff)
        out["rel_log_applied"] = np.log1p(n)
        out["rel_log_borrowed"] = np.log1p(disbursed)
        out["rel_log_rejected"] = np.log1p(rejected)
        out["rel_firm_log_applications"] = np.log1p(firm_n)
        out["rel_colender_share"] = self._colender_share(
            firm.reshape(-1), known.reshape(-1), institution.reshape(-1), cutoff.reshape(-1)
        ).reshape(shape)
        return out

    def _colender_share(
        self, firm: np.ndarray, known: np.ndarray, institution: np.ndarray, cutoff: np.ndarray
    ) -> np.ndarray:
        """Return each query's co-lender share (flat arrays)."""
        lo = np.where(known, self.firm_start[firm], 0)
        hi = np.where(known, self.firm_start[firm + 1], 0)
        query, row = _ranges(lo, hi)
        before = self.lender_day[row] < cutoff[query]
        query, row = query[before], row[before]
        share = np.zeros(len(firm))
        if len(query) == 0:
            return share
        lender = self.lender_inst[row]
        start = np.full(len(query), _NO_START)
        end = cutoff[query]
        _, pairs, _ = self._co.counts(lender * self.radix + institution[query], True, start, end)
        _, total, _ = self._co_any.counts(lender, True, start, end)
        numerator = np.bincount(query, weights=pairs, minlength=len(firm))
        denominator = np.bincount(query, weights=total, minlength=len(firm))
        np.divide(numerator, denominator, out=share, where=denominator > 0)
        return share
