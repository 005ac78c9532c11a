"""An approved institution's staff import repayments of their own institution's loans: the
upload, the institution's batches and each batch's problems, through the admin's import path
(`services.start_import` / `run_import`). The batch records who uploaded it, and the row check
refuses any loan that is not the uploader's institution's (`repayment_writing`)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, render_template
from flask_babel import gettext as _
from flask_login import current_user

from finplatform.access import role_required
from finplatform.extensions import db
from finplatform.imports.forms import RepaymentImportForm
from finplatform.imports.routes import KIND_NAMES, detail_page, errors_download, upload_started
from finplatform.models import ImportBatch, Role, User

KIND = "repayments"
ENDPOINTS = {
    "index_endpoint": "repayment_imports.index",
    "detail_endpoint": "repayment_imports.detail",
    "errors_endpoint": "repayment_imports.errors",
}

bp = Blueprint("repayment_imports", __name__, url_prefix="/institution/repayment-imports")


def _own_batches() -> sa.Select:
    """Repayment batches uploaded by anyone of the signed-in user's institution."""
    return (
        sa.select(ImportBatch)
        .join(User, User.id == ImportBatch.created_by_id)
        .where(ImportBatch.kind == KIND, User.institution_id == current_user.institution_id)
    )


def _own_batch_or_404(batch_id: int) -> ImportBatch:
    batch = db.session.scalar(_own_batches().where(ImportBatch.id == batch_id))
    if batch is None:
        abort(404)
    return batch


@bp.route("/", methods=["GET", "POST"])
@role_required(Role.INSTITUTION)
def index():
    """The upload form and the institution's latest repayment imports."""
    form = RepaymentImportForm()
    if form.validate_on_submit() and (
        started := upload_started(form, KIND, ENDPOINTS["detail_endpoint"])
    ):
        return started
    batches = db.session.scalars(_own_batches().order_by(ImportBatch.id.desc()).limit(20)).all()
    return render_template(
        "imports/index.html",
        form=form,
        batches=batches,
        kinds=KIND_NAMES,
        title=_("Import repayments"),
        hint=_(
            "Columns: loan number, day paid, amount and transaction number (流水号); only your "
            "institution's loans. Importing the same file again records nothing twice."
        ),
        **ENDPOINTS,
    )


@bp.get("/<int:batch_id>")
@role_required(Role.INSTITUTION)
def detail(batch_id: int):
    """One of the institution's imports: its progress, then what was recorded and every problem."""
    return detail_page(_own_batch_or_404(batch_id), **ENDPOINTS)


@bp.get("/<int:batch_id>/errors.csv")
@role_required(Role.INSTITUTION)
def errors(batch_id: int):
    """Every problem of one of the institution's imports as a CSV file."""
    return errors_download(_own_batch_or_404(batch_id))
