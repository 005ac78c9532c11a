"""An institution's demand pool (接单) of open requests its products fit, and its offers."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from finplatform.access import get_visible_or_404, role_required
from finplatform.choices import district_choices, industry_choices
from finplatform.deals import offers as offer_services
from finplatform.deals.forms import OfferForm
from finplatform.forms_support import ConfirmForm, refusal_shown
from finplatform.institution import queries
from finplatform.institution.blueprint import bp
from finplatform.institution.tables import pool_rows
from finplatform.models import FinancingRequest, Offer, Role
from finplatform.paging import counted_page, uncounted_page


@bp.get("/institution/pool")
@role_required(Role.INSTITUTION)
def pool():
    """The demand pool (接单): open requests that fit at least one of our active products."""
    district = request.args.get("district", "")
    industry = request.args.get("industry", "")
    # Newest first, not counted (finplatform.paging says why).
    page = uncounted_page(
        queries.pool(current_user.institution_id, district, industry), as_rows=True
    )
    offered = queries.offered_request_ids(current_user.institution_id, [r.id for r in page.items])
    return render_template(
        "institution/pool.html",
        page=page,
        rows=pool_rows(page.items, offered),
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
    products = queries.fitting_products(current_user.institution_id, financing_request)
    form = OfferForm()
    form.product_id.choices = [SelectChoice(p.id, p.name) for p in products]
    if request.method == "GET" and products:
        form.amount_yuan.data = min(financing_request.amount_yuan, products[0].amount_max_yuan)
        form.term_months.data = financing_request.term_months
        form.rate.data = products[0].rate_min
    if products and form.validate_on_submit():
        product = next(p for p in products if p.id == form.product_id.data)
        with refusal_shown(form) as attempt:
            offer_services.make_offer(
                financing_request,
                product,
                current_user,
                amount_yuan=form.amount_yuan.data,
                rate=form.rate.data,
                term_months=form.term_months.data,
                note=form.note.data or "",
            )
        if attempt.ok:
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
    page = counted_page(queries.offers_of(current_user, status))
    return render_template("institution/offers.html", page=page, status=status, form=ConfirmForm())


@bp.post("/institution/offers/<int:offer_id>/withdraw")
@role_required(Role.INSTITUTION)
def withdraw_offer(offer_id: int):
    """Withdraw one of our open offers."""
    offer = get_visible_or_404(Offer, offer_id)
    back = url_for("institution.offers")
    if ConfirmForm().validate_on_submit():
        with refusal_shown() as attempt:
            offer_services.withdraw_offer(offer, current_user)
        if not attempt.ok:
            return redirect(back)
        flash(_("Offer withdrawn."), "success")
    return redirect(back)
