"""Financing products posted by institutions, with their eligibility rules."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from finplatform.models.base import Base, Money, Rate, TimestampMixin, enum_column
from finplatform.models.organisations import Institution
from finplatform.models.reference import District, Industry, ProductKind

product_industries = sa.Table(
    "product_industries",
    Base.metadata,
    sa.Column("product_id", sa.ForeignKey("products.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "industry_code",
        sa.ForeignKey("industries.code", ondelete="RESTRICT"),
        primary_key=True,
    ),
)

product_districts = sa.Table(
    "product_districts",
    Base.metadata,
    sa.Column("product_id", sa.ForeignKey("products.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "district_code",
        sa.ForeignKey("districts.code", ondelete="RESTRICT"),
        primary_key=True,
    ),
)


class ProductStatus(enum.StrEnum):
    """Retired products keep their history but take no new applications; a draft (of an
    institution not yet approved, or suspended) is seen by its institution alone."""

    ACTIVE = "active"
    RETIRED = "retired"
    DRAFT = "draft"


class Product(TimestampMixin, Base):
    """A financing product (融资产品) with its ranges and eligibility rules.

    Empty industry or district lists mean the product is open to all of them.
    """

    __tablename__ = "products"
    __table_args__ = (
        sa.CheckConstraint("amount_min_yuan > 0", name="amount_min_positive"),
        sa.CheckConstraint("amount_min_yuan <= amount_max_yuan", name="amount_range"),
        sa.CheckConstraint("term_min_months > 0", name="term_min_positive"),
        sa.CheckConstraint("term_min_months <= term_max_months", name="term_range"),
        sa.CheckConstraint("rate_min >= 0", name="rate_min_not_negative"),
        sa.CheckConstraint("rate_min <= rate_max", name="rate_range"),
        sa.CheckConstraint("fee_rate >= 0", name="fee_rate_not_negative"),
        sa.CheckConstraint("min_years >= 0", name="min_years_not_negative"),
        sa.CheckConstraint("min_revenue_yuan >= 0", name="min_revenue_not_negative"),
        sa.UniqueConstraint("institution_id", "external_id", name="uq_products_external_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(
        sa.ForeignKey("institutions.id", ondelete="RESTRICT"), index=True
    )
    kind_code: Mapped[str] = mapped_column(
        sa.ForeignKey("product_kinds.code", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    amount_min_yuan: Mapped[Decimal] = mapped_column(Money)
    amount_max_yuan: Mapped[Decimal] = mapped_column(Money)
    term_min_months: Mapped[int]
    term_max_months: Mapped[int]
    rate_min: Mapped[Decimal] = mapped_column(Rate)
    rate_max: Mapped[Decimal] = mapped_column(Rate)
    # One-off fees as a percentage of the amount (arrangement, guarantee, appraisal).
    fee_rate: Mapped[Decimal] = mapped_column(Rate, default=Decimal("0"))
    # Penalty interest (罚息) on overdue principal: the loan's rate raised by this percentage.
    penalty_markup: Mapped[Decimal] = mapped_column(
        Rate, default=Decimal("50"), server_default="50"
    )
    collateral_required: Mapped[bool] = mapped_column(default=False)
    guarantee_required: Mapped[bool] = mapped_column(default=False)
    min_years: Mapped[int] = mapped_column(default=0)
    min_revenue_yuan: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    little_giant_only: Mapped[bool] = mapped_column(default=False)
    members_only: Mapped[bool] = mapped_column(default=False)
    pool_covered: Mapped[bool] = mapped_column(default=False)
    status: Mapped[ProductStatus] = mapped_column(
        enum_column(ProductStatus), default=ProductStatus.ACTIVE, index=True
    )
    retired_at: Mapped[datetime | None]
    updated_at: Mapped[datetime | None]
    # The institution's own product code, which bulk imports key on.
    external_id: Mapped[str | None] = mapped_column(sa.String(64))

    institution: Mapped[Institution] = relationship()
    kind: Mapped[ProductKind] = relationship()
    industries: Mapped[list[Industry]] = relationship(secondary=product_industries)
    districts: Mapped[list[District]] = relationship(secondary=product_districts)

    def __repr__(self) -> str:
        return f"<Product {self.id} {self.name}>"
