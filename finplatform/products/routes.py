"""An institution's product pages: list, post, edit, retire."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from finplatform.access import get_visible_or_404, role_required, visible
from finplatform.choices import district_choices, industry_choices, product_kind_choices
from finplatform.forms_support import ConfirmForm, refusal_shown
from finplatform.models import Product, ProductStatus, Role
from finplatform.paging import counted_rows_page
from finplatform.products import services, tables
from finplatform.products.forms import ProductForm
from finplatform.search import product_condition, search_term

bp = Blueprint("products", __name__, url_prefix="/institution/products")


@bp.get("/")
@role_required(Role.INSTITUTION, while_unapproved=True)
def index():
    """The institution's products, active first, filtered by status."""
    status = request.args.get("status", "")
    query = tables.list_query(visible(Product, current_user))
    if status in {member.value for member in ProductStatus}:
        query = query.where(Product.status == status)
    if term := search_term():
        query = query.where(product_condition(term))
    page = counted_rows_page(query.order_by(Product.status, Product.name))
    return render_template(
        "products/index.html",
        page=page,
        rows=tables.product_rows(page.items),
        status=status,
        form=ConfirmForm(),
    )


def _form(product: Product | None = None) -> ProductForm:
    form = ProductForm(obj=product)
    form.kind_code.choices = product_kind_choices()
    form.industry_codes.choices = industry_choices()[1:]
    form.district_codes.choices = district_choices()[1:]
    if product is not None and request.method == "GET":
        form.industry_codes.data = [i.code for i in product.industries]
        form.district_codes.data = [d.code for d in product.districts]
    return form


def _values(form: ProductForm) -> dict:
    return {
        name: field.data
        for name, field in form._fields.items()
        if name not in ("submit", "csrf_token")
    }


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.INSTITUTION, while_unapproved=True)
def new():
    """Post a new product."""
    form = _form()
    if form.validate_on_submit():
        with refusal_shown(form) as attempt:
            product = services.create_product(
                current_user.institution, current_user, **_values(form)
            )
        if attempt.ok:
            flash(_("Product %(name)s posted.", name=product.name), "success")
            return redirect(url_for("products.index"))
    return render_template("products/form.html", form=form, product=None)


@bp.route("/<int:product_id>/edit", methods=["GET", "POST"])
@role_required(Role.INSTITUTION, while_unapproved=True)
def edit(product_id: int):
    """Edit a product's terms and eligibility."""
    product = get_visible_or_404(Product, product_id)
    form = _form(product)
    if form.validate_on_submit():
        with refusal_shown(form) as attempt:
            services.update_product(product, current_user, **_values(form))
        if attempt.ok:
            flash(_("Product %(name)s saved.", name=product.name), "success")
            return redirect(url_for("products.index"))
    return render_template("products/form.html", form=form, product=product)


def _set_status(product_id: int, status: ProductStatus):
    product = get_visible_or_404(Product, product_id)
    if ConfirmForm().validate_on_submit():
        with refusal_shown() as attempt:
            services.set_product_status(product, status, current_user)
        if attempt.ok:
            flash(
                _("%(name)s is retired; its history is kept.", name=product.name)
                if status == ProductStatus.RETIRED
                else _("%(name)s is active again.", name=product.name),
                "success",
            )
    return redirect(url_for("products.index"))


@bp.post("/<int:product_id>/retire")
@role_required(Role.INSTITUTION, while_unapproved=True)
def retire(product_id: int):
    """Retire a product: no new applications or offers, history kept."""
    return _set_status(product_id, ProductStatus.RETIRED)


@bp.post("/<int:product_id>/reactivate")
@role_required(Role.INSTITUTION, while_unapproved=True)
def reactivate(product_id: int):
    """Bring a retired product back."""
    return _set_status(product_id, ProductStatus.ACTIVE)
