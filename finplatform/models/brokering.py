"""A specialist's brokering work: referrals and recommendations, visits and calls."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from finplatform.models.base import Base, TimestampMixin, enum_column
from finplatform.models.organisations import Enterprise, Institution
from finplatform.models.products import Product


class ReferralKind(enum.StrEnum):
    """A product recommended to a firm, or a firm referred to an institution."""

    RECOMMEND_PRODUCT = "recommend_product"
    REFER_TO_INSTITUTION = "refer_to_institution"


class Referral(TimestampMixin, Base):
    """A specialist's recommendation (推荐) or referral (转介) for a firm."""

    __tablename__ = "referrals"
    __table_args__ = (
        sa.CheckConstraint(
            "product_id IS NOT NULL OR institution_id IS NOT NULL", name="has_target"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ReferralKind] = mapped_column(enum_column(ReferralKind))
    specialist_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    enterprise_id: Mapped[int] = mapped_column(
        sa.ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    request_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("financing_requests.id", ondelete="SET NULL")
    )
    product_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("products.id", ondelete="SET NULL")
    )
    institution_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("institutions.id", ondelete="SET NULL"), index=True
    )
    note: Mapped[str] = mapped_column(sa.Text, default="")
    seen_at: Mapped[datetime | None]

    enterprise: Mapped[Enterprise] = relationship()
    product: Mapped[Product | None] = relationship()
    institution: Mapped[Institution | None] = relationship()


class ContactChannel(enum.StrEnum):
    """How a specialist reached a firm."""

    VISIT = "visit"
    CALL = "call"
    MEETING = "meeting"
    OTHER = "other"


class ContactLog(TimestampMixin, Base):
    """A visit, call or meeting with a firm, with an optional follow-up date."""

    __tablename__ = "contact_logs"
    __table_args__ = (
        # A firm's contacts, and the follow-ups of a specialist's firms.
        sa.Index("ix_contact_logs_enterprise_follow_up", "enterprise_id", "follow_up_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    specialist_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprises.id", ondelete="CASCADE"))
    channel: Mapped[ContactChannel] = mapped_column(enum_column(ContactChannel))
    happened_at: Mapped[datetime]
    note: Mapped[str] = mapped_column(sa.Text, default="")
    follow_up_on: Mapped[date | None] = mapped_column(index=True)

    enterprise: Mapped[Enterprise] = relationship()
