"""Reads of documents and document requests for the pages and the API."""

from __future__ import annotations

import sqlalchemy as sa

from finplatform.access import visible
from finplatform.extensions import db
from finplatform.models import (
    Application,
    ApplicationStatus,
    Document,
    DocumentRequest,
    DocumentRequestStatus,
    User,
)


def profile_documents(enterprise_id: int) -> list[Document]:
    """The firm's profile documents (not attached to an application), newest first."""
    return list(
        db.session.scalars(
            sa.select(Document)
            .where(Document.enterprise_id == enterprise_id, Document.application_id.is_(None))
            .order_by(Document.id.desc())
        )
    )


def application_documents(application: Application, user: User) -> list[Document]:
    """The documents attached to the application that `user` may open."""
    return list(
        db.session.scalars(
            sa.select(Document)
            .where(Document.application_id == application.id, visible(Document, user))
            .order_by(Document.id)
        )
    )


def application_document_requests(application: Application) -> list[DocumentRequest]:
    """The institution's document requests on an application, oldest first."""
    return list(
        db.session.scalars(
            sa.select(DocumentRequest)
            .where(DocumentRequest.application_id == application.id)
            .order_by(DocumentRequest.id)
        )
    )


def firm_todo(enterprise_id: int) -> dict:
    """What waits for the firm: open document requests (nearest deadline first) and terms
    granted outside the limits that it has to accept or refuse."""
    requests = db.session.scalars(
        sa.select(DocumentRequest)
        .where(
            DocumentRequest.enterprise_id == enterprise_id,
            DocumentRequest.status == DocumentRequestStatus.OPEN,
        )
        .order_by(DocumentRequest.due_on, DocumentRequest.id)
    ).all()
    terms = db.session.scalars(
        sa.select(Application)
        .where(
            Application.enterprise_id == enterprise_id,
            Application.status == ApplicationStatus.AWAITING_FIRM,
        )
        .order_by(Application.id)
    ).all()
    return {"document_requests": list(requests), "terms": list(terms)}
