"""Documents a firm attaches to its profile or to an application, and an institution's request
for a document that is missing."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from finplatform.models.base import Base, enum_column, utcnow
from finplatform.models.deals import Application
from finplatform.models.organisations import Enterprise, Institution


class DocumentKind(enum.StrEnum):
    """What a document is: 营业执照, 财务报表, 资质证书, 专利证书."""

    BUSINESS_LICENCE = "business_licence"
    FINANCIAL_STATEMENTS = "financial_statements"
    QUALIFICATION = "qualification"
    PATENT_CERTIFICATE = "patent_certificate"


class Document(Base):
    """A file a firm attached (企业材料): on its profile when `application_id` is empty, else
    shared with the institution of that application.

    The content sits in blob storage under its SHA-256 digest (`blob_key`); the type is the
    one its content shows, never the name's extension.
    """

    __tablename__ = "documents"
    __table_args__ = (
        sa.CheckConstraint("size > 0", name="size_positive"),
        sa.Index("ix_documents_enterprise_application", "enterprise_id", "application_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprises.id", ondelete="CASCADE"))
    application_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[DocumentKind] = mapped_column(enum_column(DocumentKind))
    filename: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    blob_key: Mapped[str] = mapped_column(sa.String(255))
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    enterprise: Mapped[Enterprise] = relationship()
    application: Mapped[Application | None] = relationship()


class DocumentRequestStatus(enum.StrEnum):
    """An institution's request for a document: open until the firm attaches one."""

    OPEN = "open"
    FULFILLED = "fulfilled"


class DocumentRequest(Base):
    """An institution asks the firm for a missing document on an application, by a date."""

    __tablename__ = "document_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    enterprise_id: Mapped[int] = mapped_column(
        sa.ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    institution_id: Mapped[int] = mapped_column(
        sa.ForeignKey("institutions.id", ondelete="CASCADE")
    )
    kind: Mapped[DocumentKind] = mapped_column(enum_column(DocumentKind))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    due_on: Mapped[date]
    status: Mapped[DocumentRequestStatus] = mapped_column(
        enum_column(DocumentRequestStatus), default=DocumentRequestStatus.OPEN
    )
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    document_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("documents.id", ondelete="SET NULL")
    )
    fulfilled_at: Mapped[datetime | None]

    application: Mapped[Application] = relationship()
    institution: Mapped[Institution] = relationship()
