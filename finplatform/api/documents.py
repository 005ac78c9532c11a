"""Documents over the API: a firm uploads (multipart) and lists its files, an institution
reads those attached to its applications and asks for missing ones. Downloads come as
attachments with their checked content type and no sniffing, as on the pages."""

from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest import abort
from flask_smorest.fields import Upload
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict

from finplatform.access import get_visible_or_404, visible
from finplatform.api.core import (
    PageArgs,
    api_blueprint,
    list_page,
    page_schema,
    refusals,
    require_role,
)
from finplatform.documents import services
from finplatform.documents.content import ACCEPTED
from finplatform.documents.routes import attachment_response
from finplatform.extensions import db
from finplatform.models import Application, Document, DocumentKind, DocumentRequest, Role


class FormAndFilesParser(FlaskParser):
    """Reads a multipart body's fields and files as one (OpenAPI has one request body)."""

    def load_files(self, req, schema):
        """The multipart body's files and its other fields."""
        return self._makeproxy(CombinedMultiDict([req.files, req.form]), schema)


bp = api_blueprint(
    "api_documents",
    "/documents",
    "Documents attached to a firm's profile or applications.",
    body_limit="DOCUMENT_MAX_BYTES",
)
bp.ARGUMENTS_PARSER = FormAndFilesParser()
requests_bp = api_blueprint(
    "api_document_requests", "/document-requests", "Institutions' requests for documents."
)

KINDS = [kind.value for kind in DocumentKind]
ID = ma.validate.Range(min=1, max=2**31 - 1)
UNKNOWN_APPLICATION = _l("There is no such application.")


class DocumentSchema(ma.Schema):
    """A document: its kind, name, the type its content showed, size and digest."""

    id = ma.fields.Integer(required=True)
    enterprise_id = ma.fields.Integer(required=True)
    application_id = ma.fields.Integer(allow_none=True)
    kind = ma.fields.Function(lambda obj: obj.kind.value, required=True)
    filename = ma.fields.String(required=True)
    content_type = ma.fields.String(required=True)
    size = ma.fields.Integer(required=True)
    sha256 = ma.fields.String(required=True)
    uploaded_at = ma.fields.DateTime(required=True)


class DocumentFilter(PageArgs):
    """Filters of the document list."""

    application_id = ma.fields.Integer(validate=ID)


class UploadInput(ma.Schema):
    """A multipart upload: the file (PDF, JPG, PNG or XLSX, checked by its content), its kind,
    and the application to attach it to (else the profile)."""

    file = Upload(required=True)
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(KINDS))
    application_id = ma.fields.Integer(validate=ID)


class DocumentRequestSchema(ma.Schema):
    """An institution's request for a document, and whether the firm has provided it."""

    id = ma.fields.Integer(required=True)
    application_id = ma.fields.Integer(required=True)
    kind = ma.fields.Function(lambda obj: obj.kind.value, required=True)
    due_on = ma.fields.Date(required=True)
    note = ma.fields.String(required=True)
    status = ma.fields.Function(lambda obj: obj.status.value, required=True)
    document_id = ma.fields.Integer(allow_none=True)


class DocumentRequestInput(ma.Schema):
    """Ask the firm of one of the institution's applications for a document by a date."""

    application_id = ma.fields.Integer(required=True, strict=True, validate=ID)
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(KINDS))
    due_on = ma.fields.Date(required=True)
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=2000))


DocumentPage = page_schema(DocumentSchema, "DocumentPage")
DocumentRequestPage = page_schema(DocumentRequestSchema, "DocumentRequestPage")


def _application(application_id: int | None) -> Application | None:
    if application_id is None:
        return None
    found = db.session.scalar(
        sa.select(Application).where(
            Application.id == application_id, visible(Application, current_user)
        )
    )
    if found is None:
        message = str(UNKNOWN_APPLICATION)
        abort(422, message=message, errors={"form": {"application_id": [message]}})
    return found


@bp.get("")
@bp.arguments(DocumentFilter, location="query")
@bp.response(200, DocumentPage)
def list_documents(args):
    """The documents the token's user may open (a firm: its own; an institution: those
    attached to applications made to it)."""
    return list_page(
        sa.select(Document).where(visible(Document, current_user)),
        args,
        {"application_id": Document.application_id},
        Document.id.desc(),
    )


@bp.post("")
@bp.arguments(UploadInput, location="files")
@bp.response(201, DocumentSchema)
def upload_document(fields):
    """The enterprise uploads a document to its profile, or to one of its applications."""
    require_role(Role.ENTERPRISE)
    application = _application(fields.get("application_id"))
    upload = fields["file"]
    with refusals("files"):
        return services.upload_document(
            current_user.enterprise,
            current_user,
            kind=fields["kind"],
            file=upload.stream,
            filename=upload.filename or "",
            application=application,
        )


@bp.get("/<int:document_id>")
@bp.response(200, DocumentSchema)
def get_document(document_id: int):
    """One document's description."""
    return get_visible_or_404(Document, document_id)


@bp.get("/<int:document_id>/content")
@bp.doc(
    responses={
        "200": {
            "description": "The file, as an attachment, in the content type its content showed.",
            "content": {
                content_type: {"schema": {"type": "string", "format": "binary"}}
                for content_type in ACCEPTED.values()
            },
        }
    }
)
def document_content(document_id: int):
    """The document's file (Content-Disposition: attachment; X-Content-Type-Options: nosniff)."""
    return attachment_response(get_visible_or_404(Document, document_id), current_user)


@requests_bp.get("")
@requests_bp.arguments(DocumentFilter, location="query")
@requests_bp.response(200, DocumentRequestPage)
def list_document_requests(args):
    """Document requests the token's user may see."""
    return list_page(
        sa.select(DocumentRequest).where(visible(DocumentRequest, current_user)),
        args,
        {"application_id": DocumentRequest.application_id},
        DocumentRequest.id.desc(),
    )


@requests_bp.post("")
@requests_bp.arguments(DocumentRequestInput)
@requests_bp.response(201, DocumentRequestSchema)
def create_document_request(values):
    """The institution asks the firm of one of its applications for a document by a date."""
    require_role(Role.INSTITUTION)
    application = _application(values["application_id"])
    with refusals():
        return services.request_document(
            application,
            current_user,
            kind=values["kind"],
            due_on=values["due_on"],
            note=values["note"],
        )
