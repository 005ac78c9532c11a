"""Stored blobs (the database implementation of `finplatform.storage`): one row per blob and
its content in ordered chunks, so that a large blob is written and read a piece at a time."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from finplatform.models.base import Base, utcnow


class StoredBlob(Base):
    """A blob's key, size, SHA-256 digest, content type and metadata."""

    __tablename__ = "stored_blobs"

    key: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    size: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    content_type: Mapped[str] = mapped_column(sa.String(127))
    attributes: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    chunk_count: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StoredBlobChunk(Base):
    """One piece of a blob's content, in order."""

    __tablename__ = "stored_blob_chunks"

    key: Mapped[str] = mapped_column(
        sa.ForeignKey("stored_blobs.key", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(primary_key=True)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
