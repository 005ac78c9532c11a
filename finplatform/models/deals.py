"""Financing requests, matches, applications with their event history, and disbursements."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from finplatform.models.base import Base, Money, Rate, TimestampMixin, enum_column, utcnow
from finplatform.models.organisations import Enterprise, Institution
from finplatform.models.products import Product
from finplatform.models.reference import ProductKind

request_kinds = sa.Table(
    "request_kinds",
    Base.metadata,
    sa.Column(
        "request_id",
        sa.ForeignKey("financing_requests.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "kind_code", sa.ForeignKey("product_kinds.code", ondelete="RESTRICT"), primary_key=True
    ),
)


class RequestStatus(enum.StrEnum):
    """Where a financing request stands."""

    OPEN = "open"
    FULFILLED = "fulfilled"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


class FinancingRequest(TimestampMixin, Base):
    """A financing request (融资需求) posted by an enterprise."""

    __tablename__ = "financing_requests"
    __table_args__ = (
        sa.CheckConstraint("amount_yuan > 0", name="amount_positive"),
        sa.CheckConstraint("term_months > 0", name="term_positive"),
        sa.CheckConstraint("max_rate IS NULL OR max_rate > 0", name="max_rate_positive"),
        sa.Index("ix_financing_requests_status_created", "status", "created_at"),
        # A firm's requests by status (its open ones, a specialist's queue).
        sa.Index("ix_financing_requests_enterprise_status", "enterprise_id", "status"),
        sa.Index("ix_financing_requests_created_at", "created_at"),
        # Requests edited since an instant (an export of changes) are found by this index.
        sa.Index("ix_financing_requests_updated_at", "updated_at"),
        # The funnel's matched step: requests first ranked in a month.
        sa.Index("ix_financing_requests_first_ranked_at", "first_ranked_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprises.id", ondelete="RESTRICT"))
    amount_yuan: Mapped[Decimal] = mapped_column(Money)
    term_months: Mapped[int]
    purpose: Mapped[str] = mapped_column(sa.Text, default="")
    max_rate: Mapped[Decimal | None] = mapped_column(Rate)
    collateral_offered: Mapped[str] = mapped_column(sa.String(200), default="")
    status: Mapped[RequestStatus] = mapped_column(
        enum_column(RequestStatus), default=RequestStatus.OPEN
    )
    updated_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # When a ranking first proposed products for the request (the batch re-ranking, the
    # request's page, the API or the suggestions after a rejection); re-ranking keeps it.
    first_ranked_at: Mapped[datetime | None]
    # The id a bulk import keyed this row on (re-importing the same file changes nothing).
    external_id: Mapped[str | None] = mapped_column(sa.String(64), unique=True)

    enterprise: Mapped[Enterprise] = relationship()
    accepted_kinds: Mapped[list[ProductKind]] = relationship(secondary=request_kinds)


class RequestEvent(Base):
    """One status change of a financing request: who, when, from, to, why."""

    __tablename__ = "request_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("financing_requests.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    from_status: Mapped[str | None] = mapped_column(sa.String(20))
    to_status: Mapped[str] = mapped_column(sa.String(20))
    note: Mapped[str] = mapped_column(sa.Text, default="")


class MatchSource(enum.StrEnum):
    """What produced a match's score: the learned model or the transparent rule score."""

    MODEL = "model"
    RULE = "rule"


class Match(TimestampMixin, Base):
    """A product proposed for a request, with its score, rank and reasons."""

    __tablename__ = "matches"
    __table_args__ = (
        sa.UniqueConstraint("request_id", "product_id", name="uq_matches_request_product"),
        sa.Index("ix_matches_created_at", "created_at"),
        sa.CheckConstraint("rank >= 1", name="rank_positive"),
        sa.CheckConstraint(
            "probability IS NULL OR (probability >= 0 AND probability <= 1)",
            name="probability_range",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("financing_requests.id", ondelete="CASCADE"), index=True
    )
    product_id: Mapped[int] = mapped_column(
        sa.ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    score: Mapped[float] = mapped_column(sa.Float)
    probability: Mapped[float | None] = mapped_column(sa.Float)
    rank: Mapped[int]
    source: Mapped[MatchSource] = mapped_column(enum_column(MatchSource))
    model_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("model_versions.id", ondelete="SET NULL")
    )
    reasons: Mapped[list] = mapped_column(sa.JSON, default=list)

    request: Mapped[FinancingRequest] = relationship()
    product: Mapped[Product] = relationship()


class OfferStatus(enum.StrEnum):
    """An institution's offer waits for the firm, which accepts or declines it."""

    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class Offer(TimestampMixin, Base):
    """An institution's proactive offer on an open request from its demand pool (接单)."""

    __tablename__ = "offers"
    __table_args__ = (
        sa.CheckConstraint("amount_yuan > 0", name="amount_positive"),
        sa.CheckConstraint("term_months > 0", name="term_positive"),
        sa.CheckConstraint("rate >= 0", name="rate_not_negative"),
        # One live offer per product and request; a withdrawn or declined one may be renewed.
        sa.Index(
            "uq_offers_open_per_product",
            "request_id",
            "product_id",
            unique=True,
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("financing_requests.id", ondelete="CASCADE"), index=True
    )
    product_id: Mapped[int] = mapped_column(
        sa.ForeignKey("products.id", ondelete="RESTRICT"), index=True
    )
    institution_id: Mapped[int] = mapped_column(
        sa.ForeignKey("institutions.id", ondelete="RESTRICT"), index=True
    )
    amount_yuan: Mapped[Decimal] = mapped_column(Money)
    rate: Mapped[Decimal] = mapped_column(Rate)
    term_months: Mapped[int]
    note: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[OfferStatus] = mapped_column(enum_column(OfferStatus), default=OfferStatus.OPEN)
    offered_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    answered_at: Mapped[datetime | None]

    request: Mapped[FinancingRequest] = relationship()
    product: Mapped[Product] = relationship()
    institution: Mapped[Institution] = relationship()


class ApplicationStatus(enum.StrEnum):
    """submitted → in review → approved / rejected → disbursed; or withdrawn, expired.

    Terms granted outside the product's terms or the firm's highest rate wait for the firm's
    acceptance (awaiting_firm) before they count as approved.
    """

    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    AWAITING_FIRM = "awaiting_firm"
    APPROVED = "approved"
    REJECTED = "rejected"
    DISBURSED = "disbursed"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


def _requested_amount(context) -> Decimal | None:
    """Default of Application.amount_yuan: the amount its request asks for."""
    requests = FinancingRequest.__table__
    return context.connection.scalar(
        sa.select(requests.c.amount_yuan).where(
            requests.c.id == context.get_current_parameters()["request_id"]
        )
    )


class Application(TimestampMixin, Base):
    """An enterprise's application of one request to one product (融资申请).

    The enterprise, institution and product kind are copied from the request and product when
    the application is made, so that report queries group without joins; so is the amount
    the request asked for (`amount_yuan`), which the report sums for applications.
    """

    __tablename__ = "applications"
    __table_args__ = (
        sa.CheckConstraint(
            "approved_amount_yuan IS NULL OR approved_amount_yuan > 0",
            name="approved_amount_positive",
        ),
        sa.CheckConstraint(
            "approved_term_months IS NULL OR approved_term_months > 0",
            name="approved_term_positive",
        ),
        sa.CheckConstraint("approved_rate IS NULL OR approved_rate >= 0", name="approved_rate"),
        sa.Index("ix_applications_institution_status", "institution_id", "status"),
        # The institution's inbox: nearest deadline first, a page at a time.
        sa.Index("ix_applications_institution_respond_by", "institution_id", "respond_by", "id"),
        # A firm's applications by status (a specialist's overdue and rejected queues).
        sa.Index("ix_applications_enterprise_status", "enterprise_id", "status"),
        sa.Index("ix_applications_submitted_at", "submitted_at"),
        sa.Index("ix_applications_decided_at", "decided_at"),
        sa.Index("ix_applications_status_decided", "status", "decided_at"),
        sa.Index("ix_applications_respond_by", "respond_by"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("financing_requests.id", ondelete="RESTRICT"), index=True
    )
    product_id: Mapped[int] = mapped_column(
        sa.ForeignKey("products.id", ondelete="RESTRICT"), index=True
    )
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprises.id", ondelete="RESTRICT"))
    institution_id: Mapped[int] = mapped_column(
        sa.ForeignKey("institutions.id", ondelete="RESTRICT")
    )
    product_kind_code: Mapped[str] = mapped_column(
        sa.ForeignKey("product_kinds.code", ondelete="RESTRICT"), index=True
    )
    # The request's amount when the application was made (the report sums it without a join).
    amount_yuan: Mapped[Decimal] = mapped_column(Money, default=_requested_amount)
    status: Mapped[ApplicationStatus] = mapped_column(
        enum_column(ApplicationStatus), default=ApplicationStatus.SUBMITTED, index=True
    )
    # True when the institution offered first from its demand pool (接单).
    from_offer: Mapped[bool] = mapped_column(default=False)
    specialist_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    respond_by: Mapped[datetime | None]
    first_response_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    approved_amount_yuan: Mapped[Decimal | None] = mapped_column(Money)
    approved_rate: Mapped[Decimal | None] = mapped_column(Rate)
    approved_term_months: Mapped[int | None]
    reject_reason: Mapped[str | None] = mapped_column(sa.String(40))
    reject_note: Mapped[str] = mapped_column(sa.Text, default="")
    # Terms granted outside the limits: each broken limit ({"rule", "limit"}) and the officer's
    # reason, shown to the firm, which accepts or refuses them.
    limit_breaches: Mapped[list] = mapped_column(sa.JSON, default=list, server_default="[]")
    limit_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    offer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("offers.id", ondelete="SET NULL"))
    overdue_notified_at: Mapped[datetime | None]
    external_id: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    # Optimistic lock: two staff deciding at once → one update wins, the other sees a conflict.
    version: Mapped[int] = mapped_column(default=1)

    request: Mapped[FinancingRequest] = relationship()
    product: Mapped[Product] = relationship()
    enterprise: Mapped[Enterprise] = relationship()
    institution: Mapped[Institution] = relationship()

    __mapper_args__ = {"version_id_col": version}


class ApplicationEvent(Base):
    """One status change of an application: who, when, from, to, note."""

    __tablename__ = "application_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    from_status: Mapped[str | None] = mapped_column(sa.String(20))
    to_status: Mapped[str] = mapped_column(sa.String(20))
    note: Mapped[str] = mapped_column(sa.Text, default="")


class Disbursement(TimestampMixin, Base):
    """Money paid out on an approved application (放款); counted once, never twice.

    Enterprise, institution (and its kind), product kind, pool cover, district and industry are
    copied at recording time so that the monthly report aggregates one indexed table.
    A recorded disbursement is never edited: a mistake is corrected by a reversal row
    (`reverses_id` set, negative amount), so closed months stay as they were reported.
    """

    __tablename__ = "disbursements"
    __table_args__ = (
        sa.CheckConstraint(
            "(reverses_id IS NULL AND amount_yuan > 0)"
            " OR (reverses_id IS NOT NULL AND amount_yuan < 0)",
            name="amount_sign",
        ),
        sa.CheckConstraint("term_months > 0", name="term_positive"),
        sa.CheckConstraint("rate >= 0", name="rate_not_negative"),
        sa.UniqueConstraint("idempotency_key", name="uq_disbursements_idempotency_key"),
        sa.UniqueConstraint("external_id", name="uq_disbursements_external_id"),
        sa.UniqueConstraint("reverses_id", name="uq_disbursements_reverses_id"),
        sa.Index("ix_disbursements_kind_date", "product_kind_code", "disbursed_on"),
        sa.Index("ix_disbursements_institution_date", "institution_id", "disbursed_on"),
        sa.Index("ix_disbursements_district_date", "district_code", "disbursed_on"),
        sa.Index("ix_disbursements_industry_date", "industry_code", "disbursed_on"),
        sa.Index("ix_disbursements_enterprise_date", "enterprise_id", "disbursed_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="RESTRICT"), index=True
    )
    amount_yuan: Mapped[Decimal] = mapped_column(Money)
    rate: Mapped[Decimal] = mapped_column(Rate)
    term_months: Mapped[int]
    disbursed_on: Mapped[date] = mapped_column(index=True)
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(80))
    external_id: Mapped[str | None] = mapped_column(sa.String(64))
    reverses_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("disbursements.id", ondelete="RESTRICT")
    )
    note: Mapped[str] = mapped_column(sa.Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    enterprise_id: Mapped[int] = mapped_column(
        sa.ForeignKey("enterprises.id", ondelete="RESTRICT"), index=True
    )
    institution_id: Mapped[int] = mapped_column(
        sa.ForeignKey("institutions.id", ondelete="RESTRICT")
    )
    institution_kind_code: Mapped[str] = mapped_column(
        sa.ForeignKey("institution_kinds.code", ondelete="RESTRICT"), index=True
    )
    product_kind_code: Mapped[str] = mapped_column(
        sa.ForeignKey("product_kinds.code", ondelete="RESTRICT")
    )
    pool_covered: Mapped[bool] = mapped_column(default=False)
    district_code: Mapped[str] = mapped_column(sa.ForeignKey("districts.code", ondelete="RESTRICT"))
    industry_code: Mapped[str] = mapped_column(
        sa.ForeignKey("industries.code", ondelete="RESTRICT")
    )

    application: Mapped[Application] = relationship()
