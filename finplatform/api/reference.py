"""Reference data and institutions, readable by every token."""

from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa
from flask import abort
from flask_login import current_user

from finplatform.access import visible
from finplatform.api.core import PageArgs, api_blueprint, list_page, page_schema
from finplatform.api.schemas import (
    DistrictSchema,
    IndustrySchema,
    InstitutionKindSchema,
    InstitutionSchema,
    MeSchema,
    ProductKindSchema,
)
from finplatform.extensions import db
from finplatform.models import (
    District,
    Industry,
    Institution,
    InstitutionKind,
    ProductKind,
    User,
)

bp = api_blueprint("api_reference", "", "Reference data, institutions and the token's user.")

InstitutionPage = page_schema(InstitutionSchema, "InstitutionPage")


class InstitutionFilter(PageArgs):
    """Filters of the institution list."""

    kind = ma.fields.String(validate=ma.validate.Length(max=24))
    district = ma.fields.String(validate=ma.validate.Length(max=6))


@bp.get("/me")
@bp.response(200, MeSchema)
def me():
    """The user the token belongs to."""
    # Read afresh: a sign-in remembered by the worker (finplatform.api.signed_in) carries the
    # user's columns as they were when the token was looked up.
    return db.session.get(User, current_user.id, populate_existing=True) or abort(401)


@bp.get("/reference/districts")
@bp.response(200, DistrictSchema(many=True))
def districts():
    """The city's districts."""
    return db.session.scalars(sa.select(District).order_by(District.code)).all()


@bp.get("/reference/industries")
@bp.response(200, IndustrySchema(many=True))
def industries():
    """GB/T 4754-2017 sections and the divisions where tech SMEs sit."""
    return db.session.scalars(sa.select(Industry).order_by(Industry.code)).all()


@bp.get("/reference/product-kinds")
@bp.response(200, ProductKindSchema(many=True))
def product_kinds():
    """Kinds of financing products."""
    return db.session.scalars(sa.select(ProductKind).order_by(ProductKind.sort_order)).all()


@bp.get("/reference/institution-kinds")
@bp.response(200, InstitutionKindSchema(many=True))
def institution_kinds():
    """Kinds of institutions."""
    rows = sa.select(InstitutionKind).order_by(InstitutionKind.sort_order)
    return db.session.scalars(rows).all()


@bp.get("/institutions")
@bp.arguments(InstitutionFilter, location="query")
@bp.response(200, InstitutionPage)
def institutions(args):
    """Institutions the token's user may see, a page at a time."""
    return list_page(
        sa.select(Institution).where(visible(Institution, current_user)),
        args,
        {"kind": Institution.kind_code, "district": Institution.district_code},
        Institution.id,
    )


@bp.get("/institutions/<int:institution_id>")
@bp.response(200, InstitutionSchema)
def institution(institution_id: int):
    """One institution (404 when the token's user may not see it)."""
    found = db.session.scalar(
        sa.select(Institution).where(
            Institution.id == institution_id, visible(Institution, current_user)
        )
    )
    if found is None:
        abort(404)
    return found
