"""The commission's admin pages: institutions, staff, assignments, targets, audit log."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from finplatform.access import role_required
from finplatform.admin import queries
from finplatform.admin import services as admin_services
from finplatform.admin.forms import (
    AssignForm,
    BulkAssignForm,
    StaffAccountForm,
    TargetForm,
)
from finplatform.admin.holiday_routes import bp as calendar_bp
from finplatform.admin.model_routes import bp as models_bp
from finplatform.auth import services
from finplatform.choices import district_choices, industry_choices
from finplatform.extensions import db
from finplatform.forms_support import ConfirmForm, refusal_shown
from finplatform.models import (
    Enterprise,
    Institution,
    InstitutionStatus,
    Role,
    Target,
)
from finplatform.money import plain_decimal
from finplatform.paging import counted_page
from finplatform.search import search_term
from finplatform.workcalendar import uncovered_years

bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.register_blueprint(models_bp)
bp.register_blueprint(calendar_bp)

STATUS_ACTIONS = {"approve": InstitutionStatus.APPROVED, "suspend": InstitutionStatus.SUSPENDED}


@bp.get("/")
@role_required(Role.ADMIN)
def home():
    """Institutions waiting for approval, and the platform's institutions."""
    status = request.args.get("status", InstitutionStatus.PENDING.value)
    if status not in {member.value for member in InstitutionStatus}:
        status = InstitutionStatus.PENDING.value
    page = counted_page(queries.institutions_in(status))
    return render_template(
        "admin/home.html",
        page=page,
        status=status,
        statuses=InstitutionStatus,
        form=ConfirmForm(),
        uncovered_years=uncovered_years(),
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
        with refusal_shown(form) as attempt:
            user = services.create_user(
                role=Role(form.role.data),
                email=form.email.data,
                name=form.name.data,
                password=form.password.data,
                phone=form.phone.data,
                actor=current_user,
                chosen_by_person=True,
            )
        if attempt.ok:
            flash(_("Account %(email)s created.", email=user.email), "success")
            return redirect(url_for("admin.staff"))
    page = counted_page(queries.staff_accounts())
    return render_template("admin/staff.html", form=form, page=page)


def _specialist_choices() -> list[SelectChoice]:
    return [
        SelectChoice(user.id, f"{user.name} <{user.email}>")
        for user in queries.active_specialists()
    ]


@bp.get("/assignments")
@role_required(Role.ADMIN)
def assignments():
    """Firms and their specialists, filtered; assign one, or all of a district/industry."""
    district = request.args.get("district", "")
    industry = request.args.get("industry", "")
    unassigned = request.args.get("unassigned") == "1"
    query = queries.firms_for_assignment(district, industry, unassigned, search_term())
    specialists = _specialist_choices()
    assign = AssignForm()
    assign.specialist_id.choices = [SelectChoice(0, "—")] + specialists
    bulk = BulkAssignForm(district_code=district, industry_code=industry)
    bulk.specialist_id.choices = specialists
    bulk.district_code.choices = district_choices()
    bulk.industry_code.choices = industry_choices()
    return render_template(
        "admin/assignments.html",
        page=counted_page(query),
        assign_form=assign,
        bulk_form=bulk,
        specialists={choice.value: choice.label for choice in specialists},
        district=district,
        industry=industry,
        unassigned=unassigned,
        districts=[(c.value, c.label) for c in district_choices()[1:]],
        industries=[(c.value, c.label) for c in industry_choices()[1:]],
    )


@bp.post("/assignments/<int:enterprise_id>")
@role_required(Role.ADMIN)
def assign(enterprise_id: int):
    """Assign one firm to a specialist (— unassigns)."""
    enterprise = db.get_or_404(Enterprise, enterprise_id)
    form = AssignForm()
    form.specialist_id.choices = [SelectChoice(0, "—")] + _specialist_choices()
    if form.validate_on_submit():
        with refusal_shown() as attempt:
            admin_services.assign_firm(enterprise, form.specialist_id.data or None, current_user)
        if attempt.ok:
            flash(_("%(name)s assigned.", name=enterprise.name), "success")
    else:
        flash(_("Please choose a value from the list."), "warning")
    return redirect(
        request.referrer if _same_site(request.referrer) else url_for("admin.assignments")
    )


def _same_site(url: str | None) -> bool:
    return bool(url) and url.startswith(request.host_url)


@bp.post("/assignments/bulk")
@role_required(Role.ADMIN)
def bulk_assign():
    """Assign every firm of a district and/or industry to one specialist."""
    form = BulkAssignForm()
    form.specialist_id.choices = _specialist_choices()
    form.district_code.choices = district_choices()
    form.industry_code.choices = industry_choices()
    if form.validate_on_submit():
        with refusal_shown() as attempt:
            count = admin_services.bulk_assign(
                specialist_id=form.specialist_id.data,
                district_code=form.district_code.data,
                industry_code=form.industry_code.data,
                only_unassigned=form.only_unassigned.data,
                actor=current_user,
            )
        if attempt.ok:
            flash(_("%(n)d firms assigned.", n=count), "success")
    else:
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "danger")
    return redirect(url_for("admin.assignments"))


@bp.get("/targets")
@role_required(Role.ADMIN)
def targets():
    """Every target of a year, editable."""
    years = queries.target_years()
    year = request.args.get("year", type=int) or (years[-1] if years else None)
    return render_template(
        "admin/targets.html", targets=queries.targets_of(year), years=years, year=year
    )


@bp.route("/targets/<int:target_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_target(target_id: int):
    """Change one target's value."""
    target = db.get_or_404(Target, target_id)
    form = TargetForm(obj=target)
    if not form.is_submitted():
        form.value.data = plain_decimal(target.value)
    if form.validate_on_submit():
        with refusal_shown(form) as attempt:
            admin_services.update_target(target, form.value.data, current_user)
        if attempt.ok:
            flash(_("Target saved."), "success")
            return redirect(url_for("admin.targets", year=target.year))
    return render_template("admin/target_form.html", form=form, target=target)


@bp.get("/audit")
@role_required(Role.ADMIN)
def audit():
    """The audit log, newest first, filtered by action, object type or actor."""
    action = request.args.get("action", "").strip()
    object_type = request.args.get("object_type", "").strip()
    actor = request.args.get("actor", "").strip()
    return render_template(
        "admin/audit.html",
        page=counted_page(queries.audit_events(action, object_type, actor)),
        action=action,
        object_type=object_type,
        actor=actor,
    )
