"""Versions of the credit scorecard, and the versions of each firm's credit profile."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from finplatform.models.base import Base, TimestampMixin, enum_column, utcnow
from finplatform.models.ranking import ModelStatus


class ScorecardVersion(TimestampMixin, Base):
    """One training of the credit scorecard on the outcomes known by `trained_on`, with its
    held-out metrics; a candidate until promoted, at most one current (like `ModelVersion`)."""

    __tablename__ = "scorecard_versions"
    __table_args__ = (
        sa.Index(
            "uq_scorecard_versions_one_current",
            "status",
            unique=True,
            sqlite_where=sa.text("status = 'current'"),
            postgresql_where=sa.text("status = 'current'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(sa.String(40), unique=True)
    status: Mapped[ModelStatus] = mapped_column(
        enum_column(ModelStatus), default=ModelStatus.CANDIDATE
    )
    # The blob holding the scorecard's bins, weights and coefficients (JSON).
    artifact: Mapped[str] = mapped_column(sa.String(200))
    trained_on: Mapped[date]
    metrics: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    promoted_at: Mapped[datetime | None]
    promoted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    promotion_note: Mapped[str] = mapped_column(sa.Text, default="")


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
