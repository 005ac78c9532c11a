"""Marshmallow schemas of the API's resources (they also write the OpenAPI document)."""

from __future__ import annotations

import re

import marshmallow as ma
from flask_babel import lazy_gettext as _l

from finplatform.bounds import LARGEST_INTEGER, TOO_LARGE, largest_for, out_of_range
from finplatform.deals.limits import breach_text
from finplatform.models import RepaymentKind

NOT_A_DECIMAL_STRING = _l(
    'Send a decimal number as a string, e.g. "1500000.00", with at most {places} decimal places.'
)


class DecimalString(ma.fields.Decimal):
    """A decimal sent and returned as a string ("1500000.00"): exact, never a float.

    Documented as `type: string, format: decimal` (see register_api).

    Held to its column's range (money: 2 places, rates: 4), documented as its bounds.
    """

    def __init__(self, places: int, **kwargs) -> None:
        largest = largest_for(places)
        kwargs["validate"] = [*_validators(kwargs), _column_range(-largest, largest)]
        digits = len(str(int(largest)))
        # Documented (and enforced in `_deserialize`): the digits the column holds.
        self.pattern = rf"^-?[0-9]{{1,{digits}}}(\.[0-9]{{1,{places}}})?$"
        metadata = {**kwargs.pop("metadata", {}), "pattern": self.pattern}
        super().__init__(places=places, as_string=True, metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        # Before rounding to the places, which fails on a number this large.
        if isinstance(value, str | int) and out_of_range(value, self.places) == TOO_LARGE:
            raise ma.ValidationError(str(TOO_LARGE))
        if not isinstance(value, str) or re.fullmatch(self.pattern, value) is None:
            raise ma.ValidationError(str(NOT_A_DECIMAL_STRING).format(places=self.places))
        return super()._deserialize(value, attr, data, **kwargs)


def _validators(kwargs: dict) -> list:
    given = kwargs.get("validate") or []
    return list(given) if isinstance(given, list | tuple) else [given]


def _column_range(low, high) -> ma.validate.Range:
    return ma.validate.Range(min=low, max=high, error=TOO_LARGE)


class DatabaseInteger(ma.fields.Integer):
    """An integer held to the database's 32-bit range (a count, a term, an id)."""

    def __init__(self, **kwargs) -> None:
        kwargs["validate"] = [
            *_validators(kwargs),
            _column_range(-LARGEST_INTEGER, LARGEST_INTEGER),
        ]
        super().__init__(**kwargs)


# Money travels in yuan with fen; rates in percent with four places.
Money = DecimalString(2)
Rate = DecimalString(4)


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

    id = DatabaseInteger(required=True)
    name = ma.fields.String(required=True)
    kind_code = ma.fields.String(required=True)
    district_code = ma.fields.String(required=True)
    status = ma.fields.Function(lambda obj: obj.status.value, required=True)


class ProductSchema(ma.Schema):
    """A financing product with its ranges and eligibility."""

    id = DatabaseInteger(required=True)
    institution_id = DatabaseInteger(required=True)
    kind_code = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    description = ma.fields.String(required=True)
    amount_min_yuan = Money
    amount_max_yuan = Money
    term_min_months = DatabaseInteger(required=True)
    term_max_months = DatabaseInteger(required=True)
    rate_min = Rate
    rate_max = Rate
    fee_rate = Rate
    penalty_markup = Rate
    collateral_required = ma.fields.Boolean(required=True)
    guarantee_required = ma.fields.Boolean(required=True)
    min_years = DatabaseInteger(required=True)
    min_revenue_yuan = Money
    little_giant_only = ma.fields.Boolean(required=True)
    members_only = ma.fields.Boolean(required=True)
    pool_covered = ma.fields.Boolean(required=True)
    industries = ma.fields.Function(lambda p: [i.code for i in p.industries], required=True)
    districts = ma.fields.Function(lambda p: [d.code for d in p.districts], required=True)
    status = ma.fields.Function(lambda obj: obj.status.value, required=True)


class MeSchema(ma.Schema):
    """The token's user."""

    id = DatabaseInteger(required=True)
    name = ma.fields.String(required=True)
    email = ma.fields.String(required=True)
    role = ma.fields.Function(lambda user: user.role.value, required=True)
    enterprise_id = DatabaseInteger(allow_none=True)
    institution_id = DatabaseInteger(allow_none=True)


class ProductInputSchema(ma.Schema):
    """What an institution sends to post or edit a product."""

    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=120))
    description = ma.fields.String(load_default="", validate=ma.validate.Length(max=5000))
    kind_code = ma.fields.String(required=True, validate=ma.validate.Length(max=24))
    amount_min_yuan = DecimalString(2, required=True)
    amount_max_yuan = DecimalString(2, required=True)
    term_min_months = DatabaseInteger(required=True, strict=True)
    term_max_months = DatabaseInteger(required=True, strict=True)
    rate_min = DecimalString(4, required=True)
    rate_max = DecimalString(4, required=True)
    fee_rate = DecimalString(4, load_default=None, allow_none=True)
    penalty_markup = DecimalString(4, load_default=None, allow_none=True)
    collateral_required = ma.fields.Boolean(load_default=False)
    guarantee_required = ma.fields.Boolean(load_default=False)
    min_years = DatabaseInteger(load_default=0, strict=True)
    min_revenue_yuan = DecimalString(2, load_default=None, allow_none=True)
    little_giant_only = ma.fields.Boolean(load_default=False)
    members_only = ma.fields.Boolean(load_default=False)
    pool_covered = ma.fields.Boolean(load_default=False)
    industry_codes = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(max=4)), load_default=list
    )
    district_codes = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(max=6)), load_default=list
    )


class RequestSchema(ma.Schema):
    """A financing request."""

    id = DatabaseInteger(required=True)
    enterprise_id = DatabaseInteger(required=True)
    amount_yuan = Money
    term_months = DatabaseInteger(required=True)
    purpose = ma.fields.String(required=True)
    max_rate = DecimalString(4, allow_none=True)
    collateral_offered = ma.fields.String(required=True)
    kind_codes = ma.fields.Function(lambda r: [k.code for k in r.accepted_kinds], required=True)
    status = ma.fields.Function(lambda obj: obj.status.value, required=True)
    created_at = ma.fields.DateTime(required=True)


class RequestInputSchema(ma.Schema):
    """What an enterprise sends to post or edit a financing request."""

    amount_yuan = DecimalString(2, required=True)
    term_months = DatabaseInteger(required=True, strict=True)
    purpose = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000))
    max_rate = DecimalString(4, load_default=None, allow_none=True)
    collateral_offered = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))
    kind_codes = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(max=24)), load_default=list
    )


class MatchSchema(ma.Schema):
    """A product ranked for a request, with the reasons a person can read."""

    rank = DatabaseInteger(required=True)
    product_id = ma.fields.Function(lambda m: m.product.id, required=True)
    product_name = ma.fields.Function(lambda m: m.product.name, required=True)
    institution_id = ma.fields.Function(lambda m: m.product.institution_id, required=True)
    score = ma.fields.Float(required=True)
    reasons = ma.fields.List(ma.fields.String(), required=True)
    source = ma.fields.String(required=True, metadata={"description": "model or rule"})
    probability = ma.fields.Float(
        attribute="probability_pct",
        required=True,
        allow_none=True,
        metadata={
            "description": "calibrated approval likelihood in percent (model source); "
            "null when the rule score ranked (cold start)"
        },
    )


class LimitBreachSchema(ma.Schema):
    """A limit the approved terms broke: the rule, the limit and the sentence stating it."""

    rule = ma.fields.String(required=True)
    limit = ma.fields.String(required=True)
    text = ma.fields.Function(breach_text, required=True)


class ApplicationSchema(ma.Schema):
    """An application of a request to a product, where it stands."""

    id = DatabaseInteger(required=True)
    request_id = DatabaseInteger(required=True)
    product_id = DatabaseInteger(required=True)
    enterprise_id = DatabaseInteger(required=True)
    institution_id = DatabaseInteger(required=True)
    status = ma.fields.Function(lambda obj: obj.status.value, required=True)
    submitted_at = ma.fields.DateTime(required=True)
    respond_by = ma.fields.DateTime(allow_none=True)
    decided_at = ma.fields.DateTime(allow_none=True)
    approved_amount_yuan = DecimalString(2, allow_none=True)
    approved_rate = DecimalString(4, allow_none=True)
    approved_term_months = DatabaseInteger(allow_none=True)
    reject_reason = ma.fields.String(allow_none=True)
    reject_note = ma.fields.String(required=True)
    limit_breaches = ma.fields.List(ma.fields.Nested(LimitBreachSchema), required=True)
    limit_reason = ma.fields.String(required=True)


class ApplicationInputSchema(ma.Schema):
    """Apply a request to a product."""

    request_id = DatabaseInteger(required=True, strict=True, validate=ma.validate.Range(min=1))
    product_id = DatabaseInteger(required=True, strict=True, validate=ma.validate.Range(min=1))
    share_credit = ma.fields.Boolean(
        load_default=False,
        metadata={
            "description": "Authorise the institution to see the firm's credit profile and "
            "documents for this application (until some days after its decision)."
        },
    )


class NoteSchema(ma.Schema):
    """An optional note with a state change."""

    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=2000))


class ApprovalSchema(NoteSchema):
    """The terms an institution grants."""

    amount_yuan = DecimalString(2, required=True)
    rate = DecimalString(4, required=True)
    term_months = DatabaseInteger(required=True, strict=True)
    reason = ma.fields.String(
        load_default="",
        validate=ma.validate.Length(max=2000),
        metadata={
            "description": "Required when the terms are outside the product's ranges or above "
            "the firm's highest rate; the application then waits for the firm's acceptance."
        },
    )


class RejectionSchema(NoteSchema):
    """Why an institution declines."""

    reason = ma.fields.String(required=True, validate=ma.validate.Length(max=40))


class DisbursementSchema(ma.Schema):
    """Money paid out on an application (negative for a reversal)."""

    id = DatabaseInteger(required=True)
    application_id = DatabaseInteger(required=True)
    amount_yuan = Money
    rate = Rate
    term_months = DatabaseInteger(required=True)
    disbursed_on = ma.fields.Date(required=True)
    reverses_id = DatabaseInteger(allow_none=True)
    created_at = ma.fields.DateTime(required=True)


class DisbursementInputSchema(ma.Schema):
    """A disbursement to record."""

    amount_yuan = DecimalString(2, required=True)
    rate = DecimalString(4, required=True)
    term_months = DatabaseInteger(required=True, strict=True)
    disbursed_on = ma.fields.Date(required=True)
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=2000))
    repayment_kind = ma.fields.String(
        load_default="equal_instalment",
        validate=ma.validate.OneOf([kind.value for kind in RepaymentKind]),
    )
