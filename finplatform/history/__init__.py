"""Attribute history (history does not move): what a firm or institution was at an instant.

Firms' district, industry, size inputs (employees, revenue), R&D spend, patents, rating and
flags, their credit-community memberships, and institutions' standing are kept as periods
(`finplatform.models.history`). Every ORM write records them in its own flush
(`recording.register`); the demo world's bulk loader and the migration fill them from what is
stored (`backfill`). Readers ask `firm_attributes_at`, `communities_at` and
`institution_standing_at`; SQL that groups events by what held then joins with `held_at`.
"""

from finplatform.history.periods import held_at, valid_at
from finplatform.history.reading import (
    FIRM_ATTRIBUTES,
    communities_at,
    firm_attributes_at,
    institution_standing_at,
)

__all__ = [
    "FIRM_ATTRIBUTES",
    "communities_at",
    "firm_attributes_at",
    "held_at",
    "institution_standing_at",
    "valid_at",
]
