"""Document pages: the firm's own files, attaching to an application, asking for a missing
file, and the download itself (as an attachment, never rendered by the browser)."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from finplatform import clock
from finplatform.access import get_visible_or_404, role_required
from finplatform.credit.consent import log_view
from finplatform.documents import queries, services
from finplatform.documents.content import ACCEPTED
from finplatform.documents.forms import DocumentRequestForm, UploadForm
from finplatform.extensions import db
from finplatform.forms_support import refusal_shown
from finplatform.models import Application, Document, Role

bp = Blueprint("documents", __name__)
EXTENSION_OF = {content_type: extension for extension, content_type in ACCEPTED.items()}


def _back(application_id: int) -> str:
    return url_for("deals.application_detail", application_id=application_id)


def _flash_errors(form) -> None:
    for errors in form.errors.values():
        for message in errors:
            flash(str(message), "danger")


@bp.route("/enterprise/documents", methods=["GET", "POST"])
@role_required(Role.ENTERPRISE)
def index():
    """The firm's profile documents, the upload form, and what institutions asked for."""
    enterprise = current_user.enterprise
    form = UploadForm()
    if form.validate_on_submit():
        with refusal_shown(form) as attempt:
            services.upload_document(
                enterprise,
                current_user,
                kind=form.kind.data,
                file=form.file.data.stream,
                filename=form.file.data.filename,
            )
        if attempt.ok:
            flash(_("Document uploaded."), "success")
            return redirect(url_for("documents.index"))
    return render_template(
        "documents/index.html",
        form=form,
        documents=queries.profile_documents(enterprise.id),
        todo=queries.firm_todo(enterprise.id),
        today=clock.today(),
    ), (422 if form.errors else 200)


@bp.post("/applications/<int:application_id>/documents")
@role_required(Role.ENTERPRISE)
def attach(application_id: int):
    """Attach a new file, or one of the profile's documents, to the firm's application."""
    application = get_visible_or_404(Application, application_id)
    shared_id = request.form.get("document_id", type=int)
    with refusal_shown() as attempt:
        if shared_id:
            document = get_visible_or_404(Document, shared_id)
            services.share_document(document, application, current_user)
        else:
            form = UploadForm()
            if not form.validate_on_submit():
                _flash_errors(form)
                return redirect(_back(application_id))
            services.upload_document(
                application.enterprise,
                current_user,
                kind=form.kind.data,
                file=form.file.data.stream,
                filename=form.file.data.filename,
                application=application,
            )
    if not attempt.ok:
        return redirect(_back(application_id))
    flash(_("Document attached: the institution can now open it."), "success")
    return redirect(_back(application_id))


@bp.post("/applications/<int:application_id>/document-requests")
@role_required(Role.INSTITUTION)
def ask(application_id: int):
    """The institution asks the firm for a missing document by a date."""
    application = get_visible_or_404(Application, application_id)
    form = DocumentRequestForm()
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(_back(application_id))
    with refusal_shown() as attempt:
        services.request_document(
            application,
            current_user,
            kind=form.kind.data,
            due_on=form.due_on.data,
            note=form.note.data or "",
        )
    if attempt.ok:
        flash(_("The firm is asked for the document."), "success")
    return redirect(_back(application_id))


def attachment_response(document: Document, viewer) -> Response:
    """The document's bytes as a download: its content type, `attachment`, no sniffing, and
    not kept by shared caches. An institution's look goes into the firm's consent log."""
    content = services.document_content(document)
    if viewer.role == Role.INSTITUTION:
        log_view(document.enterprise_id, viewer, "document")
        db.session.commit()
    extension = EXTENSION_OF.get(document.content_type, "bin")
    fallback = f"document-{document.id}.{extension}"
    response = Response(content, mimetype=document.content_type)
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(document.filename)}"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/documents/<int:document_id>/download")
@role_required(Role.ENTERPRISE, Role.SPECIALIST, Role.INSTITUTION)
def download(document_id: int):
    """One document, to those allowed to open it (others get 404)."""
    return attachment_response(get_visible_or_404(Document, document_id), current_user)
