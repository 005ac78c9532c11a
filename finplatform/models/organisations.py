"""Enterprises and institutions, and credit-community membership."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from finplatform.models.base import Base, TimestampMixin, enum_column, utcnow
from finplatform.models.reference import District, Industry, InstitutionKind

if TYPE_CHECKING:
    from finplatform.models.accounts import User


class Enterprise(TimestampMixin, Base):
    """A tech SME (科技型中小企业) identified by its unified social credit code."""

    __tablename__ = "enterprises"
    __table_args__ = (
        sa.CheckConstraint("length(credit_code) = 18", name="credit_code_length"),
        sa.CheckConstraint("employees IS NULL OR employees >= 0", name="employees_not_negative"),
        sa.CheckConstraint(
            "revenue_yuan IS NULL OR revenue_yuan >= 0", name="revenue_not_negative"
        ),
        sa.CheckConstraint(
            "rd_spend_yuan IS NULL OR rd_spend_yuan >= 0", name="rd_spend_not_negative"
        ),
        sa.CheckConstraint("patents >= 0", name="patents_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    credit_code: Mapped[str] = mapped_column(sa.String(18), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120), index=True)
    district_code: Mapped[str] = mapped_column(
        sa.ForeignKey("districts.code", ondelete="RESTRICT"), index=True
    )
    industry_code: Mapped[str] = mapped_column(
        sa.ForeignKey("industries.code", ondelete="RESTRICT"), index=True
    )
    founded_on: Mapped[date | None]
    employees: Mapped[int | None]
    revenue_yuan: Mapped[Decimal | None]
    rd_spend_yuan: Mapped[Decimal | None]
    patents: Mapped[int] = mapped_column(default=0)
    is_little_giant: Mapped[bool] = mapped_column(default=False)
    is_high_tech: Mapped[bool] = mapped_column(default=False)
    # Claims the public-credit records confirm (a certificate or registration valid that day):
    # what ranking, eligibility and reports read (`finplatform.credit.confirmation`).
    little_giant_confirmed: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    high_tech_confirmed: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    tech_sme_confirmed: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Rating on the usual bank scale (AAA … C); None until an institution or import sets one.
    credit_rating: Mapped[str | None] = mapped_column(sa.String(4))
    contact_name: Mapped[str | None] = mapped_column(sa.String(40))
    contact_phone: Mapped[str | None] = mapped_column(sa.String(30))
    # use_alter: users also point at enterprises, so this key is added after both tables exist.
    specialist_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL", use_alter=True), index=True
    )
    # Set by every update: the monthly report finds firms whose district or industry changed.
    updated_at: Mapped[datetime | None] = mapped_column(onupdate=utcnow, index=True)

    district: Mapped[District] = relationship()
    industry: Mapped[Industry] = relationship()
    specialist: Mapped[User | None] = relationship(foreign_keys=[specialist_id])

    def __repr__(self) -> str:
        return f"<Enterprise {self.id} {self.credit_code}>"


class InstitutionStatus(enum.StrEnum):
    """An institution posts products only once the commission has approved it."""

    PENDING = "pending"
    APPROVED = "approved"
    SUSPENDED = "suspended"


class Institution(TimestampMixin, Base):
    """A financial institution: tech branch, bank, credit community, guarantee firm, fund, …."""

    __tablename__ = "institutions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    kind_code: Mapped[str] = mapped_column(
        sa.ForeignKey("institution_kinds.code", ondelete="RESTRICT"), index=True
    )
    district_code: Mapped[str] = mapped_column(
        sa.ForeignKey("districts.code", ondelete="RESTRICT"), index=True
    )
    credit_code: Mapped[str | None] = mapped_column(sa.String(18), unique=True)
    status: Mapped[InstitutionStatus] = mapped_column(
        enum_column(InstitutionStatus), default=InstitutionStatus.PENDING, index=True
    )
    approved_at: Mapped[datetime | None]
    approved_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL", use_alter=True)
    )

    kind: Mapped[InstitutionKind] = relationship()
    district: Mapped[District] = relationship()

    @property
    def is_approved(self) -> bool:
        """Whether the commission has approved the institution and not suspended it."""
        return self.status == InstitutionStatus.APPROVED

    def __repr__(self) -> str:
        return f"<Institution {self.id} {self.name}>"


class CommunityMembership(Base):
    """An enterprise's membership in a credit community (信用共同体)."""

    __tablename__ = "community_memberships"

    community_id: Mapped[int] = mapped_column(
        sa.ForeignKey("institutions.id", ondelete="CASCADE"), primary_key=True
    )
    enterprise_id: Mapped[int] = mapped_column(
        sa.ForeignKey("enterprises.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)

    community: Mapped[Institution] = relationship()
    enterprise: Mapped[Enterprise] = relationship()


class MembershipRequest(Base):
    """A credit community's request that a firm join it; the firm (or the commission) confirms
    it, which makes the membership, or declines it."""

    __tablename__ = "membership_requests"

    community_id: Mapped[int] = mapped_column(
        sa.ForeignKey("institutions.id", ondelete="CASCADE"), primary_key=True
    )
    enterprise_id: Mapped[int] = mapped_column(
        sa.ForeignKey("enterprises.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    community: Mapped[Institution] = relationship()
    enterprise: Mapped[Enterprise] = relationship()
