"""Blobs in an S3-compatible bucket (AWS S3, MinIO, Ceph, or moto's server in the tests).

Each blob is one object under `<prefix><key>`; its SHA-256 and the caller's metadata travel as
the object's user metadata (values percent-encoded: S3 carries them as ASCII headers). Large
content goes up in parts (boto3's managed transfer). A put is written at once, whatever the
caller's database transaction does: record rows that point at a blob after putting it.
Credentials come from boto3's usual sources (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, …).
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote, unquote

import boto3
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError

from finplatform.storage.base import (
    CHUNK_SIZE,
    BlobInfo,
    BlobNotFound,
    BlobStore,
    Spooled,
    check_key,
)

DIGEST_FIELD = "sha256"
_PREFIX = "x-"  # caller's metadata names are stored with this prefix, apart from ours


def _missing(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound")


class S3BlobStore(BlobStore):
    """One bucket (and an optional key prefix inside it)."""

    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str | None = None,
        client=None,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix
        self.client = client or boto3.client(
            "s3",
            endpoint_url=endpoint_url or None,
            region_name=region or None,
            config=BotoConfig(retries={"max_attempts": 3, "mode": "standard"}),
        )

    def _object(self, key: str) -> str:
        return self.prefix + check_key(key)

    def info(self, key: str) -> BlobInfo:
        """Size, digest, content type and metadata of a blob (one HEAD)."""
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self._object(key))
        except ClientError as error:
            if _missing(error):
                raise BlobNotFound(key) from error
            raise
        stored = head.get("Metadata", {})
        return BlobInfo(
            key=key,
            size=head["ContentLength"],
            sha256=stored.get(DIGEST_FIELD, ""),
            content_type=head.get("ContentType", ""),
            metadata={
                name[len(_PREFIX) :]: unquote(value)
                for name, value in stored.items()
                if name.startswith(_PREFIX)
            },
            created_at=head.get("LastModified"),
        )

    def delete(self, key: str) -> bool:
        """Remove a blob; returns whether there was one."""
        existed = self.exists(key)
        self.client.delete_object(Bucket=self.bucket, Key=self._object(key))
        return existed

    def keys(self, prefix: str = "") -> list[str]:
        """Stored keys starting with `prefix`, sorted."""
        found = []
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix + prefix):
            found.extend(item["Key"][len(self.prefix) :] for item in page.get("Contents", []))
        return sorted(found)

    def _write(self, key: str, spooled: Spooled, content_type: str, metadata: dict) -> BlobInfo:
        stored = {DIGEST_FIELD: spooled.sha256}
        stored.update({_PREFIX + name: quote(value) for name, value in metadata.items()})
        spooled.file.seek(0)
        self.client.upload_fileobj(
            spooled.file,
            self.bucket,
            self._object(key),
            ExtraArgs={"ContentType": content_type, "Metadata": stored},
        )
        return BlobInfo(key, spooled.size, spooled.sha256, content_type, dict(metadata))

    def _chunks(self, info: BlobInfo) -> Iterator[bytes]:
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self._object(info.key))["Body"]
        except ClientError as error:
            if _missing(error):
                raise BlobNotFound(info.key) from error
            raise
        with body:
            yield from body.iter_chunks(CHUNK_SIZE)
