"""Products: every token reads the products it may see; an institution manages its own."""

from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa
from flask_login import current_user
from sqlalchemy.orm import selectinload

from finplatform.access import get_visible_or_404, visible
from finplatform.api.core import (
    PageArgs,
    api_blueprint,
    list_page,
    page_schema,
    refusals,
    require_role,
)
from finplatform.api.schemas import ProductInputSchema, ProductSchema
from finplatform.models import Product, ProductStatus, Role
from finplatform.products import services

bp = api_blueprint("api_products", "/products", "Financing products.")

ProductPage = page_schema(ProductSchema, "ProductPage")


class ProductFilter(PageArgs):
    """Filters of the product list."""

    kind = ma.fields.String(validate=ma.validate.Length(max=24))
    institution_id = ma.fields.Integer(validate=ma.validate.Range(min=1, max=2**31 - 1))
    status = ma.fields.String(validate=ma.validate.OneOf([s.value for s in ProductStatus]))


@bp.get("")
@bp.arguments(ProductFilter, location="query")
@bp.response(200, ProductPage)
def list_products(args):
    """Products the token's user may see (an institution: its own, retired ones included)."""
    return list_page(
        sa.select(Product)
        .where(visible(Product, current_user))
        .options(selectinload(Product.industries), selectinload(Product.districts)),
        args,
        {
            "kind": Product.kind_code,
            "institution_id": Product.institution_id,
            "status": Product.status,
        },
        Product.id,
    )


@bp.get("/<int:product_id>")
@bp.response(200, ProductSchema)
def get_product(product_id: int):
    """One product."""
    return get_visible_or_404(Product, product_id)


@bp.post("")
@bp.arguments(ProductInputSchema)
@bp.response(201, ProductSchema)
def create_product(values):
    """Post a new product for the token's institution (it must be approved)."""
    require_role(Role.INSTITUTION)
    with refusals():
        return services.create_product(current_user.institution, current_user, **values)


@bp.put("/<int:product_id>")
@bp.arguments(ProductInputSchema)
@bp.response(200, ProductSchema)
def replace_product(values, product_id: int):
    """Replace a product's terms and eligibility (own institution's products only)."""
    require_role(Role.INSTITUTION)
    product = get_visible_or_404(Product, product_id)
    with refusals():
        return services.update_product(product, current_user, **values)


@bp.post("/<int:product_id>/retire")
@bp.response(200, ProductSchema)
def retire_product(product_id: int):
    """Retire a product: it takes no new applications and keeps its history."""
    require_role(Role.INSTITUTION)
    product = get_visible_or_404(Product, product_id)
    with refusals():
        return services.set_product_status(product, ProductStatus.RETIRED, current_user)


@bp.post("/<int:product_id>/reactivate")
@bp.response(200, ProductSchema)
def reactivate_product(product_id: int):
    """Bring a retired product back."""
    require_role(Role.INSTITUTION)
    product = get_visible_or_404(Product, product_id)
    with refusals():
        return services.set_product_status(product, ProductStatus.ACTIVE, current_user)
