"""Reference data: districts, industries, product kinds and institution kinds."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from finplatform.models.base import Base


class District(Base):
    """An administrative district of the city (区), keyed by its national division code."""

    __tablename__ = "districts"

    code: Mapped[str] = mapped_column(sa.String(6), primary_key=True)
    name_zh: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name_en: Mapped[str] = mapped_column(sa.String(60))
    # Other names records use: the short name (滨海 for 滨海新区), and the county's name and
    # code in 2014, when three of today's districts were counties (宁河县, 120221).
    short_name_zh: Mapped[str | None] = mapped_column(sa.String(20))
    name_2014_zh: Mapped[str | None] = mapped_column(sa.String(40))
    code_2014: Mapped[str | None] = mapped_column(sa.String(6))


class Industry(Base):
    """A GB/T 4754-2017 section (门类, a letter) or division (大类, two digits)."""

    __tablename__ = "industries"
    __table_args__ = (sa.CheckConstraint("level IN ('section', 'division')", name="level"),)

    code: Mapped[str] = mapped_column(sa.String(4), primary_key=True)
    level: Mapped[str] = mapped_column(sa.String(10))
    section_code: Mapped[str] = mapped_column(
        sa.String(1), sa.ForeignKey("industries.code", ondelete="RESTRICT")
    )
    name_zh: Mapped[str] = mapped_column(sa.String(80))
    name_en: Mapped[str] = mapped_column(sa.String(120))
    # The plan's pushed industries this division belongs to, comma-separated keys.
    tech_focus: Mapped[str] = mapped_column(sa.String(120), default="")


class ProductKind(Base):
    """A kind of financing product: credit loan (信用贷款), IP pledge, guarantee, equity, …."""

    __tablename__ = "product_kinds"

    code: Mapped[str] = mapped_column(sa.String(24), primary_key=True)
    name_zh: Mapped[str] = mapped_column(sa.String(40))
    name_en: Mapped[str] = mapped_column(sa.String(60))
    is_loan: Mapped[bool] = mapped_column(default=True)
    # A credit loan (信用贷款) needs no collateral; the plan's 100亿元 target counts these.
    is_credit_loan: Mapped[bool] = mapped_column(default=False)
    sort_order: Mapped[int] = mapped_column(default=0)


class InstitutionKind(Base):
    """A kind of institution: tech branch (科技支行), bank, credit community (信用共同体), …."""

    __tablename__ = "institution_kinds"

    code: Mapped[str] = mapped_column(sa.String(24), primary_key=True)
    name_zh: Mapped[str] = mapped_column(sa.String(40))
    name_en: Mapped[str] = mapped_column(sa.String(60))
    sort_order: Mapped[int] = mapped_column(default=0)
