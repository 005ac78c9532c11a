"""The plan's targets and frozen monthly reports."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from finplatform.models.base import Base, Money, TimestampMixin, enum_column


class Target(TimestampMixin, Base):
    """A yearly target of the plan (目标), in the plan's own unit and wording."""

    __tablename__ = "targets"
    __table_args__ = (
        sa.UniqueConstraint("year", "metric", name="uq_targets_year_metric"),
        sa.CheckConstraint("value > 0", name="value_positive"),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    metric: Mapped[str] = mapped_column(sa.String(40))
    value: Mapped[Decimal] = mapped_column(sa.Numeric(18, 4))
    unit: Mapped[str] = mapped_column(sa.String(10))
    # The same value in yuan for money targets (200亿元 → 20,000,000,000); None otherwise.
    value_yuan: Mapped[Decimal | None] = mapped_column(Money)
    wording_zh: Mapped[str] = mapped_column(sa.Text)
    label_en: Mapped[str] = mapped_column(sa.String(120))
    # What the platform counts against the target, in English.
    tracks_en: Mapped[str] = mapped_column(sa.Text, default="")
    sort_order: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime | None]


class MonthlySnapshot(Base):
    """A closed month's report, frozen with the code and model versions that produced it."""

    __tablename__ = "monthly_snapshots"
    id: Mapped[int] = mapped_column(primary_key=True)
    # The first day of the month reported; the closing service sets it.
    month: Mapped[date] = mapped_column(unique=True)
    closed_at: Mapped[datetime]
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    figures: Mapped[dict] = mapped_column(sa.JSON)
    code_version: Mapped[str] = mapped_column(sa.String(40))
    model_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("model_versions.id", ondelete="SET NULL")
    )


class ImportStatus(enum.StrEnum):
    """Where a bulk import stands: waiting for its job, running, then one of three ends."""

    PENDING = "pending"
    RUNNING = "running"
    FINISHED = "finished"
    REJECTED = "rejected"
    FAILED = "failed"


class ImportBatch(TimestampMixin, Base):
    """One bulk import of a CSV/XLSX file: its progress and every bad row found."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(30))
    filename: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[ImportStatus] = mapped_column(
        enum_column(ImportStatus), default=ImportStatus.PENDING
    )
    total_rows: Mapped[int] = mapped_column(default=0)
    processed_rows: Mapped[int] = mapped_column(default=0)
    imported_rows: Mapped[int] = mapped_column(default=0)
    # [{"row": 7, "column": "统一社会信用代码", "reason": "…"}, …]
    errors: Mapped[list] = mapped_column(sa.JSON, default=list)
    good_rows_only: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    finished_at: Mapped[datetime | None]


class ReportFact(Base):
    """One figure of one month as it stands (报表事实): a measure's count and amount in total
    (`dimension` "") or for one key of a breakdown, written with the rows it counts
    (finplatform/reports/facts.py). `rows` is how many source rows it sums (a reversal nets
    the count to zero but is still a row); a fact with no rows is deleted."""

    __tablename__ = "report_facts"

    measure: Mapped[str] = mapped_column(sa.String(30), primary_key=True)
    dimension: Mapped[str] = mapped_column(sa.String(30), primary_key=True)
    month: Mapped[date] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    count: Mapped[int] = mapped_column(sa.BigInteger)
    amount: Mapped[Decimal | None] = mapped_column(Money)
    rows: Mapped[int] = mapped_column(sa.BigInteger)


class ReportFirmMonth(Base):
    """One firm's activity of one kind in one month (报表企业月度活动), written with the rows it
    counts (finplatform/reports/facts.py): what the distinct-firm counts read (firms served,
    first-time borrowers, firms with credit loans, the specialists' firms and deals).
    `specialist_id` is 0 for kinds that are not a specialist's; a row with no rows is deleted."""

    __tablename__ = "report_firm_months"
    # A firm's months of one kind: its first month (first-time borrowers, firsts in a year).
    __table_args__ = (sa.Index("ix_report_firm_months_firm", "kind", "enterprise_id", "month"),)

    kind: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    month: Mapped[date] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(primary_key=True)
    specialist_id: Mapped[int] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(sa.BigInteger)
    amount: Mapped[Decimal | None] = mapped_column(Money)
    rows: Mapped[int] = mapped_column(sa.BigInteger)
