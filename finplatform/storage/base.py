"""The blob store interface: put, get, stream, info, exists and delete by key.

Every blob has a key (`documents/ab12…`, `models/m1f2e….joblib`: letters, digits and `._-/`,
no empty part), its content, a size, the SHA-256 digest of its content,
a content type and small metadata (names and values of text). `get` and `stream` check the
content against the digest recorded when it was put and raise `BlobIntegrityError` when they
differ. Content goes in as bytes or as a binary file object (read in pieces, never whole), and
`max_size` refuses anything larger before a byte is stored. `put_content_addressed` files the
content under its own digest, so the same content is stored once.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO

CHUNK_SIZE = 1024 * 1024
DEFAULT_CONTENT_TYPE = "application/octet-stream"
_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*")
_METADATA_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
MAX_KEY_LENGTH = 255
MAX_METADATA_BYTES = 1024


class BlobStoreError(Exception):
    """Something the blob store refused or could not do."""


class BlobNotFound(BlobStoreError, KeyError):
    """No blob under that key."""


class BlobIntegrityError(BlobStoreError):
    """A blob's content no longer matches the digest recorded when it was stored."""


class BlobTooLarge(BlobStoreError):
    """The content is larger than the caller's limit; nothing was stored."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"content larger than {limit} bytes")
        self.limit = limit


class InvalidBlobKey(BlobStoreError, ValueError):
    """A key or metadata name outside the allowed form."""


@dataclass(frozen=True)
class BlobInfo:
    """What is known of a stored blob besides its content."""

    key: str
    size: int
    sha256: str
    content_type: str
    metadata: dict[str, str] = field(default_factory=dict)
    created_at: datetime | None = None


def check_key(key: str) -> str:
    """Return the key if it has the allowed form, else raise InvalidBlobKey."""
    if (
        not isinstance(key, str)
        or len(key) > MAX_KEY_LENGTH
        or not _KEY.fullmatch(key)
        or any(part in (".", "..") or set(part) == {"."} for part in key.split("/"))
    ):
        raise InvalidBlobKey(f"invalid blob key: {key!r}")
    return key


def check_metadata(metadata: dict[str, str] | None) -> dict[str, str]:
    """Return the metadata as a plain dict if names and sizes are allowed."""
    metadata = dict(metadata or {})
    for name, value in metadata.items():
        if not isinstance(name, str) or not _METADATA_NAME.fullmatch(name):
            raise InvalidBlobKey(f"invalid metadata name: {name!r}")
        if not isinstance(value, str):
            raise InvalidBlobKey(f"metadata {name!r} must be text")
    if sum(len(n) + len(v.encode()) for n, v in metadata.items()) > MAX_METADATA_BYTES:
        raise InvalidBlobKey(f"metadata larger than {MAX_METADATA_BYTES} bytes")
    return metadata


@dataclass
class Spooled:
    """Content read once into a temporary file, with its size and digest."""

    file: BinaryIO
    size: int
    sha256: str

    def chunks(self, size: int = CHUNK_SIZE) -> Iterator[bytes]:
        """The content again, from the start, a piece at a time."""
        self.file.seek(0)
        while block := self.file.read(size):
            yield block


def spool(content: bytes | BinaryIO, max_size: int | None) -> Spooled:
    """Read `content` once (a piece at a time), hashing and counting it, refusing it past
    `max_size`; kept in memory up to a few MiB, on disk beyond."""
    holder = tempfile.SpooledTemporaryFile(max_size=8 * CHUNK_SIZE)  # noqa: SIM115
    digest = hashlib.sha256()
    size = 0
    pieces = [content] if isinstance(content, bytes | bytearray | memoryview) else None
    reader = iter(pieces) if pieces is not None else iter(lambda: content.read(CHUNK_SIZE), b"")
    for block in reader:
        size += len(block)
        if max_size is not None and size > max_size:
            holder.close()
            raise BlobTooLarge(max_size)
        digest.update(block)
        holder.write(block)
    holder.seek(0)
    return Spooled(holder, size, digest.hexdigest())


class VerifiedStream:
    """Chunks of a blob, with its digest checked once the last one has been read."""

    def __init__(self, key: str, expected_sha256: str, chunks: Iterator[bytes]) -> None:
        self.key = key
        self._expected = expected_sha256
        self._chunks = chunks
        self._digest = hashlib.sha256()

    def __iter__(self) -> Iterator[bytes]:
        for block in self._chunks:
            self._digest.update(block)
            yield block
        if self._digest.hexdigest() != self._expected:
            raise BlobIntegrityError(f"blob {self.key} does not match its recorded sha256")


class BlobStore(ABC):
    """Where blobs are kept; the implementations differ only in where."""

    def put(
        self,
        key: str,
        content: bytes | BinaryIO,
        *,
        content_type: str = DEFAULT_CONTENT_TYPE,
        metadata: dict[str, str] | None = None,
        max_size: int | None = None,
    ) -> BlobInfo:
        """Store `content` under `key` (replacing what was there); returns its info."""
        check_key(key)
        metadata = check_metadata(metadata)
        spooled = spool(content, max_size)
        try:
            return self._write(key, spooled, content_type or DEFAULT_CONTENT_TYPE, metadata)
        finally:
            spooled.file.close()

    def put_content_addressed(
        self,
        prefix: str,
        content: bytes | BinaryIO,
        *,
        content_type: str = DEFAULT_CONTENT_TYPE,
        metadata: dict[str, str] | None = None,
        max_size: int | None = None,
    ) -> BlobInfo:
        """Store `content` under `<prefix>/<its sha256>`; the same content is stored once."""
        check_key(prefix)
        metadata = check_metadata(metadata)
        spooled = spool(content, max_size)
        try:
            key = f"{prefix}/{spooled.sha256}"
            existing = self.info(key) if self.exists(key) else None
            if existing is not None and existing.sha256 == spooled.sha256:
                return existing
            return self._write(key, spooled, content_type or DEFAULT_CONTENT_TYPE, metadata)
        finally:
            spooled.file.close()

    def get(self, key: str) -> bytes:
        """The whole content of a blob, checked against its digest."""
        return b"".join(self.stream(key))

    def stream(self, key: str) -> VerifiedStream:
        """The content of a blob in pieces; BlobIntegrityError after the last if it changed."""
        info = self.info(key)
        return VerifiedStream(key, info.sha256, self._chunks(info))

    def exists(self, key: str) -> bool:
        """Whether a blob is stored under `key`."""
        try:
            self.info(key)
        except BlobNotFound:
            return False
        return True

    @abstractmethod
    def info(self, key: str) -> BlobInfo:
        """Size, digest, content type and metadata of a blob; BlobNotFound if there is none."""

    @abstractmethod
    def delete(self, key: str) -> bool:
        """Remove a blob; returns whether there was one."""

    @abstractmethod
    def keys(self, prefix: str = "") -> list[str]:
        """The keys that start with `prefix`, sorted."""

    @abstractmethod
    def _write(self, key: str, spooled: Spooled, content_type: str, metadata: dict) -> BlobInfo:
        """Store spooled content under key."""

    @abstractmethod
    def _chunks(self, info: BlobInfo) -> Iterator[bytes]:
        """The stored content of a blob, in pieces."""
