"""Public-credit records (公共信用记录) of firms, and the batches that loaded them."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from finplatform.models.base import Base, Money, enum_column, utcnow
from finplatform.models.organisations import Enterprise, Institution


class CreditRecordKind(enum.StrEnum):
    """What a public-credit record states."""

    TAX_GRADE = "tax_grade"  # 纳税信用等级 A/B/M/C/D, by year
    SOCIAL_SECURITY = "social_security"  # 社保缴纳人数, by month
    UTILITY_ARREARS = "utility_arrears"  # 水电气欠费
    COURT_JUDGEMENT = "court_judgement"  # 法院判决
    DISHONEST_DEBTOR = "dishonest_debtor"  # 失信被执行人
    PENALTY = "penalty"  # 行政处罚
    TECH_SME = "tech_sme"  # 科技型中小企业入库编号
    HIGH_TECH = "high_tech"  # 高新技术企业证书
    PATENT = "patent"  # 专利
    LITTLE_GIANT = "little_giant"  # 科技小巨人认定


class CreditBatchChannel(enum.StrEnum):
    """How a batch of records arrived."""

    IMPORT = "import"  # the commission's file import
    API = "api"  # a data provider's API call
    DEMO = "demo"  # the demo world's generator


class CreditRecordBatch(Base):
    """One load of public-credit records: its source, channel, who loaded it and the counts."""

    __tablename__ = "credit_record_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(sa.String(80))
    channel: Mapped[CreditBatchChannel] = mapped_column(enum_column(CreditBatchChannel))
    loaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_rows: Mapped[int] = mapped_column(default=0)
    updated_rows: Mapped[int] = mapped_column(default=0)
    unchanged_rows: Mapped[int] = mapped_column(default=0)


class CreditRecord(Base):
    """A dated public-credit record of a firm, with its source and the batch that loaded it.

    Its key is (firm, kind, date, reference): loading the same record again changes nothing,
    and a record loaded again with other values is updated and moves to the new batch.
    """

    __tablename__ = "credit_records"
    __table_args__ = (
        sa.UniqueConstraint(
            "enterprise_id", "kind", "as_of", "reference", name="uq_credit_records_key"
        ),
        sa.CheckConstraint("quantity IS NULL OR quantity >= 0", name="quantity_not_negative"),
        sa.CheckConstraint("amount_yuan IS NULL OR amount_yuan >= 0", name="amount_not_negative"),
        sa.Index("ix_credit_records_enterprise_as_of", "enterprise_id", "as_of"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprises.id", ondelete="CASCADE"))
    kind: Mapped[CreditRecordKind] = mapped_column(enum_column(CreditRecordKind))
    # The day the record states its fact as of (a year's or month's last day for those).
    as_of: Mapped[date]
    grade: Mapped[str | None] = mapped_column(sa.String(4))
    quantity: Mapped[int | None]
    amount_yuan: Mapped[Decimal | None] = mapped_column(Money)
    # Case, decision, registration, certificate or patent number ("" where a kind has none).
    reference: Mapped[str] = mapped_column(sa.String(64), default="")
    valid_until: Mapped[date | None]
    source: Mapped[str] = mapped_column(sa.String(80))
    batch_id: Mapped[int] = mapped_column(
        sa.ForeignKey("credit_record_batches.id", ondelete="RESTRICT"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    enterprise: Mapped[Enterprise] = relationship()
    batch: Mapped[CreditRecordBatch] = relationship()


class CreditConsent(Base):
    """A firm's authorisation (授权) for an institution to see its public-credit records,
    credit profile and documents: for one application (until some days after its decision) or
    standing until a date; revocable at any time."""

    __tablename__ = "credit_consents"
    __table_args__ = (sa.Index("ix_credit_consents_pair", "enterprise_id", "institution_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprises.id", ondelete="CASCADE"))
    institution_id: Mapped[int] = mapped_column(
        sa.ForeignKey("institutions.id", ondelete="CASCADE")
    )
    application_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="CASCADE")
    )
    valid_until: Mapped[date | None]
    granted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    institution: Mapped[Institution] = relationship()


class CreditView(Base):
    """One look by an institution's user at a firm's profile or document, for the firm's log."""

    __tablename__ = "credit_views"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        sa.ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    institution_id: Mapped[int] = mapped_column(
        sa.ForeignKey("institutions.id", ondelete="CASCADE")
    )
    viewer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    what: Mapped[str] = mapped_column(sa.String(40))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    institution: Mapped[Institution] = relationship()
