"""Marshmallow schemas of the API's resources (they also write the OpenAPI document)."""

from __future__ import annotations

import marshmallow as ma

# Money travels as a decimal string in yuan ("1500000.00"): exact, never a float.
Money = ma.fields.Decimal(as_string=True, places=2)
Rate = ma.fields.Decimal(as_string=True, places=4)


class DistrictSchema(ma.Schema):
    """A district of the city."""

    code = ma.fields.String(required=True)
    name_zh = ma.fields.String(required=True)
    name_en = ma.fields.String(required=True)


class IndustrySchema(ma.Schema):
    """A GB/T 4754-2017 section or division."""

    code = ma.fields.String(required=True)
    level = ma.fields.String(required=True)
    section_code = ma.fields.String(required=True)
    name_zh = ma.fields.String(required=True)
    name_en = ma.fields.String(required=True)


class ProductKindSchema(ma.Schema):
    """A kind of financing product."""

    code = ma.fields.String(required=True)
    name_zh = ma.fields.String(required=True)
    name_en = ma.fields.String(required=True)
    is_loan = ma.fields.Boolean(required=True)
    is_credit_loan = ma.fields.Boolean(required=True)


class InstitutionKindSchema(ma.Schema):
    """A kind of institution."""

    code = ma.fields.String(required=True)
    name_zh = ma.fields.String(required=True)
    name_en = ma.fields.String(required=True)


class InstitutionSchema(ma.Schema):
    """A financial institution on the platform."""

    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    kind_code = ma.fields.String(required=True)
    district_code = ma.fields.String(required=True)
    status = ma.fields.Function(lambda obj: obj.status.value, required=True)


class ProductSchema(ma.Schema):
    """A financing product with its ranges and eligibility."""

    id = ma.fields.Integer(required=True)
    institution_id = ma.fields.Integer(required=True)
    kind_code = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    description = ma.fields.String(required=True)
    amount_min_yuan = Money
    amount_max_yuan = Money
    term_min_months = ma.fields.Integer(required=True)
    term_max_months = ma.fields.Integer(required=True)
    rate_min = Rate
    rate_max = Rate
    fee_rate = Rate
    collateral_required = ma.fields.Boolean(required=True)
    guarantee_required = ma.fields.Boolean(required=True)
    min_years = ma.fields.Integer(required=True)
    min_revenue_yuan = Money
    little_giant_only = ma.fields.Boolean(required=True)
    members_only = ma.fields.Boolean(required=True)
    pool_covered = ma.fields.Boolean(required=True)
    industries = ma.fields.Function(lambda p: [i.code for i in p.industries], required=True)
    districts = ma.fields.Function(lambda p: [d.code for d in p.districts], required=True)
    status = ma.fields.Function(lambda obj: obj.status.value, required=True)


class MeSchema(ma.Schema):
    """The token's user."""

    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    email = ma.fields.String(required=True)
    role = ma.fields.Function(lambda user: user.role.value, required=True)
    enterprise_id = ma.fields.Integer(allow_none=True)
    institution_id = ma.fields.Integer(allow_none=True)
