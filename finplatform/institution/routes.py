"""An institution's pages: home, inbox of applications and decisions, demand pool and offers,
credit-community members."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import contains_eager, joinedload
from wtforms.fields.choices import SelectChoice

from finplatform.access import get_visible_or_404, role_required, visible
from finplatform.choices import district_choices, industry_choices
from finplatform.deals import disbursements as disbursement_services
from finplatform.deals import offers as offer_services
from finplatform.deals import services as deal_services
from finplatform.deals.deadlines import overdue_condition
from finplatform.deals.forms import (
    ApproveForm,
    DisbursementForm,
    OfferForm,
    RejectForm,
    ReverseForm,
)
from finplatform.deals.reject_reasons import reject_reason_choices
from finplatform.deals.routes import render_application
from finplatform.exceptions import DomainError
from finplatform.extensions import db
from finplatform.forms_support import ConfirmForm, show_domain_error
from finplatform.institution import services
from finplatform.institution.forms import MemberForm
from finplatform.models import (
    Application,
    ApplicationStatus,
    CommunityMembership,
    Disbursement,
    Enterprise,
    FinancingRequest,
    Institution,
    Offer,
    OfferStatus,
    Product,
    ProductStatus,
    Referral,
    Role,
)
from finplatform.paging import counted_page, uncounted_page
from finplatform.ranking.pool import fitting_products_query, pool_condition

bp = Blueprint("institution", __name__)


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _refused(error: DomainError, target: str):
    db.session.rollback()
    flash(str(error.message), "danger")
    return redirect(target)


@bp.get("/institution/")
@role_required(Role.INSTITUTION)
def home():
    """The institution's home: approval status, work waiting, referrals, products."""
    institution = current_user.institution
    products = db.session.scalars(
        sa.select(Product)
        .where(Product.institution_id == institution.id, Product.status == ProductStatus.ACTIVE)
        .order_by(Product.name)
        .limit(50)
    ).all()
    mine = Application.institution_id == institution.id
    counts = {
        "submitted": db.session.scalar(
            sa.select(sa.func.count(Application.id)).where(
                mine, Application.status == ApplicationStatus.SUBMITTED
            )
        ),
        "overdue": db.session.scalar(
            sa.select(sa.func.count(Application.id)).where(mine, overdue_condition())
        ),
        "in_review": db.session.scalar(
            sa.select(sa.func.count(Application.id)).where(
                mine, Application.status == ApplicationStatus.IN_REVIEW
            )
        ),
    }
    referrals = db.session.execute(
        sa.select(Referral, Enterprise)
        .join(Enterprise, Enterprise.id == Referral.enterprise_id)
        .where(visible(Referral, current_user))
        .order_by(Referral.id.desc())
        .limit(10)
    ).all()
    return render_template(
        "institution/home.html",
        institution=institution,
        products=products,
        counts=counts,
        referrals=referrals,
    )


@bp.get("/institutions/<int:institution_id>")
@role_required(Role.INSTITUTION, Role.ENTERPRISE, Role.SPECIALIST, Role.ADMIN)
def detail(institution_id: int):
    """One institution's profile, to those allowed to see it."""
    institution = get_visible_or_404(Institution, institution_id)
    return render_template("institution/detail.html", institution=institution)


@bp.get("/institution/inbox")
@role_required(Role.INSTITUTION)
def inbox():
    """Applications to the institution's products, filtered by status, product or overdue."""
    status = request.args.get("status", "")
    product_id = request.args.get("product_id", type=int)
    overdue = request.args.get("overdue") == "1"
    query = (
        sa.select(Application)
        .where(visible(Application, current_user))
        .options(
            joinedload(Application.enterprise),
            joinedload(Application.product),
            joinedload(Application.request),
        )
    )
    if status in {member.value for member in ApplicationStatus}:
        query = query.where(Application.status == status)
    if product_id:
        query = query.where(Application.product_id == product_id)
    if overdue:
        query = query.where(overdue_condition())
    # Earliest deadline first, those without one last: the order of an index, so that a page
    # reads its twenty rows instead of sorting every application the institution ever had.
    page = counted_page(query.order_by(Application.respond_by.asc().nulls_last(), Application.id))
    products = db.session.execute(
        sa.select(Product.id, Product.name)
        .where(Product.institution_id == current_user.institution_id)
        .order_by(Product.name)
    ).all()
    return render_template(
        "institution/inbox.html",
        page=page,
        status=status,
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
        try:
            deal_services.take_into_review(application, current_user)
        except DomainError as error:
            return _refused(error, _back(application_id))
        flash(_("Application taken into review."), "success")
    return redirect(_back(application_id))


@bp.post("/institution/applications/<int:application_id>/approve")
@role_required(Role.INSTITUTION)
def approve_application(application_id: int):
    """Approve with amount, rate and term."""
    application = _application(application_id)
    form = ApproveForm()
    if form.validate_on_submit():
        try:
            deal_services.approve_application(
                application,
                current_user,
                amount_yuan=form.amount_yuan.data,
                rate=form.rate.data,
                term_months=form.term_months.data,
                note=form.note.data or "",
            )
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
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
        try:
            deal_services.reject_application(
                application, current_user, reason=form.reason.data, note=form.note.data or ""
            )
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
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
        try:
            _row, created = disbursement_services.record_disbursement(
                application,
                amount_yuan=form.amount_yuan.data,
                rate=form.rate.data,
                term_months=form.term_months.data,
                disbursed_on=form.disbursed_on.data,
                actor=current_user,
                idempotency_key=form.idempotency_key.data,
                note=form.note.data or "",
            )
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
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
    try:
        disbursement_services.reverse_disbursement(disbursement, current_user, form.reason.data)
    except DomainError as error:
        return _refused(error, back)
    flash(_("Disbursement reversed."), "success")
    return redirect(back)


@bp.get("/institution/pool")
@role_required(Role.INSTITUTION)
def pool():
    """The demand pool (接单): open requests that fit at least one of our active products."""
    district = request.args.get("district", "")
    industry = request.args.get("industry", "")
    query = (
        sa.select(FinancingRequest)
        .join(FinancingRequest.enterprise)
        .options(
            contains_eager(FinancingRequest.enterprise).options(
                joinedload(Enterprise.district), joinedload(Enterprise.industry)
            )
        )
        .where(pool_condition(current_user.institution_id, _dialect()))
    )
    if district:
        query = query.where(Enterprise.district_code == district)
    if industry:
        query = query.where(Enterprise.industry_code == industry)
    # Newest first, not counted (finplatform.paging says why).
    page = uncounted_page(
        query.order_by(FinancingRequest.created_at.desc(), FinancingRequest.id.desc())
    )
    offered = set(
        db.session.scalars(
            sa.select(Offer.request_id).where(
                Offer.institution_id == current_user.institution_id,
                Offer.status == OfferStatus.OPEN,
                Offer.request_id.in_([r.id for r in page.items]),
            )
        )
    )
    return render_template(
        "institution/pool.html",
        page=page,
        offered=offered,
        district=district,
        industry=industry,
        districts=[(c.value, c.label) for c in district_choices()[1:]],
        industries=[(c.value, c.label) for c in industry_choices()[1:]],
    )


@bp.route("/institution/pool/<int:request_id>/offer", methods=["GET", "POST"])
@role_required(Role.INSTITUTION)
def make_offer(request_id: int):
    """Offer one of our fitting products on a request from the pool."""
    financing_request = get_visible_or_404(FinancingRequest, request_id)
    products = db.session.scalars(
        fitting_products_query(current_user.institution_id, financing_request, _dialect())
    ).all()
    form = OfferForm()
    form.product_id.choices = [SelectChoice(p.id, p.name) for p in products]
    if request.method == "GET" and products:
        form.amount_yuan.data = min(financing_request.amount_yuan, products[0].amount_max_yuan)
        form.term_months.data = financing_request.term_months
        form.rate.data = products[0].rate_min
    if products and form.validate_on_submit():
        product = next(p for p in products if p.id == form.product_id.data)
        try:
            offer_services.make_offer(
                financing_request,
                product,
                current_user,
                amount_yuan=form.amount_yuan.data,
                rate=form.rate.data,
                term_months=form.term_months.data,
                note=form.note.data or "",
            )
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            flash(_("Offer sent to %(firm)s.", firm=financing_request.enterprise.name), "success")
            return redirect(url_for("institution.offers"))
    return render_template(
        "institution/offer_form.html",
        form=form,
        financing_request=financing_request,
        products=products,
    )


@bp.get("/institution/offers")
@role_required(Role.INSTITUTION)
def offers():
    """Our offers and what the firms answered."""
    status = request.args.get("status", "")
    query = sa.select(Offer).where(visible(Offer, current_user))
    if status in {member.value for member in OfferStatus}:
        query = query.where(Offer.status == status)
    page = counted_page(query.order_by(Offer.id.desc()))
    return render_template("institution/offers.html", page=page, status=status, form=ConfirmForm())


@bp.post("/institution/offers/<int:offer_id>/withdraw")
@role_required(Role.INSTITUTION)
def withdraw_offer(offer_id: int):
    """Withdraw one of our open offers."""
    offer = get_visible_or_404(Offer, offer_id)
    back = url_for("institution.offers")
    if ConfirmForm().validate_on_submit():
        try:
            offer_services.withdraw_offer(offer, current_user)
        except DomainError as error:
            return _refused(error, back)
        flash(_("Offer withdrawn."), "success")
    return redirect(back)


@bp.route("/institution/members", methods=["GET", "POST"])
@role_required(Role.INSTITUTION)
def members():
    """A credit community's member firms: list, add by credit code."""
    institution = current_user.institution
    form = MemberForm()
    if form.validate_on_submit():
        try:
            services.add_member(institution, form.credit_code.data, current_user)
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            flash(_("Member added."), "success")
            return redirect(url_for("institution.members"))
    page = counted_page(
        sa.select(Enterprise)
        .join(CommunityMembership, CommunityMembership.enterprise_id == Enterprise.id)
        .where(CommunityMembership.community_id == institution.id)
        .order_by(Enterprise.name)
    )
    return render_template(
        "institution/members.html",
        page=page,
        form=form,
        confirm=ConfirmForm(),
        is_community=institution.kind_code == services.COMMUNITY_KIND,
    )


@bp.post("/institution/members/<int:enterprise_id>/remove")
@role_required(Role.INSTITUTION)
def remove_member(enterprise_id: int):
    """Remove a member firm."""
    back = url_for("institution.members")
    if ConfirmForm().validate_on_submit():
        try:
            services.remove_member(current_user.institution, enterprise_id, current_user)
        except DomainError as error:
            return _refused(error, back)
        flash(_("Member removed."), "success")
    return redirect(back)
