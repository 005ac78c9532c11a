"""An institution's inbox: applications to its products, their review, decision and
disbursements."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from finplatform import idempotency
from finplatform.access import get_visible_or_404, role_required
from finplatform.deals import disbursements as disbursement_services
from finplatform.deals import services as deal_services
from finplatform.deals.forms import ApproveForm, DisbursementForm, RejectForm, ReverseForm
from finplatform.deals.reject_reasons import reject_reason_choices
from finplatform.deals.routes import render_application
from finplatform.forms_support import ConfirmForm, refusal_shown
from finplatform.institution import queries
from finplatform.institution.blueprint import bp
from finplatform.institution.tables import inbox_rows
from finplatform.models import (
    Application,
    ApplicationStatus,
    Disbursement,
    Role,
)
from finplatform.paging import counted_rows_page
from finplatform.search import search_term


@bp.get("/institution/inbox")
@role_required(Role.INSTITUTION)
def inbox():
    """Applications to the institution's products: by default those waiting for an answer
    (submitted or in review), nearest deadline first; filtered by status (`all` for every
    one), product, overdue, and the firm's name or credit code."""
    status = request.args.get("status") or queries.OPEN_WORK
    term = search_term()
    product_id = request.args.get("product_id", type=int)
    overdue = request.args.get("overdue") == "1"
    if status != queries.OPEN_WORK and status not in {m.value for m in ApplicationStatus}:
        status = "all"
    page = counted_rows_page(queries.inbox(current_user, status, term, product_id, overdue))
    products = queries.product_names(current_user.institution_id)
    return render_template(
        "institution/inbox.html",
        page=page,
        rows=inbox_rows(page.items),
        status=status,
        q=term,
        product_id=product_id or "",
        overdue=overdue,
        products=products,
    )


def _application(application_id: int) -> Application:
    return get_visible_or_404(Application, application_id)


def _back(application_id: int) -> str:
    return url_for("deals.application_detail", application_id=application_id)


@bp.post("/institution/applications/<int:application_id>/review")
@role_required(Role.INSTITUTION)
def review_application(application_id: int):
    """Take an application into review."""
    application = _application(application_id)
    if ConfirmForm().validate_on_submit():
        with refusal_shown() as attempt:
            deal_services.take_into_review(application, current_user)
        if not attempt.ok:
            return redirect(_back(application_id))
        flash(_("Application taken into review."), "success")
    return redirect(_back(application_id))


@bp.post("/institution/applications/<int:application_id>/approve")
@role_required(Role.INSTITUTION)
def approve_application(application_id: int):
    """Approve with amount, rate and term."""
    application = _application(application_id)
    form = ApproveForm()
    if form.validate_on_submit():
        with refusal_shown(form) as attempt:
            deal_services.approve_application(
                application,
                current_user,
                amount_yuan=form.amount_yuan.data,
                rate=form.rate.data,
                term_months=form.term_months.data,
                note=form.note.data or "",
                reason=form.reason.data or "",
            )
        if attempt.ok:
            if application.status == ApplicationStatus.AWAITING_FIRM:
                flash(_("The terms are outside the limits: they now wait for the firm."), "warning")
            else:
                flash(_("Application approved."), "success")
            return redirect(_back(application_id))
    return render_application(_application(application_id), approve_form=form)


@bp.post("/institution/applications/<int:application_id>/reject")
@role_required(Role.INSTITUTION)
def reject_application(application_id: int):
    """Reject with a reason from the list and free text."""
    application = _application(application_id)
    form = RejectForm()
    form.reason.choices = reject_reason_choices()
    if form.validate_on_submit():
        with refusal_shown(form) as attempt:
            deal_services.reject_application(
                application, current_user, reason=form.reason.data, note=form.note.data or ""
            )
        if attempt.ok:
            flash(_("Application rejected; the firm and its specialist are told."), "success")
            return redirect(_back(application_id))
    return render_application(_application(application_id), reject_form=form)


@bp.post("/institution/applications/<int:application_id>/disburse")
@role_required(Role.INSTITUTION)
def disburse(application_id: int):
    """Record a disbursement; a double submit of the same form records it once."""
    application = _application(application_id)
    form = DisbursementForm()
    if form.validate_on_submit():
        with refusal_shown(form) as attempt:
            _row, created = disbursement_services.record_disbursement(
                application,
                amount_yuan=form.amount_yuan.data,
                rate=form.rate.data,
                term_months=form.term_months.data,
                disbursed_on=form.disbursed_on.data,
                actor=current_user,
                idempotency_key=idempotency.stored_key(
                    "form",
                    current_user.id,
                    f"application/{application.id}",
                    form.idempotency_key.data,
                ),
                note=form.note.data or "",
                repayment_kind=form.repayment_kind.data,
            )
        if attempt.ok:
            flash(
                _("Disbursement recorded.")
                if created
                else _("This disbursement was already recorded."),
                "success" if created else "info",
            )
            return redirect(_back(application_id))
    return render_application(_application(application_id), disburse_form=form)


@bp.post("/institution/disbursements/<int:disbursement_id>/reverse")
@role_required(Role.INSTITUTION)
def reverse_disbursement(disbursement_id: int):
    """Reverse a disbursement recorded by mistake, with a reason."""
    disbursement = get_visible_or_404(Disbursement, disbursement_id)
    back = _back(disbursement.application_id)
    form = ReverseForm()
    if not form.validate_on_submit():
        flash(_("Please give the reason for the reversal."), "warning")
        return redirect(back)
    with refusal_shown() as attempt:
        disbursement_services.reverse_disbursement(disbursement, current_user, form.reason.data)
    if not attempt.ok:
        return redirect(back)
    flash(_("Disbursement reversed."), "success")
    return redirect(back)
