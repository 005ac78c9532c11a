"""The contract every blob store keeps, run against the database and the S3 implementations."""

from __future__ import annotations

import io

import pytest

from finplatform.storage.base import (
    BlobIntegrityError,
    BlobNotFound,
    BlobTooLarge,
    InvalidBlobKey,
)

# SHA-256 of b"abc" (FIPS 180-2, appendix B.1).
ABC_SHA256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_put_then_get_returns_the_content_with_its_size_digest_type_and_metadata(backend):
    store = backend.store
    info = store.put(
        "documents/licence.pdf",
        b"abc",
        content_type="application/pdf",
        metadata={"filename": "营业执照.pdf", "firm": "42"},
    )
    assert (info.size, info.sha256, info.content_type) == (3, ABC_SHA256, "application/pdf")
    assert store.get("documents/licence.pdf") == b"abc"
    stored = store.info("documents/licence.pdf")
    assert (stored.size, stored.sha256, stored.content_type) == (3, ABC_SHA256, "application/pdf")
    assert stored.metadata == {"filename": "营业执照.pdf", "firm": "42"}
    assert store.exists("documents/licence.pdf")


def test_delete_removes_a_blob_and_says_whether_there_was_one(backend):
    store = backend.store
    store.put("models/v1.json", b"{}")
    assert store.delete("models/v1.json") is True
    assert store.delete("models/v1.json") is False
    assert not store.exists("models/v1.json")
    with pytest.raises(BlobNotFound):
        store.get("models/v1.json")
    with pytest.raises(BlobNotFound):
        store.info("models/v1.json")


def test_putting_again_under_a_key_replaces_the_content(backend):
    store = backend.store
    store.put("models/v1.joblib", b"first version of the content")
    store.put("models/v1.joblib", b"abc")
    assert store.get("models/v1.joblib") == b"abc"
    assert store.info("models/v1.joblib").size == 3


def test_a_large_blob_goes_in_from_a_file_and_comes_back_in_pieces(backend):
    store = backend.store
    content = bytes(range(256)) * (10 * 1024 + 7)  # 2.5 MiB and a bit: three 1 MiB pieces
    store.put("documents/large.bin", io.BytesIO(content))
    pieces = list(store.stream("documents/large.bin"))
    assert len(pieces) >= 3
    assert max(len(piece) for piece in pieces) <= 1024 * 1024
    assert b"".join(pieces) == content
    assert store.info("documents/large.bin").size == 256 * (10 * 1024 + 7)


def test_content_over_the_size_limit_is_refused_and_nothing_is_stored(backend):
    store = backend.store
    with pytest.raises(BlobTooLarge):
        store.put("documents/big.pdf", io.BytesIO(b"x" * 1001), max_size=1000)
    assert not store.exists("documents/big.pdf")
    assert store.put("documents/fits.pdf", b"x" * 1000, max_size=1000).size == 1000


def test_content_addressed_blobs_are_filed_under_their_digest_and_stored_once(backend):
    store = backend.store
    first = store.put_content_addressed("documents", b"abc", content_type="text/plain")
    again = store.put_content_addressed("documents", io.BytesIO(b"abc"))
    assert first.key == again.key == f"documents/{ABC_SHA256}"
    assert store.keys("documents/") == [f"documents/{ABC_SHA256}"]
    assert store.info(first.key).content_type == "text/plain"


def test_keys_lists_what_starts_with_a_prefix_in_order(backend):
    store = backend.store
    for key in ("models/b.json", "models/a.json", "documents/a_1", "documents/a-2"):
        store.put(key, b"abc")
    assert store.keys("models/") == ["models/a.json", "models/b.json"]
    assert store.keys("documents/a_") == ["documents/a_1"]


@pytest.mark.parametrize("key", ["", "../secret", "/etc/passwd", "a//b", "a/../b", "a/./b", "é"])
def test_keys_outside_the_allowed_form_are_refused(backend, key):
    with pytest.raises(InvalidBlobKey):
        backend.store.put(key, b"abc")


def test_metadata_names_outside_the_allowed_form_are_refused(backend):
    with pytest.raises(InvalidBlobKey):
        backend.store.put("documents/a", b"abc", metadata={"File Name": "x"})


def test_content_changed_behind_the_stores_back_is_refused_on_read(backend):
    store = backend.store
    store.put("models/v1.joblib", b"abc")
    backend.damage("models/v1.joblib")
    with pytest.raises(BlobIntegrityError):
        store.get("models/v1.joblib")
    with pytest.raises(BlobIntegrityError):
        list(store.stream("models/v1.joblib"))
