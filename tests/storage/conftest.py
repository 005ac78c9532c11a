"""The blob stores under test: the database one on the suite's database, and the S3 one against
moto's S3-compatible server, started here as a separate process on 127.0.0.1."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
import uuid

import boto3
import pytest
import sqlalchemy as sa

from finplatform.models import StoredBlobChunk
from finplatform.storage.database import DatabaseBlobStore
from finplatform.storage.s3 import DIGEST_FIELD, S3BlobStore

CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint():
    """moto's S3 server on a free local port, for the whole session."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url + "/moto-api/", timeout=2):
                break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail("moto's S3 server did not start")
            time.sleep(0.2)
    yield url
    server.terminate()
    server.wait(timeout=10)


def s3_client(endpoint: str):
    """A boto3 S3 client for the local server."""
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **CREDENTIALS)


@pytest.fixture
def s3_bucket(s3_endpoint):
    """A new, empty bucket for one test."""
    name = f"test-{uuid.uuid4().hex[:12]}"
    s3_client(s3_endpoint).create_bucket(Bucket=name)
    return name


class Backend:
    """A store under test and a way to damage what it holds behind its back."""

    def __init__(self, store, damage) -> None:
        self.store = store
        self.damage = damage


@pytest.fixture(params=["database", "s3"])
def backend(request, app, db):
    """Each implementation in turn, with its own way of corrupting a stored blob."""
    if request.param == "database":
        store = DatabaseBlobStore(lambda: db.session)

        def damage(key: str) -> None:
            db.session.execute(
                sa.update(StoredBlobChunk)
                .where(StoredBlobChunk.key == key, StoredBlobChunk.seq == 0)
                .values(data=b"tampered")
            )

        return Backend(store, damage)
    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = request.getfixturevalue("s3_bucket")
    client = s3_client(endpoint)
    store = S3BlobStore(bucket, prefix="blobs/", client=client)

    def damage(key: str) -> None:
        head = client.head_object(Bucket=bucket, Key="blobs/" + key)
        client.put_object(
            Bucket=bucket,
            Key="blobs/" + key,
            Body=b"tampered",
            Metadata={DIGEST_FIELD: head["Metadata"][DIGEST_FIELD]},
        )

    return Backend(store, damage)
