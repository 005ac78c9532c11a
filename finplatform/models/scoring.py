"""Versions of the credit scorecard, and the versions of each firm's credit profile."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from finplatform.models.base import Base, utcnow
from finplatform.models.ranking import TrainedVersion


class ScorecardVersion(TrainedVersion, Base):
    """One training of the credit scorecard on the outcomes known by `trained_on`, with its
    held-out metrics; a candidate until promoted, at most one current (like `ModelVersion`);
    its artifact holds the bins, weights and coefficients (JSON)."""

    __tablename__ = "scorecard_versions"

    trained_on: Mapped[date]


class CreditProfileVersion(Base):
    """A firm's credit profile from `valid_from` until its next version: stored whenever an
    input (records, attributes, the scorecard in service) changes, never changed afterwards."""

    __tablename__ = "credit_profile_versions"
    __table_args__ = (
        sa.Index("ix_credit_profile_versions_firm_day", "enterprise_id", "valid_from"),
        sa.CheckConstraint("score >= 0 AND score <= 100", name="score_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprises.id", ondelete="CASCADE"))
    valid_from: Mapped[date]
    # The scorecard version that scored it ("rules-v1" for the fixed points).
    scorecard: Mapped[str] = mapped_column(sa.String(40))
    score: Mapped[int]
    grade: Mapped[str] = mapped_column(sa.String(4))
    base: Mapped[float]
    factors: Mapped[list] = mapped_column(sa.JSON, default=list)
    # SHA-256 of the scorecard and the inputs it read: the same digest, no new version.
    inputs_digest: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
