"""A time-ordered index of past decisions: institution and product rates as of any day.

For a request posted on day t, only applications decided before t count (decided_at < t), so a
model trained on past requests never sees the outcome it is asked to predict. The index sorts
decisions once by (group, day) and keeps cumulative counts; a rate at any cutoff is then one
``searchsorted`` call (for the window's start and end at once) and a subtraction, for any
number of queries at once.
"""

from __future__ import annotations

import numpy as np

from matching.affinity import AFFINITY_GROUPS, AffinityIndex, profile_bands
from matching.losses import LossIndex
from matching.relationship import RelationshipIndex
from matching.schema import OUTCOME_APPROVED, OUTCOME_DISBURSED, OUTCOME_REJECTED, History

GLOBAL_APPROVAL_PRIOR = 0.3
"""Approval rate assumed before any decision exists."""
GLOBAL_DISBURSEMENT_PRIOR = 0.2
"""Disbursement rate assumed before any decision exists."""
GLOBAL_PRIOR_STRENGTH = 20.0
PRIOR_STRENGTH = 5.0
"""Pseudo-decisions with which a group's rate is shrunk towards its parent's rate."""
RECENCY_LADDER_DAYS: tuple[int, ...] = (365, 3 * 365)
"""Recent shares count an approval once per ladder window it falls in, plus once for the whole
history window: weight 3 within a year, 2 within three years, 1 before. Integer counts keep the
shares exact (a float decay summed over all rows would let later rows change earlier sums in
the last bit) and need no reference day."""
RECENCY_FROM_LATEST_DECISION = True
"""Count the ladder back from the latest decision the history holds when a request comes after
it (otherwise from the request's day): training requests always lie inside their history, so a
request scored months after the history ends would otherwise see every lender aged by the gap,
its last year empty, a profile no training row had."""


class _CumulativeCounts:
    """Decisions of one grouping, sorted by (group key, day), with cumulative outcome counts."""

    def __init__(self, keys: np.ndarray, days: np.ndarray, outcome: np.ndarray, day0: int):
        order = np.lexsort((days, keys))
        sorted_keys = keys[order]
        self.unique_keys, segment = np.unique(sorted_keys, return_inverse=True)
        offsets = days[order] - day0
        self.span = int(offsets.max()) + 2 if len(offsets) else 2
        self.sorted_value = segment.astype(np.int64) * self.span + offsets
        self.day0 = day0
        approved = outcome[order] >= OUTCOME_APPROVED
        disbursed = outcome[order] == OUTCOME_DISBURSED
        self.cum_approved = np.concatenate(([0], np.cumsum(approved)))
        self.cum_disbursed = np.concatenate(([0], np.cumsum(disbursed)))
        self.cum_rejected = np.concatenate(([0], np.cumsum(outcome[order] == OUTCOME_REJECTED)))

    def _found_base(
        self, keys: np.ndarray, valid: np.ndarray | bool
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return (found, base): whether each key has decisions, and its segment's base value."""
        segment = np.searchsorted(self.unique_keys, keys)
        segment = np.minimum(segment, len(self.unique_keys) - 1)
        found = valid & (self.unique_keys[segment] == keys)
        return found, segment * self.span

    def _offset(self, day: np.ndarray | int) -> np.ndarray | int:
        """A day as an offset within a segment, bounded to it (plain integers stay plain)."""
        if np.ndim(day) == 0:
            return min(max(int(day) - self.day0, 0), self.span)
        # minimum/maximum rather than np.clip: the same integers, without np.clip's per-call
        # dtype-limit checks.
        return np.minimum(np.maximum(day - self.day0, 0), self.span)

    def _positions(
        self, keys: np.ndarray, valid: np.ndarray | bool, days: tuple
    ) -> list[np.ndarray]:
        """The sorted position of the first decision on or after each of `days` in each key's
        segment, found in one search; a key without decisions gets the same position for every
        day, so that every count between two of them is 0.

        Every numpy call on small arrays costs about a microsecond whatever their size, and
        ranking one request asks about 30 groupings for 20-odd institutions: one search per
        grouping (not one per day) and no masking of each count save about a third of the
        calls.
        """
        found, base = self._found_base(keys, valid)
        offsets = [self._offset(day) for day in days]
        if all(isinstance(offset, int) for offset in offsets):
            targets = np.add.outer(offsets, base)
        else:
            targets = np.stack(np.broadcast_arrays(*(base + offset for offset in offsets)))
        positions = np.searchsorted(self.sorted_value, targets) * found
        return list(positions)

    def recent_approvals(
        self, keys: np.ndarray, valid: np.ndarray | bool, start: np.ndarray, end: np.ndarray
    ) -> np.ndarray:
        """Return approvals per key with start <= day < end, weighed by RECENCY_LADDER_DAYS."""
        if len(self.unique_keys) == 0:
            return np.zeros(np.broadcast(keys, start, end).shape, dtype=np.int64)
        ladder = [np.maximum(start, end - days) for days in RECENCY_LADDER_DAYS]
        hi, lo, *steps = self._positions(keys, valid, (end, start, *ladder))
        cum = self.cum_approved
        upto = cum[hi]
        return (len(steps) + 1) * upto - cum[lo] - sum(cum[step] for step in steps)

    def rejections(
        self, keys: np.ndarray, valid: np.ndarray | bool, start: np.ndarray, end: np.ndarray
    ) -> np.ndarray:
        """Return rejections per key with start <= day < end."""
        if len(self.unique_keys) == 0:
            return np.zeros(np.broadcast(keys, start, end).shape, dtype=np.int64)
        lo, hi = self._positions(keys, valid, (start, end))
        return self.cum_rejected[hi] - self.cum_rejected[lo]

    def counts(
        self, keys: np.ndarray, valid: np.ndarray | bool, start: np.ndarray, end: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return (decisions, approvals, disbursements) per key with start <= day < end."""
        if len(self.unique_keys) == 0:
            zeros = np.zeros(np.broadcast(keys, start, end).shape, dtype=np.int64)
            return zeros, zeros, zeros
        lo, hi = self._positions(keys, valid, (start, end))
        return (
            hi - lo,
            self.cum_approved[hi] - self.cum_approved[lo],
            self.cum_disbursed[hi] - self.cum_disbursed[lo],
        )


def _shrink(successes: np.ndarray, n: np.ndarray, prior: np.ndarray | float, strength: float):
    """Return the rate successes / n shrunk towards ``prior`` by ``strength`` pseudo-counts."""
    return (successes + strength * prior) / (n + strength)


class InstitutionHistory:
    """Index over History answering "how did this institution treat similar firms before t"."""

    def __init__(self, history: History, window_days: int | None = 365):
        """Build the index once; ``window_days`` limits rates to the last N days (None = all)."""
        self.window_days = window_days
        self.size = len(history)
        self.institution_ids = np.unique(history.institution_id)
        self.product_ids = np.unique(history.product_id)
        institution = np.searchsorted(self.institution_ids, history.institution_id)
        product = np.searchsorted(self.product_ids, history.product_id)
        # Radixes come from the data; queries outside them simply find no history.
        self.n_industries = int(history.industry.max()) + 1 if self.size else 1
        self.n_districts = int(history.district.max()) + 1 if self.size else 1
        self.n_size_bands = int(history.size_band.max()) + 1 if self.size else 1
        days = history.decided_at
        day0 = int(days.min()) if self.size else 0
        outcome = history.outcome

        def index(keys: np.ndarray, on_days: np.ndarray | None = None) -> _CumulativeCounts:
            """Index the history's rows by key, or approvals on other days (co-lending pairs)."""
            if on_days is None:
                return _CumulativeCounts(keys.astype(np.int64), days, outcome, day0)
            approvals = np.full(len(keys), OUTCOME_APPROVED, dtype=np.int8)
            return _CumulativeCounts(keys.astype(np.int64), on_days, approvals, day0)

        inst = institution.astype(np.int64)
        self._global = index(np.zeros(self.size, dtype=np.int64))
        self._institution = index(inst)
        self._industry = index(inst * self.n_industries + history.industry)
        self._district = index(inst * self.n_districts + history.district)
        self._size_band = index(inst * self.n_size_bands + history.size_band)
        self._industry_district = index(
            (inst * self.n_industries + history.industry) * self.n_districts + history.district
        )
        self._product = index(product.astype(np.int64))
        # Institutions in order of their first decision: how many were known on any day.
        first_day = np.full(len(self.institution_ids), np.iinfo(np.int64).max)
        np.minimum.at(first_day, institution, days)
        self._first_days = np.sort(first_day)
        self._recency_end = int(days.max()) + 1 if self.size else np.iinfo(np.int64).max // 4
        # Every institution's decisions by firm group: the denominators of the shares.
        self._all_industry = index(history.industry)
        self._all_district = index(history.district)
        self._all_industry_district = index(history.industry * self.n_districts + history.district)
        bands = profile_bands(
            history.amount_band,
            history.term_band,
            history.new_firm,
            history.district,
            history.industry,
        )
        self.affinity = AffinityIndex(bands, institution, index)
        self.losses = LossIndex(
            institution, history.industry, self.n_industries, outcome, history.defaulted_at, index
        )
        self.relationship = RelationshipIndex(
            history.enterprise_id, institution, days, outcome, self.n_institutions, index
        )

    @property
    def n_institutions(self) -> int:
        """Return how many institutions appear in the history."""
        return len(self.institution_ids)

    def institution_rows(self, institution_ids: np.ndarray) -> np.ndarray:
        """Return each institution's row in this index, or ``n_institutions`` when unknown."""
        return self._rows(self.institution_ids, institution_ids)

    def product_rows(self, product_ids: np.ndarray) -> np.ndarray:
        """Return each product's row in this index, or ``len(product_ids)`` when unknown."""
        return self._rows(self.product_ids, product_ids)

    @staticmethod
    def _rows(known: np.ndarray, wanted: np.ndarray) -> np.ndarray:
        pos = np.searchsorted(known, wanted)
        clipped = np.minimum(pos, max(len(known) - 1, 0))
        found = (pos < len(known)) & (known[clipped] == wanted) if len(known) else False
        return np.where(found, pos, len(known)).astype(np.intp)

    def _window(self, cutoff: np.ndarray | int) -> tuple[np.ndarray, np.ndarray]:
        end = np.asarray(cutoff, dtype=np.int64)
        if self.window_days is None:
            return np.full_like(end, np.iinfo(np.int64).min // 4), end
        return end - self.window_days, end

    def institution_rates(
        self,
        institution_row: np.ndarray,
        industry: np.ndarray | int,
        district: np.ndarray | int,
        size_band: np.ndarray | int,
        cutoff: np.ndarray | int,
        bands: dict[str, np.ndarray | int] | None = None,
    ) -> dict[str, np.ndarray]:
        """Return smoothed approval/disbursement rates of institutions with firms like this one,
        and the institutions' (log) shares of all approvals for such firms.

        Arguments broadcast together; an institution row of ``n_institutions`` (unknown) gets the
        prior. Rates shrink hierarchically: group → institution → all institutions → constant.
        A share is this institution's part of every approval given to firms of the group
        (industry, district, both), shrunk towards its overall share, itself shrunk towards an
        equal split; the recent shares weigh recent approvals more (``RECENCY_LADDER_DAYS``). Shares
        measure where similar firms actually got money, which approval rates cannot when most
        firms apply to one lender only. ``bands`` holds the request's amount band, term band
        and new-firm flag (``matching.affinity``; absent or -1: the overall share stands in).
        """
        start, end = self._window(cutoff)
        inst = np.asarray(institution_row, dtype=np.int64)
        industry = np.asarray(industry, dtype=np.int64)
        district = np.asarray(district, dtype=np.int64)
        band = np.asarray(size_band, dtype=np.int64)
        known = (inst >= 0) & (inst < self.n_institutions)
        ind_ok = (industry >= 0) & (industry < self.n_industries)
        dist_ok = (district >= 0) & (district < self.n_districts)
        band_ok = (band >= 0) & (band < self.n_size_bands)

        g_n, g_a, g_d = self._global.counts(np.zeros_like(end), True, start, end)
        global_approval = _shrink(g_a, g_n, GLOBAL_APPROVAL_PRIOR, GLOBAL_PRIOR_STRENGTH)
        global_disbursement = _shrink(g_d, g_n, GLOBAL_DISBURSEMENT_PRIOR, GLOBAL_PRIOR_STRENGTH)

        i_n, i_a, i_d = self._institution.counts(inst, known, start, end)
        inst_approval = _shrink(i_a, i_n, global_approval, PRIOR_STRENGTH)
        inst_disbursement = _shrink(i_d, i_n, global_disbursement, PRIOR_STRENGTH)

        industry_key = inst * self.n_industries + industry
        n, a, _ = self._industry.counts(industry_key, known & ind_ok, start, end)
        approval_industry = _shrink(a, n, inst_approval, PRIOR_STRENGTH)
        approvals_industry = a
        district_key = inst * self.n_districts + district
        n, a, _ = self._district.counts(district_key, known & dist_ok, start, end)
        approval_district = _shrink(a, n, inst_approval, PRIOR_STRENGTH)
        approvals_district = a
        n, a, _ = self._size_band.counts(
            inst * self.n_size_bands + band, known & band_ok, start, end
        )
        approval_size = _shrink(a, n, inst_approval, PRIOR_STRENGTH)
        n, a, d = self._industry_district.counts(
            industry_key * self.n_districts + district, known & ind_ok & dist_ok, start, end
        )
        approval_industry_district = _shrink(a, n, approval_industry, PRIOR_STRENGTH)
        disbursement_industry_district = _shrink(d, n, inst_disbursement, PRIOR_STRENGTH)

        # An equal split among the institutions that had decided anything before the cutoff.
        equal_split = 1.0 / np.maximum(np.searchsorted(self._first_days, end), 1)
        share = _shrink(i_a, g_a, equal_split, PRIOR_STRENGTH)
        _, total, _ = self._all_industry.counts(industry, ind_ok, start, end)
        share_industry = _shrink(approvals_industry, total, share, PRIOR_STRENGTH)
        _, total, _ = self._all_district.counts(district, dist_ok, start, end)
        share_district = _shrink(approvals_district, total, share, PRIOR_STRENGTH)
        _, total, _ = self._all_industry_district.counts(
            industry * self.n_districts + district, ind_ok & dist_ok, start, end
        )
        share_industry_district = _shrink(a, total, share_district, PRIOR_STRENGTH)
        affinity = self.affinity.shares(
            inst,
            known,
            bands if bands is not None else dict.fromkeys(AFFINITY_GROUPS, -1),
            start,
            end,
            share,
            PRIOR_STRENGTH,
        )
        recent_end = end
        if RECENCY_FROM_LATEST_DECISION:  # no decision lies after it: the counts stay the same
            recent_end = np.maximum(start, np.minimum(end, self._recency_end))
        recent = self._global.recent_approvals(np.zeros_like(end), True, start, recent_end)
        mine = self._institution.recent_approvals(inst, known, start, recent_end)
        recent_share = _shrink(mine, recent, equal_split, PRIOR_STRENGTH)
        recent = self._all_district.recent_approvals(district, dist_ok, start, recent_end)
        mine = self._district.recent_approvals(district_key, known & dist_ok, start, recent_end)
        recent_share_district = _shrink(mine, recent, recent_share, PRIOR_STRENGTH)
        return {
            **self.losses.rates(inst, known, industry, end),
            "inst_log_decisions": np.log1p(i_n),
            "inst_approval_rate": inst_approval,
            "inst_disbursement_rate": inst_disbursement,
            "inst_approval_rate_industry": approval_industry,
            "inst_approval_rate_district": approval_district,
            "inst_approval_rate_size": approval_size,
            "inst_approval_rate_industry_district": approval_industry_district,
            "inst_disbursement_rate_industry_district": disbursement_industry_district,
            "inst_log_share": np.log(share),
            "inst_log_share_industry": np.log(share_industry),
            "inst_log_share_district": np.log(share_district),
            "inst_log_share_industry_district": np.log(share_industry_district),
            "inst_log_recent_share": np.log(recent_share),
            "inst_log_recent_share_district": np.log(recent_share_district),
            **affinity,
        }

    def product_counts(
        self, product_row: np.ndarray, cutoff: np.ndarray | int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return (decisions, approvals) of each product row in the window before ``cutoff``."""
        start, end = self._window(cutoff)
        rows = np.asarray(product_row, dtype=np.int64)
        known = (rows >= 0) & (rows < len(self.product_ids))
        n, a, _ = self._product.counts(rows, known, start, end)
        return n, a

    @staticmethod
    def product_rates_from_counts(
        decisions: np.ndarray, approvals: np.ndarray, prior_approval: np.ndarray | float
    ) -> dict[str, np.ndarray]:
        """Return the product features of ``product_rates`` from already counted decisions."""
        return {
            "product_log_applications": np.log1p(decisions),
            "product_approval_rate": _shrink(approvals, decisions, prior_approval, PRIOR_STRENGTH),
        }

    def product_rates(
        self, product_row: np.ndarray, cutoff: np.ndarray | int, prior_approval: np.ndarray | float
    ) -> dict[str, np.ndarray]:
        """Return each product's popularity (log applications) and smoothed approval rate."""
        decisions, approvals = self.product_counts(product_row, cutoff)
        return self.product_rates_from_counts(decisions, approvals, prior_approval)

    def product_approvals(self, product_ids: np.ndarray, cutoff: np.ndarray | int) -> np.ndarray:
        """Return each product's number of approvals decided in the window before ``cutoff``."""
        start, end = self._window(cutoff)
        rows = self.product_rows(np.asarray(product_ids)).astype(np.int64)
        _, approved, _ = self._product.counts(rows, rows < len(self.product_ids), start, end)
        return approved
