"""Loans after disbursement: a loan per disbursement, its schedule, repayments and their
allocation. A loan's status is derived from these rows, never stored."""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from finplatform.models.base import Base, Money, Rate, TimestampMixin, enum_column
from finplatform.models.deals import Disbursement
from finplatform.models.organisations import Enterprise, Institution


class RepaymentKind(enum.StrEnum):
    """How a loan is repaid."""

    EQUAL_INSTALMENT = "equal_instalment"  # 等额本息: the same payment every month
    EQUAL_PRINCIPAL = "equal_principal"  # 等额本金: the same principal every month
    INTEREST_ONLY = "interest_only"  # 先息后本: interest monthly, principal at maturity
    BULLET = "bullet"  # 到期一次还本付息: everything at maturity


class LoanStatus(enum.StrEnum):
    """A loan's standing as of a day, derived from its schedule and repayments."""

    CURRENT = "current"
    OVERDUE = "overdue"
    SETTLED = "settled"
    WRITTEN_OFF = "written_off"
    VOIDED = "voided"


class Loan(TimestampMixin, Base):
    """A loan (借据): one disbursement, repaid on its schedule.

    Terms and parties are copied from the disbursement so that overdue lists and pool figures
    read one table. A reversal of the disbursement voids the loan (`voided_on`); its rows stay.
    """

    __tablename__ = "loans"
    __table_args__ = (
        sa.CheckConstraint("principal_yuan > 0", name="principal_positive"),
        sa.CheckConstraint("term_months > 0", name="term_positive"),
        sa.Index("ix_loans_institution_disbursed", "institution_id", "disbursed_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    disbursement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("disbursements.id", ondelete="RESTRICT"), unique=True
    )
    enterprise_id: Mapped[int] = mapped_column(
        sa.ForeignKey("enterprises.id", ondelete="RESTRICT"), index=True
    )
    institution_id: Mapped[int] = mapped_column(
        sa.ForeignKey("institutions.id", ondelete="RESTRICT")
    )
    product_kind_code: Mapped[str] = mapped_column(
        sa.ForeignKey("product_kinds.code", ondelete="RESTRICT")
    )
    principal_yuan: Mapped[Decimal] = mapped_column(Money)
    rate: Mapped[Decimal] = mapped_column(Rate)
    # Annual penalty rate (罚息) on overdue principal, from the product when the loan opened.
    penalty_rate: Mapped[Decimal] = mapped_column(Rate, default=Decimal("0"), server_default="0")
    term_months: Mapped[int]
    repayment_kind: Mapped[RepaymentKind] = mapped_column(enum_column(RepaymentKind))
    disbursed_on: Mapped[date]
    voided_on: Mapped[date | None]
    written_off_on: Mapped[date | None]

    disbursement: Mapped[Disbursement] = relationship()
    enterprise: Mapped[Enterprise] = relationship()
    institution: Mapped[Institution] = relationship()
    instalments: Mapped[list[Instalment]] = relationship(
        order_by="Instalment.number", back_populates="loan"
    )


class Instalment(Base):
    """One line of a loan's repayment schedule (还款计划), due on a working day."""

    __tablename__ = "instalments"
    __table_args__ = (
        sa.UniqueConstraint("loan_id", "number", name="uq_instalments_loan_number"),
        sa.CheckConstraint("principal_yuan >= 0 AND interest_yuan >= 0", name="amounts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(sa.ForeignKey("loans.id", ondelete="CASCADE"))
    number: Mapped[int]
    due_on: Mapped[date] = mapped_column(index=True)
    principal_yuan: Mapped[Decimal] = mapped_column(Money)
    interest_yuan: Mapped[Decimal] = mapped_column(Money)

    loan: Mapped[Loan] = relationship(back_populates="instalments")


class Repayment(TimestampMixin, Base):
    """Money a firm paid on a loan (还款). Never edited: a mistake is undone by a reversal row
    (`reverses_id` set, negative amount and allocations)."""

    __tablename__ = "repayments"
    __table_args__ = (
        sa.CheckConstraint(
            "(reverses_id IS NULL AND amount_yuan > 0)"
            " OR (reverses_id IS NOT NULL AND amount_yuan < 0)",
            name="amount_sign",
        ),
        sa.UniqueConstraint("idempotency_key", name="uq_repayments_idempotency_key"),
        sa.UniqueConstraint("reverses_id", name="uq_repayments_reverses_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(sa.ForeignKey("loans.id", ondelete="RESTRICT"), index=True)
    paid_on: Mapped[date]
    amount_yuan: Mapped[Decimal] = mapped_column(Money)
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(80))
    reverses_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("repayments.id", ondelete="RESTRICT")
    )
    note: Mapped[str] = mapped_column(sa.Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    loan: Mapped[Loan] = relationship()
    allocations: Mapped[list[RepaymentAllocation]] = relationship(back_populates="repayment")


class RepaymentAllocation(Base):
    """The part of a repayment that went to one instalment's penalty, interest and principal."""

    __tablename__ = "repayment_allocations"

    id: Mapped[int] = mapped_column(primary_key=True)
    repayment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("repayments.id", ondelete="CASCADE"), index=True
    )
    instalment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("instalments.id", ondelete="CASCADE"), index=True
    )
    interest_yuan: Mapped[Decimal] = mapped_column(Money)
    principal_yuan: Mapped[Decimal] = mapped_column(Money)
    penalty_yuan: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"), server_default="0")

    repayment: Mapped[Repayment] = relationship(back_populates="allocations")
    instalment: Mapped[Instalment] = relationship()


__all__ = [
    "Instalment",
    "Loan",
    "LoanStatus",
    "RepaymentKind",
    "Repayment",
    "RepaymentAllocation",
]
