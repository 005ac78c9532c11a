"""The credit-loan risk guarantee pool (科技型中小企业信用贷款风险保证金): funds contributed,
institutions admitted, loans registered for cover, claims, payouts and recoveries."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from finplatform.models.base import Base, Money, TimestampMixin, enum_column
from finplatform.models.loans import Loan
from finplatform.models.organisations import Institution

# A share of a loss (0.5000 = the pool bears half) or a multiple (leverage 10.00).
Ratio = sa.Numeric(6, 4, asdecimal=True)


class GuaranteePool(TimestampMixin, Base):
    """One year's pool and its terms: leverage limit, registration deadline, claim threshold."""

    __tablename__ = "guarantee_pools"
    __table_args__ = (
        sa.UniqueConstraint("year", "name", name="uq_guarantee_pools_year_name"),
        sa.CheckConstraint("leverage_limit > 0", name="leverage_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    # Covered outstanding principal may reach this multiple of the funds contributed.
    leverage_limit: Mapped[Decimal] = mapped_column(Ratio, default=Decimal("10"))
    registration_days: Mapped[int] = mapped_column(default=30)
    claim_after_days: Mapped[int] = mapped_column(default=90)
    max_term_months: Mapped[int] = mapped_column(default=36)


class PoolContribution(TimestampMixin, Base):
    """Money put into a pool by a funder (the city, a district) on a day."""

    __tablename__ = "pool_contributions"
    __table_args__ = (sa.CheckConstraint("amount_yuan > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(
        sa.ForeignKey("guarantee_pools.id", ondelete="RESTRICT"), index=True
    )
    funder: Mapped[str] = mapped_column(sa.String(80))
    amount_yuan: Mapped[Decimal] = mapped_column(Money)
    contributed_on: Mapped[date]


class PoolMember(TimestampMixin, Base):
    """An institution admitted to a pool: the share of a loss the pool bears, the largest
    principal it covers per loan, and the total principal it covers for the institution."""

    __tablename__ = "pool_members"
    __table_args__ = (
        sa.UniqueConstraint("pool_id", "institution_id", name="uq_pool_members_pool_institution"),
        sa.CheckConstraint("cover_ratio > 0 AND cover_ratio <= 1", name="cover_ratio_range"),
        sa.CheckConstraint("per_loan_cap_yuan > 0 AND quota_yuan > 0", name="caps_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(sa.ForeignKey("guarantee_pools.id", ondelete="RESTRICT"))
    institution_id: Mapped[int] = mapped_column(
        sa.ForeignKey("institutions.id", ondelete="RESTRICT"), index=True
    )
    cover_ratio: Mapped[Decimal] = mapped_column(Ratio)
    per_loan_cap_yuan: Mapped[Decimal] = mapped_column(Money)
    quota_yuan: Mapped[Decimal] = mapped_column(Money)
    admitted_on: Mapped[date]

    pool: Mapped[GuaranteePool] = relationship()
    institution: Mapped[Institution] = relationship()


class CoverRegistration(TimestampMixin, Base):
    """A loan registered for the pool's cover (备案), until withdrawn."""

    __tablename__ = "cover_registrations"
    __table_args__ = (
        sa.UniqueConstraint("loan_id", name="uq_cover_registrations_loan_id"),
        sa.CheckConstraint("covered_principal_yuan > 0", name="covered_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(sa.ForeignKey("loans.id", ondelete="RESTRICT"))
    pool_id: Mapped[int] = mapped_column(
        sa.ForeignKey("guarantee_pools.id", ondelete="RESTRICT"), index=True
    )
    member_id: Mapped[int] = mapped_column(
        sa.ForeignKey("pool_members.id", ondelete="RESTRICT"), index=True
    )
    covered_principal_yuan: Mapped[Decimal] = mapped_column(Money)
    registered_on: Mapped[date]
    withdrawn_on: Mapped[date | None]
    registered_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    loan: Mapped[Loan] = relationship()
    pool: Mapped[GuaranteePool] = relationship()
    member: Mapped[PoolMember] = relationship()


class ClaimStatus(enum.StrEnum):
    """Where a claim for compensation (代偿申请) stands."""

    FILED = "filed"
    APPROVED = "approved"
    REJECTED = "rejected"
    PAID = "paid"


class Claim(TimestampMixin, Base):
    """An institution's claim on the pool for a covered loan past the claim threshold; one per
    loan, never for more than the cover allows."""

    __tablename__ = "claims"
    __table_args__ = (
        sa.UniqueConstraint("registration_id", name="uq_claims_registration_id"),
        sa.CheckConstraint("claimed_yuan > 0", name="claimed_positive"),
        sa.CheckConstraint(
            "approved_yuan IS NULL OR (approved_yuan > 0 AND approved_yuan <= claimed_yuan)",
            name="approved_within_claim",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cover_registrations.id", ondelete="RESTRICT")
    )
    pool_id: Mapped[int] = mapped_column(
        sa.ForeignKey("guarantee_pools.id", ondelete="RESTRICT"), index=True
    )
    filed_on: Mapped[date]
    days_past_due: Mapped[int]
    outstanding_principal_yuan: Mapped[Decimal] = mapped_column(Money)
    claimed_yuan: Mapped[Decimal] = mapped_column(Money)
    evidence: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[ClaimStatus] = mapped_column(enum_column(ClaimStatus), default=ClaimStatus.FILED)
    approved_yuan: Mapped[Decimal | None] = mapped_column(Money)
    decision_reason: Mapped[str] = mapped_column(sa.Text, default="")
    decided_at: Mapped[datetime | None]
    paid_on: Mapped[date | None]
    filed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    registration: Mapped[CoverRegistration] = relationship()
    pool: Mapped[GuaranteePool] = relationship()


class Recovery(TimestampMixin, Base):
    """Money recovered (追偿) on a loan after the pool paid its claim; the pool's share flows
    back to the pool."""

    __tablename__ = "recoveries"
    __table_args__ = (
        sa.CheckConstraint("recovered_yuan > 0", name="recovered_positive"),
        sa.CheckConstraint(
            "pool_share_yuan >= 0 AND pool_share_yuan <= recovered_yuan", name="share_range"
        ),
        sa.UniqueConstraint("idempotency_key", name="uq_recoveries_idempotency_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(
        sa.ForeignKey("claims.id", ondelete="RESTRICT"), index=True
    )
    pool_id: Mapped[int] = mapped_column(
        sa.ForeignKey("guarantee_pools.id", ondelete="RESTRICT"), index=True
    )
    recovered_on: Mapped[date]
    recovered_yuan: Mapped[Decimal] = mapped_column(Money)
    pool_share_yuan: Mapped[Decimal] = mapped_column(Money)
    # The form's or the API caller's key: the same recovery sent twice is recorded once.
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(80))
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    claim: Mapped[Claim] = relationship()
