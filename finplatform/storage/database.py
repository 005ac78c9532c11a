"""Blobs in the platform's database (PostgreSQL or SQLite), in 1 MiB chunks.

A put is part of the caller's transaction: it is kept when the request, command or job commits
and gone with everything else when it rolls back, so a model version's row and its artifact
are never one without the other. Content over the caller's limit is refused before any row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import sqlalchemy as sa
from sqlalchemy.orm import Session

from finplatform.models import StoredBlob, StoredBlobChunk
from finplatform.storage.base import (
    CHUNK_SIZE,
    BlobInfo,
    BlobNotFound,
    BlobStore,
    Spooled,
    check_key,
)


def _info(row: StoredBlob) -> BlobInfo:
    return BlobInfo(
        key=row.key,
        size=row.size,
        sha256=row.sha256,
        content_type=row.content_type,
        metadata=dict(row.attributes or {}),
        created_at=row.created_at,
    )


class DatabaseBlobStore(BlobStore):
    """Blob rows and chunk rows in the database the session talks to."""

    def __init__(self, session: Callable[[], Session]) -> None:
        self._session = session

    def info(self, key: str) -> BlobInfo:
        """Size, digest, content type and metadata of a blob."""
        row = self._session().get(StoredBlob, check_key(key), populate_existing=True)
        if row is None:
            raise BlobNotFound(key)
        return _info(row)

    def delete(self, key: str) -> bool:
        """Remove a blob and its chunks (in the caller's transaction)."""
        session = self._session()
        check_key(key)
        session.execute(sa.delete(StoredBlobChunk).where(StoredBlobChunk.key == key))
        removed = session.execute(sa.delete(StoredBlob).where(StoredBlob.key == key)).rowcount
        session.expire_all()
        return bool(removed)

    def keys(self, prefix: str = "") -> list[str]:
        """Stored keys starting with `prefix`, sorted."""
        statement = sa.select(StoredBlob.key).order_by(StoredBlob.key)
        if prefix:
            # Compared as a range, not LIKE: keys may hold "_", LIKE's wildcard.
            statement = statement.where(
                StoredBlob.key >= prefix, StoredBlob.key < prefix + "\U0010ffff"
            )
        return list(self._session().scalars(statement))

    def _write(self, key: str, spooled: Spooled, content_type: str, metadata: dict) -> BlobInfo:
        # No savepoint of its own: the content was read and checked before the first row, and
        # a database error fails the caller's whole transaction (pysqlite would also commit at
        # a savepoint's release when no transaction was open yet).
        session = self._session()
        self.delete(key)
        row = StoredBlob(
            key=key,
            size=spooled.size,
            sha256=spooled.sha256,
            content_type=content_type,
            attributes=metadata,
            chunk_count=0,
        )
        session.add(row)
        session.flush()
        count = 0
        for count, block in enumerate(spooled.chunks(CHUNK_SIZE), start=1):
            session.execute(sa.insert(StoredBlobChunk).values(key=key, seq=count - 1, data=block))
        row.chunk_count = count
        session.flush()
        return _info(row)

    def _chunks(self, info: BlobInfo) -> Iterator[bytes]:
        session = self._session()
        count = session.scalar(sa.select(StoredBlob.chunk_count).where(StoredBlob.key == info.key))
        for seq in range(count or 0):
            block = session.scalar(
                sa.select(StoredBlobChunk.data).where(
                    StoredBlobChunk.key == info.key, StoredBlobChunk.seq == seq
                )
            )
            if block is None:
                break
            yield bytes(block)
