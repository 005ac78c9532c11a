"""What the application page shows of documents, for the viewer's role."""

from __future__ import annotations

from finplatform.documents import queries
from finplatform.documents.forms import DocumentRequestForm, UploadForm
from finplatform.models import Application, Role, User


def application_documents_context(application: Application, user: User) -> dict:
    """Documents attached (those the viewer may open), the institution's requests, and the
    forms the viewer may use: the firm attaches, the institution asks."""
    context = {
        "documents": queries.application_documents(application, user),
        "document_requests": queries.application_document_requests(application)
        if user.role in (Role.ENTERPRISE, Role.INSTITUTION, Role.SPECIALIST)
        else [],
    }
    if user.role == Role.ENTERPRISE:
        context["upload_form"] = UploadForm()
        context["profile_documents"] = queries.profile_documents(application.enterprise_id)
    if user.role == Role.INSTITUTION:
        context["document_request_form"] = DocumentRequestForm()
    return context
