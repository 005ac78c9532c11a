"""The commission's admin pages."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from finplatform.access import role_required
from finplatform.admin.forms import ConfirmForm, StaffAccountForm
from finplatform.auth import services
from finplatform.exceptions import DomainError
from finplatform.extensions import db
from finplatform.forms_support import show_domain_error
from finplatform.models import Institution, InstitutionStatus, Role, User

bp = Blueprint("admin", __name__, url_prefix="/admin")

STATUS_ACTIONS = {"approve": InstitutionStatus.APPROVED, "suspend": InstitutionStatus.SUSPENDED}


@bp.get("/")
@role_required(Role.ADMIN)
def home():
    """Institutions waiting for approval, and the platform's institutions."""
    status = request.args.get("status", InstitutionStatus.PENDING.value)
    if status not in {member.value for member in InstitutionStatus}:
        status = InstitutionStatus.PENDING.value
    page = db.paginate(
        sa.select(Institution).where(Institution.status == status).order_by(Institution.id),
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    return render_template(
        "admin/home.html", page=page, status=status, statuses=InstitutionStatus, form=ConfirmForm()
    )


@bp.post("/institutions/<int:institution_id>/<action>")
@role_required(Role.ADMIN)
def set_institution_status(institution_id: int, action: str):
    """Approve or suspend an institution."""
    if action not in STATUS_ACTIONS or not ConfirmForm().validate_on_submit():
        abort(400)
    institution = db.get_or_404(Institution, institution_id)
    services.set_institution_status(institution, STATUS_ACTIONS[action], current_user)
    message = (
        _("%(name)s is approved.", name=institution.name)
        if action == "approve"
        else _("%(name)s is suspended.", name=institution.name)
    )
    flash(message, "success")
    return redirect(url_for("admin.home", status=request.args.get("back", "pending")))


@bp.route("/staff", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def staff():
    """Specialists and commission viewers: list and create."""
    form = StaffAccountForm()
    if form.validate_on_submit():
        try:
            user = services.create_user(
                role=Role(form.role.data),
                email=form.email.data,
                name=form.name.data,
                password=form.password.data,
                phone=form.phone.data,
                actor=current_user,
            )
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            flash(_("Account %(email)s created.", email=user.email), "success")
            return redirect(url_for("admin.staff"))
    page = db.paginate(
        sa.select(User)
        .where(User.role.in_([Role.SPECIALIST, Role.COMMISSION, Role.ADMIN]))
        .order_by(User.role, User.name),
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    return render_template("admin/staff.html", form=form, page=page)
