"""Bands that group requests and firms for "similar firms" statistics: firm size by revenue,
request amount by half-decade, term, and new-vs-existing firm."""

from __future__ import annotations

import numpy as np

SIZE_BAND_EDGES_YUAN: tuple[float, ...] = (5e6, 2e7, 1e8)
"""Annual revenue edges of the firm size bands used to compare "similar firms" (4 bands)."""
AMOUNT_BANDS_PER_DECADE = 2
"""Amount bands are half-decades of the amount (×1, ×3.16, ×10 …): the same bands fit yuan and
dollars, and a lender's habit (small credit lines or large term loans) shows in any currency."""
TERM_BAND_EDGES_MONTHS: tuple[int, ...] = (12, 36, 60, 84, 120, 180, 240)
"""Term edges of the term bands (8 bands): a term on an edge opens the band above it."""
NEW_FIRM_YEARS = 2.0
"""A firm younger than this is a new business (the SBA's own line between new and existing)."""


def size_band(revenue_yuan: np.ndarray | float) -> np.ndarray:
    """Return the size band (0..3) of firms from their annual revenue in yuan."""
    revenue = np.nan_to_num(np.asarray(revenue_yuan, dtype=np.float64), nan=0.0)
    return np.searchsorted(np.asarray(SIZE_BAND_EDGES_YUAN), revenue, side="right").astype(np.int8)


def amount_band(amount: np.ndarray | float) -> np.ndarray:
    """Return the amount band (half-decade of the amount, 0 for 1 or less) of requests."""
    amount = np.asarray(amount, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        band = np.floor(AMOUNT_BANDS_PER_DECADE * np.log10(np.maximum(amount, 1.0)))
    return np.where(np.isfinite(band), band, 0).astype(np.intp)


def term_band(term_months: np.ndarray | float) -> np.ndarray:
    """Return the term band (0..7) of requests from their term in months."""
    edges = np.asarray(TERM_BAND_EDGES_MONTHS)
    return np.searchsorted(edges, np.asarray(term_months), side="right").astype(np.intp)


def new_firm(age_years: np.ndarray | float) -> np.ndarray:
    """Return 1 for a new business (younger than NEW_FIRM_YEARS), else 0."""
    age = np.nan_to_num(np.asarray(age_years, dtype=np.float64), nan=NEW_FIRM_YEARS)
    return (age < NEW_FIRM_YEARS).astype(np.intp)
