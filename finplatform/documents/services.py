"""Attaching documents, asking for missing ones, and reading them back.

A document's content goes into blob storage under `documents/<sha256>` (the same file sent
twice is stored once); its row says whose it is, what kind, its name and the type its content
showed. Attaching a document to an application shares it with that application's
institution and fulfils the institution's open requests for that kind.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import BinaryIO

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from finplatform import clock
from finplatform.audit import record_audit
from finplatform.documents.content import clean_filename, detect_type
from finplatform.exceptions import DomainError
from finplatform.extensions import db
from finplatform.models import (
    Application,
    Document,
    DocumentKind,
    DocumentRequest,
    DocumentRequestStatus,
    Enterprise,
    User,
    utcnow,
)
from finplatform.money import format_number
from finplatform.notifications.services import notify_enterprise, notify_institution
from finplatform.states import DOCUMENT_REQUEST
from finplatform.storage.wiring import blob_store

PREFIX = "documents"
MAX_REQUEST_DAYS = 90
MAX_NOTE = 2000
MIB = Decimal(1024 * 1024)


def _kind(value) -> DocumentKind:
    try:
        return DocumentKind(value)
    except ValueError as exc:
        raise DomainError(_l("Please choose a value from the list."), "kind") from exc


def _read_limited(file: BinaryIO) -> bytes:
    limit = current_app.config["DOCUMENT_MAX_BYTES"]
    content = file.read(limit + 1)
    if len(content) > limit:
        raise DomainError(
            _l(
                "The file is larger than %(size)s MB, the largest accepted.",
                size=format_number((Decimal(limit) / MIB).quantize(Decimal("0.1"))),
            ),
            "file",
        )
    return content


def _params(application: Application) -> dict:
    return {
        "firm": application.enterprise.name,
        "institution": application.institution.name,
        "product": application.product.name,
    }


def _fulfil_requests(document: Document) -> None:
    """Mark the open requests for this kind on the document's application as fulfilled."""
    now = utcnow()
    for pending in db.session.scalars(
        sa.select(DocumentRequest).where(
            DocumentRequest.application_id == document.application_id,
            DocumentRequest.kind == document.kind,
            DocumentRequest.status == DocumentRequestStatus.OPEN,
        )
    ):
        DOCUMENT_REQUEST.move(pending, DocumentRequestStatus.FULFILLED)
        pending.document_id = document.id
        pending.fulfilled_at = now


def _attached(document: Document, actor: User) -> Document:
    db.session.add(document)
    db.session.flush()
    record_audit(
        "document.attached",
        document,
        actor=actor,
        detail={"kind": document.kind.value, "application": document.application_id},
    )
    if document.application_id is not None:
        _fulfil_requests(document)
        application = document.application
        notify_institution(
            application.institution_id,
            "document.attached",
            _params(application),
            f"/applications/{application.id}",
        )
    db.session.flush()
    return document


def _check_application(enterprise: Enterprise, application: Application | None) -> None:
    if application is not None and application.enterprise_id != enterprise.id:
        raise DomainError(_l("Please choose one of your own applications."), "application_id")


def upload_document(
    enterprise: Enterprise,
    actor: User,
    *,
    kind,
    file: BinaryIO,
    filename: str,
    application: Application | None = None,
) -> Document:
    """Check a file by its content and size, store it under its digest, and attach it to the
    firm's profile or (shared with its institution) to one of the firm's applications."""
    kind = _kind(kind)
    _check_application(enterprise, application)
    name = clean_filename(filename)
    content = _read_limited(file)
    extension, content_type = detect_type(content, name)
    info = blob_store().put_content_addressed(
        PREFIX,
        content,
        content_type=content_type,
        max_size=current_app.config["DOCUMENT_MAX_BYTES"],
    )
    document = Document(
        enterprise_id=enterprise.id,
        application_id=application.id if application is not None else None,
        application=application,
        kind=kind,
        filename=name,
        content_type=content_type,
        size=info.size,
        sha256=info.sha256,
        blob_key=info.key,
        uploaded_by_id=actor.id,
    )
    return _attached(document, actor)


def share_document(document: Document, application: Application, actor: User) -> Document:
    """Attach one of the firm's profile documents to its application (the content is not
    copied: both rows point at the same blob)."""
    _check_application(document.enterprise, application)
    if document.application_id is not None:
        raise DomainError(_l("Please choose a document from your profile."), "document_id")
    shared = Document(
        enterprise_id=document.enterprise_id,
        application_id=application.id,
        application=application,
        kind=document.kind,
        filename=document.filename,
        content_type=document.content_type,
        size=document.size,
        sha256=document.sha256,
        blob_key=document.blob_key,
        uploaded_by_id=actor.id,
    )
    return _attached(shared, actor)


def request_document(
    application: Application, actor: User, *, kind, due_on: date, note: str = ""
) -> DocumentRequest:
    """An institution asks the firm for a missing document by `due_on`; it shows in the
    firm's to-do until a document of that kind is attached to the application."""
    kind = _kind(kind)
    if actor.institution_id != application.institution_id:
        raise DomainError(_l("Please choose one of your own applications."), "application_id")
    today = clock.today()
    if due_on is None or not today <= due_on <= today + timedelta(days=MAX_REQUEST_DAYS):
        raise DomainError(
            _l("The deadline must be between today and %(n)d days from now.", n=MAX_REQUEST_DAYS),
            "due_on",
        )
    request = DocumentRequest(
        application_id=application.id,
        enterprise_id=application.enterprise_id,
        institution_id=application.institution_id,
        kind=kind,
        note=(note or "").strip()[:MAX_NOTE],
        due_on=due_on,
        requested_by_id=actor.id,
    )
    db.session.add(request)
    db.session.flush()
    record_audit("document.requested", request, actor=actor, detail={"kind": kind.value})
    notify_enterprise(
        application.enterprise_id,
        "document.requested",
        {**_params(application), "due": due_on.isoformat()},
        f"/applications/{application.id}",
    )
    return request


def document_content(document: Document) -> bytes:
    """The document's bytes, checked against the digest they were stored under."""
    return blob_store().get(document.blob_key)
