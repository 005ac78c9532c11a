"""Schemas of the API's loans, repayments, cover registrations, claims and pool figures."""

from __future__ import annotations

import marshmallow as ma

from finplatform.api.schemas import DecimalString, Money, Rate


class InstalmentSchema(ma.Schema):
    """One line of a loan's schedule, with what is still unpaid on it."""

    number = ma.fields.Integer(required=True)
    due_on = ma.fields.Date(required=True)
    principal_yuan = Money
    interest_yuan = Money
    penalty_yuan = Money  # penalty interest (罚息) accrued on its overdue principal by today
    unpaid_yuan = Money


class LoanSchema(ma.Schema):
    """A loan with its status as of today (Beijing): derived, never stored."""

    id = ma.fields.Integer(required=True)
    disbursement_id = ma.fields.Integer(required=True)
    enterprise_id = ma.fields.Integer(required=True)
    institution_id = ma.fields.Integer(required=True)
    principal_yuan = Money
    rate = Rate
    penalty_rate = Rate
    term_months = ma.fields.Integer(required=True)
    repayment_kind = ma.fields.String(required=True)
    disbursed_on = ma.fields.Date(required=True)
    status = ma.fields.String(required=True)
    outstanding_principal_yuan = Money
    overdue_yuan = Money
    days_past_due = ma.fields.Integer(required=True)


class LoanDetailSchema(LoanSchema):
    """A loan with its schedule."""

    instalments = ma.fields.List(ma.fields.Nested(InstalmentSchema), required=True)


class RepaymentSchema(ma.Schema):
    """Money repaid on a loan (negative for a reversal)."""

    id = ma.fields.Integer(required=True)
    loan_id = ma.fields.Integer(required=True)
    paid_on = ma.fields.Date(required=True)
    amount_yuan = Money
    reverses_id = ma.fields.Integer(allow_none=True)
    created_at = ma.fields.DateTime(required=True)


class _AmountInputSchema(ma.Schema):
    """Money paid in, in yuan with at most two decimals; each subclass adds its day."""

    amount_yuan = DecimalString(2, required=True)


class RepaymentInputSchema(_AmountInputSchema):
    """A repayment to record."""

    paid_on = ma.fields.Date(required=True)


class RegistrationSchema(ma.Schema):
    """A loan's registration for the pool's cover."""

    id = ma.fields.Integer(required=True)
    loan_id = ma.fields.Integer(required=True)
    pool_id = ma.fields.Integer(required=True)
    covered_principal_yuan = Money
    registered_on = ma.fields.Date(required=True)
    withdrawn_on = ma.fields.Date(allow_none=True)


class ClaimInputSchema(ma.Schema):
    """A claim to file: the evidence of the default."""

    evidence = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=4000))


class ClaimSchema(ma.Schema):
    """A claim on the pool and its decision."""

    id = ma.fields.Integer(required=True)
    registration_id = ma.fields.Integer(required=True)
    pool_id = ma.fields.Integer(required=True)
    filed_on = ma.fields.Date(required=True)
    days_past_due = ma.fields.Integer(required=True)
    outstanding_principal_yuan = Money
    claimed_yuan = Money
    status = ma.fields.String(required=True)
    approved_yuan = DecimalString(2, allow_none=True)
    decision_reason = ma.fields.String(required=True)
    paid_on = ma.fields.Date(allow_none=True)


class RecoveryInputSchema(_AmountInputSchema):
    """Money recovered on a loan whose claim the pool paid."""

    recovered_on = ma.fields.Date(required=True)


class RecoverySchema(ma.Schema):
    """A recovery (追偿) and the pool's share of it."""

    id = ma.fields.Integer(required=True)
    claim_id = ma.fields.Integer(required=True)
    pool_id = ma.fields.Integer(required=True)
    recovered_on = ma.fields.Date(required=True)
    recovered_yuan = Money
    pool_share_yuan = Money


class DecisionInputSchema(ma.Schema):
    """The commission's decision: approve, approve_less (with amount and reason), reject."""

    decision = ma.fields.String(
        required=True, validate=ma.validate.OneOf(["approve", "approve_less", "reject"])
    )
    amount_yuan = DecimalString(2, load_default=None, allow_none=True)
    reason = ma.fields.String(load_default="", validate=ma.validate.Length(max=2000))


class YearArgs(ma.Schema):
    """The pools' year."""

    year = ma.fields.Integer(required=True, validate=ma.validate.Range(min=2000, max=2100))


class PoolStatusSchema(ma.Schema):
    """A year's pool figures; balance = contributions − claims paid + recoveries."""

    year = ma.fields.Integer(required=True)
    covered_loans = ma.fields.Integer(required=True)
    covered_yuan = Money
    covered_outstanding_yuan = Money
    contributions_yuan = Money
    claims_paid_yuan = Money
    recovered_yuan = Money
    balance_yuan = Money
    leverage = DecimalString(2, allow_none=True)
    claims_filed = ma.fields.Integer(required=True)
    claims_paid = ma.fields.Integer(required=True)
    claims_rejected = ma.fields.Integer(required=True)
