"""Admin pages: upload a file to import, follow its progress, download its errors."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from finplatform import jobs
from finplatform.access import role_required
from finplatform.extensions import db
from finplatform.forms_support import refusal_shown
from finplatform.imports import services
from finplatform.imports.forms import KIND_CHOICES, ImportForm
from finplatform.models import ImportBatch, Role

bp = Blueprint("imports", __name__, url_prefix="/admin/imports")
KIND_NAMES = {choice.value: choice.label for choice in KIND_CHOICES}


def upload_started(form, kind: str, detail_endpoint: str = "imports.detail") -> Response | None:
    """Start importing the form's uploaded file as `kind` and send the user to the batch's
    page; None when the import is refused (the refusal is shown on the form)."""
    upload = form.file.data
    with refusal_shown(form) as attempt:
        batch, handle = services.start_import(
            kind, upload.filename or "", upload.read(), form.good_rows_only.data, current_user
        )
    if attempt.ok:
        return redirect(url_for(detail_endpoint, batch_id=batch.id, job=handle.id))
    return None


@bp.route("/", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def index():
    """The upload form and the latest imports."""
    form = ImportForm()
    if form.validate_on_submit() and (started := upload_started(form, form.kind.data)):
        return started
    batches = db.session.scalars(
        sa.select(ImportBatch).order_by(ImportBatch.id.desc()).limit(20)
    ).all()
    return render_template("imports/index.html", form=form, batches=batches, kinds=KIND_NAMES)


@bp.get("/<int:batch_id>")
@role_required(Role.ADMIN)
def detail(batch_id: int):
    """One import: its progress while it runs, then what was imported and every problem."""
    return detail_page(db.get_or_404(ImportBatch, batch_id))


@bp.get("/<int:batch_id>/errors.csv")
@role_required(Role.ADMIN)
def errors(batch_id: int):
    """Every problem of an import as a CSV file."""
    return errors_download(db.get_or_404(ImportBatch, batch_id))


def detail_page(batch: ImportBatch, **endpoints) -> str:
    """A batch's page (also the institutions' repayment imports, with their `endpoints`)."""
    job_id = request.args.get("job")
    running = batch.status in {"pending", "running"}
    progress = jobs.job_status(job_id) if job_id and running else None
    if batch.status == "finished" and not batch.errors:
        flash(_("%(n)d rows imported.", n=batch.imported_rows), "success")
    return render_template(
        "imports/detail.html",
        batch=batch,
        progress=progress,
        kinds=KIND_NAMES,
        shown_errors=batch.errors[:500],
        **endpoints,
    )


def errors_download(batch: ImportBatch) -> Response:
    """A batch's problems as a CSV download."""
    return Response(
        services.errors_csv(batch),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=import-{batch.id}-errors.csv"},
    )
