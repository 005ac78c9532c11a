"""An institution's demand pool (接单) of open requests its products fit, and its offers."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import contains_eager, joinedload
from wtforms.fields.choices import SelectChoice

from finplatform.access import get_visible_or_404, role_required, visible
from finplatform.choices import district_choices, industry_choices
from finplatform.deals import offers as offer_services
from finplatform.deals.forms import OfferForm
from finplatform.exceptions import DomainError
from finplatform.extensions import db
from finplatform.forms_support import ConfirmForm, show_domain_error
from finplatform.institution.blueprint import bp, refused
from finplatform.models import Enterprise, FinancingRequest, Offer, OfferStatus, Role
from finplatform.paging import counted_page, uncounted_page
from finplatform.ranking.pool import fitting_products_query, pool_condition


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
        .where(pool_condition(current_user.institution_id))
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
        fitting_products_query(current_user.institution_id, financing_request)
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
            return refused(error, back)
        flash(_("Offer withdrawn."), "success")
    return redirect(back)
