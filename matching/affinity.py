"""Affinity of institutions for the profile of a loan: who lends this amount, term, to new firms.

An institution that makes small credit lines seldom makes large term loans, and one that lends
to start-ups lends to start-ups again. For each past approval the history keeps the request's
amount band, term band and whether the firm was a new business (``matching.schema``); an
institution's affinity for a request is its share of all earlier approvals in the request's
band, shrunk towards its share of all approvals (the caller's prior), so a band with few
approvals says little. Counts use only decisions made before the cutoff, like every other
history statistic, through the same cumulative-count index (``matching.history``).
"""

from __future__ import annotations

import numpy as np

AFFINITY_GROUPS: tuple[str, ...] = (
    "amount",
    "term",
    "new_firm",
    "district_amount",
    "district_term",
    "industry_term",
)
"""The request profiles an institution's share is measured in, one feature each: the amount
band, the term band, new-vs-existing firm, the amount band and the term band within the firm's
district (who lends this size, this length of loan *here*), and the term band within the firm's
industry (who lends long to builders, short to shops)."""
AMOUNT_BAND_LIMIT = 24
"""Amount bands above this are counted with the last one when combined with the district."""
TERM_BAND_LIMIT = 8
"""Term bands (``matching.bands.term_band``: 0..7) when combined with a district or industry."""


def profile_bands(
    amount_band: np.ndarray | int,
    term_band: np.ndarray | int,
    new_firm: np.ndarray | int,
    district: np.ndarray | int,
    industry: np.ndarray | int,
) -> dict[str, np.ndarray]:
    """Return the band of each AFFINITY_GROUPS profile (-1 where a band is unknown)."""
    amount = np.asarray(amount_band, dtype=np.int64)
    term = np.asarray(term_band, dtype=np.int64)
    district = np.asarray(district, dtype=np.int64)
    industry = np.asarray(industry, dtype=np.int64)
    local = district * AMOUNT_BAND_LIMIT
    term_ok = (term >= 0) & (term < TERM_BAND_LIMIT)
    return {
        "amount": amount,
        "term": term,
        "new_firm": np.asarray(new_firm, dtype=np.int64),
        "district_amount": np.where(
            amount >= 0, local + np.minimum(amount, AMOUNT_BAND_LIMIT - 1), -1
        ),
        "district_term": np.where(term_ok & (district >= 0), district * TERM_BAND_LIMIT + term, -1),
        "industry_term": np.where(term_ok & (industry >= 0), industry * TERM_BAND_LIMIT + term, -1),
    }


class AffinityIndex:
    """Approvals per (institution, band) and per band, for each profile in AFFINITY_GROUPS."""

    def __init__(self, bands: dict[str, np.ndarray], institution: np.ndarray, index):
        """Index the bands of every decision; ``index`` builds a cumulative-count index from
        keys (``InstitutionHistory``'s, so the days and outcomes are the history's own).

        A band of -1 (unknown) gets the key -1, which no query asks for.
        """
        self.radix: dict[str, int] = {}
        self._mine = {}
        self._all = {}
        inst = institution.astype(np.int64)
        for group in AFFINITY_GROUPS:
            band = np.asarray(bands[group], dtype=np.int64)
            known = band >= 0
            radix = int(band.max()) + 1 if known.any() else 1
            self.radix[group] = radix
            self._mine[group] = index(np.where(known, inst * radix + band, -1))
            self._all[group] = index(np.where(known, band, -1))

    def shares(
        self,
        inst: np.ndarray,
        known: np.ndarray,
        bands: dict[str, np.ndarray | int],
        start: np.ndarray,
        end: np.ndarray,
        prior: np.ndarray,
        strength: float,
    ) -> dict[str, np.ndarray]:
        """Return ``inst_log_share_<group>`` for each profile: the institution's log share of
        approvals in the request's band before ``end``, shrunk towards ``prior``."""
        out = {}
        for group in AFFINITY_GROUPS:
            band = np.asarray(bands.get(group, -1), dtype=np.int64)  # absent: unknown
            ok = (band >= 0) & (band < self.radix[group])
            _, mine, _ = self._mine[group].counts(
                inst * self.radix[group] + band, known & ok, start, end
            )
            _, total, _ = self._all[group].counts(band, ok, start, end)
            out[f"inst_log_share_{group}"] = np.log((mine + strength * prior) / (total + strength))
        return out
