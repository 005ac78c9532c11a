"""Versions of the trained ranking model."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from finplatform.models.base import Base, TimestampMixin, enum_column


class ModelStatus(enum.StrEnum):
    """A trained version waits as a candidate until promoted; at most one is current."""

    CANDIDATE = "candidate"
    CURRENT = "current"
    RETIRED = "retired"


class TrainedVersion(TimestampMixin):
    """What every trained version keeps (the ranking model's, the credit scorecard's): its
    name, status, stored artifact, metrics and who put it in service; the database allows at
    most one current version per table, on SQLite and PostgreSQL alike."""

    @declared_attr.directive
    def __table_args__(cls) -> tuple:
        return (
            sa.Index(
                f"uq_{cls.__tablename__}_one_current",
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
    # The blob holding what was trained (`finplatform.storage`).
    artifact: Mapped[str] = mapped_column(sa.String(200))
    metrics: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    promoted_at: Mapped[datetime | None]
    promoted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    promotion_note: Mapped[str] = mapped_column(sa.Text, default="")


class ModelVersion(TrainedVersion, Base):
    """One training run of the ranking model, with its metrics and metadata."""

    __tablename__ = "model_versions"

    trained_from: Mapped[datetime | None]
    trained_to: Mapped[datetime | None]
