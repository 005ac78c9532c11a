"""Documents work the same on either blob store: a firm's file goes in under its digest and
comes back byte for byte as a download; a file that lies about its type leaves nothing."""

from __future__ import annotations

import hashlib
import io

import pytest

from finplatform.documents.services import document_content, upload_document
from finplatform.exceptions import DomainError
from finplatform.models import Role

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
PNG_NAMED_PDF = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def on_backend(app, backend, monkeypatch):
    """The app's documents kept in the store under test."""
    monkeypatch.setitem(app.extensions, "finplatform_blob_store", backend.store)
    return backend.store


def test_a_document_round_trips_and_a_liar_leaves_nothing(db, make, client, login, on_backend):
    firm = make.enterprise()
    user = make.user(Role.ENTERPRISE, enterprise=firm)
    with pytest.raises(DomainError):
        upload_document(
            firm, user, kind="patent", file=io.BytesIO(PNG_NAMED_PDF), filename="专利.pdf"
        )
    assert list(on_backend.keys("documents/")) == []

    document = upload_document(
        firm, user, kind="business_licence", file=io.BytesIO(PDF), filename="营业执照.pdf"
    )
    db.session.commit()
    assert document.blob_key == f"documents/{hashlib.sha256(PDF).hexdigest()}"
    assert document_content(document) == PDF
    login(user)
    download = client.get(f"/documents/{document.id}/download")
    assert download.status_code == 200
    assert download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment;")
