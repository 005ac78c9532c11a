"""Attribute history: what a firm or an institution was, and from when to when.

Each row holds the values of one period. `valid_from` is None on a subject's first row (what was
first recorded stands for all earlier time); `valid_to` is None on the row still current. A
period runs from `valid_from` (included) to `valid_to` (excluded): see `finplatform.history`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from finplatform.models.base import Base, enum_column
from finplatform.models.organisations import InstitutionStatus


class PeriodMixin:
    """From when (included) to when (excluded) a row's values held."""

    valid_from: Mapped[datetime | None]
    valid_to: Mapped[datetime | None]


class FirmAttributes(PeriodMixin, Base):
    """An enterprise's attributes that reports, ranking and eligibility read, over one period.

    A firm's size is not stored apart: it is read from its employees and revenue.
    """

    __tablename__ = "firm_attribute_history"
    __table_args__ = (
        sa.Index("ix_firm_attribute_history_firm_period", "enterprise_id", "valid_from"),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_from IS NULL OR valid_from < valid_to", name="period_order"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprises.id", ondelete="CASCADE"))
    district_code: Mapped[str] = mapped_column(sa.ForeignKey("districts.code", ondelete="RESTRICT"))
    industry_code: Mapped[str] = mapped_column(
        sa.ForeignKey("industries.code", ondelete="RESTRICT")
    )
    employees: Mapped[int | None]
    revenue_yuan: Mapped[Decimal | None]
    rd_spend_yuan: Mapped[Decimal | None]
    patents: Mapped[int] = mapped_column(default=0)
    is_little_giant: Mapped[bool] = mapped_column(default=False)
    is_high_tech: Mapped[bool] = mapped_column(default=False)
    little_giant_confirmed: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    high_tech_confirmed: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    tech_sme_confirmed: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    credit_rating: Mapped[str | None] = mapped_column(sa.String(4))


class MembershipPeriod(PeriodMixin, Base):
    """A firm's membership in a credit community (信用共同体), over one period."""

    __tablename__ = "community_membership_history"
    __table_args__ = (
        sa.Index("ix_community_membership_history_firm_period", "enterprise_id", "valid_from"),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_from IS NULL OR valid_from < valid_to", name="period_order"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(
        sa.ForeignKey("institutions.id", ondelete="CASCADE"), index=True
    )
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprises.id", ondelete="CASCADE"))


class InstitutionStanding(PeriodMixin, Base):
    """An institution's standing with the commission (pending, approved, suspended)."""

    __tablename__ = "institution_standing_history"
    __table_args__ = (
        sa.Index("ix_institution_standing_history_period", "institution_id", "valid_from"),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_from IS NULL OR valid_from < valid_to", name="period_order"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(
        sa.ForeignKey("institutions.id", ondelete="CASCADE")
    )
    status: Mapped[InstitutionStatus] = mapped_column(enum_column(InstitutionStatus))
