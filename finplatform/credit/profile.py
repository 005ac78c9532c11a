"""A firm's credit profile (企业信用画像) as of a day: the version stored for that day; a day
before any version is computed from the records dated on or before it, so a past day's profile
shows what was known then. The points are `finplatform.credit.points`'s."""

from __future__ import annotations

from datetime import date

from finplatform.credit.points import GRADES, SCORECARD, Factor, grade_for
from finplatform.credit.versions import profile_as_of
from finplatform.models import Enterprise

__all__ = ["GRADES", "SCORECARD", "Factor", "credit_profile", "grade_for"]


def credit_profile(enterprise: Enterprise, on: date) -> dict:
    """The firm's profile as of `on`: the version valid that day, else computed from the
    records dated on or before it."""
    return profile_as_of(enterprise, on)
