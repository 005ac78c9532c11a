"""Loans after disbursement, repayments, cover registration, claims and the pool's figures."""

from __future__ import annotations

from contextlib import contextmanager

import marshmallow as ma
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest import abort

from finplatform import clock, idempotency
from finplatform.api.core import (
    PageArgs,
    api_blueprint,
    page_schema,
    paginate,
    refusals,
    require_role,
)
from finplatform.api.deals import IDEMPOTENCY_HEADER, IdempotencyHeader
from finplatform.api.loan_schemas import (
    ClaimInputSchema,
    ClaimSchema,
    DecisionInputSchema,
    LoanDetailSchema,
    LoanSchema,
    PoolStatusSchema,
    RecoveryInputSchema,
    RecoverySchema,
    RegistrationSchema,
    RepaymentInputSchema,
    RepaymentSchema,
    YearArgs,
)
from finplatform.exceptions import Conflict, DomainError
from finplatform.extensions import db
from finplatform.loans import claims as claim_services
from finplatform.loans import cover, queries, services
from finplatform.loans.figures import pool_status, pools_of
from finplatform.loans.positions import loan_position, positions
from finplatform.models import Claim, Recovery, Role

bp = api_blueprint("api_loans", "/loans", "Loans after disbursement, repayments, cover, claims.")
pool_bp = api_blueprint("api_pool", "/pool", "The risk guarantee pool: figures and claims.")

LoanPage = page_schema(LoanSchema, "LoanPage")
READERS = (Role.INSTITUTION, Role.SPECIALIST, Role.COMMISSION, Role.ADMIN)


class LoanFilter(PageArgs):
    """`overdue=true` lists only loans overdue today."""

    overdue = ma.fields.Boolean(load_default=False)


def _loan_values(position, detail: bool = False) -> dict:
    loan = position.loan
    values = {
        "id": loan.id,
        "disbursement_id": loan.disbursement_id,
        "enterprise_id": loan.enterprise_id,
        "institution_id": loan.institution_id,
        "principal_yuan": loan.principal_yuan,
        "rate": loan.rate,
        "penalty_rate": loan.penalty_rate,
        "term_months": loan.term_months,
        "repayment_kind": loan.repayment_kind.value,
        "disbursed_on": loan.disbursed_on,
        "status": position.status.value,
        "outstanding_principal_yuan": position.outstanding_principal,
        "overdue_yuan": position.overdue_amount,
        "days_past_due": position.days_past_due,
    }
    if detail:
        values["instalments"] = [
            {
                "number": line.instalment.number,
                "due_on": line.instalment.due_on,
                "principal_yuan": line.instalment.principal_yuan,
                "interest_yuan": line.instalment.interest_yuan,
                "penalty_yuan": line.penalty_accrued,
                "unpaid_yuan": line.unpaid,
            }
            for line in position.instalments
        ]
    return values


@bp.get("")
@bp.arguments(LoanFilter, location="query")
@bp.response(200, LoanPage)
def list_loans(args):
    """Loans the token's user may see, newest first, with their status as of today."""
    require_role(*READERS)
    today = clock.today()
    statement = queries.loans_statement(current_user, today if args["overdue"] else None)
    page = paginate(statement, args["page"], args["per_page"], overdue=args["overdue"])
    page["items"] = [_loan_values(p) for p in positions(page["items"], today)]
    return page


def _loan(loan_id: int, *roles: Role):
    require_role(*roles)
    return queries.loan_or_404(loan_id, current_user)


@contextmanager
def _keyed_refusals():
    """A service's refusal as problem+json; a reused Idempotency-Key with other values is a
    422 on that header."""
    try:
        yield
    except idempotency.KeyReused as reused:
        message = str(reused.message)
        abort(422, message=message, errors={"headers": {IDEMPOTENCY_HEADER: [message]}})
    except DomainError:
        with refusals():
            raise


@bp.get("/<int:loan_id>")
@bp.response(200, LoanDetailSchema)
def get_loan(loan_id: int):
    """One loan with its schedule and what remains unpaid on each instalment."""
    return _loan_values(loan_position(_loan(loan_id, *READERS), clock.today()), detail=True)


@bp.get("/<int:loan_id>/repayments")
@bp.response(200, RepaymentSchema(many=True))
def list_repayments(loan_id: int):
    """The loan's repayments and reversals, oldest first."""
    return queries.repayments_of(_loan(loan_id, *READERS))


@bp.post("/<int:loan_id>/repayments")
@bp.arguments(IdempotencyHeader, location="headers")
@bp.arguments(RepaymentInputSchema)
@bp.response(201, RepaymentSchema)
def create_repayment(header, values, loan_id: int):
    """Record a repayment (interest then principal of the oldest instalment first). Send an
    Idempotency-Key: the same key and body again returns the first repayment; the same key with
    another body is refused with 422."""
    loan = _loan(loan_id, Role.INSTITUTION)
    key = idempotency.stored_key("api", current_user.id, f"loan/{loan.id}", header["key"])
    with _keyed_refusals():
        repayment, created = services.record_repayment(
            loan,
            amount_yuan=values["amount_yuan"],
            paid_on=values["paid_on"],
            actor=current_user,
            idempotency_key=key,
        )
    if not created:
        return repayment, 201, {"Idempotent-Replayed": "true"}
    return repayment


@bp.post("/<int:loan_id>/cover")
@bp.response(201, RegistrationSchema)
def register_cover(loan_id: int):
    """Register the loan for the pool's cover; refused naming the rule it fails."""
    loan = _loan(loan_id, Role.INSTITUTION)
    with refusals():
        return cover.register_cover(loan, current_user)


def _registration(loan):
    registration = queries.registration_of(loan)
    if registration is None:
        with refusals():
            raise DomainError(cover.NOT_REGISTERED)
    return registration


@bp.post("/<int:loan_id>/cover/withdraw")
@bp.response(200, RegistrationSchema)
def withdraw_cover(loan_id: int):
    """Withdraw the loan's cover registration (not once a claim was filed)."""
    registration = _registration(_loan(loan_id, Role.INSTITUTION))
    with refusals():
        cover.withdraw_cover(registration, current_user)
    return registration


@bp.post("/<int:loan_id>/claim")
@bp.arguments(ClaimInputSchema)
@bp.response(201, ClaimSchema)
def file_claim(values, loan_id: int):
    """File the claim on a covered loan past the pool's threshold of days past due."""
    registration = _registration(_loan(loan_id, Role.INSTITUTION))
    with refusals():
        return claim_services.file_claim(registration, current_user, values["evidence"])


@bp.post("/<int:loan_id>/recoveries")
@bp.arguments(IdempotencyHeader, location="headers")
@bp.arguments(RecoveryInputSchema)
@bp.response(201, RecoverySchema)
def record_recovery(header, values, loan_id: int):
    """Record money recovered after the pool paid the loan's claim; the pool's share (the
    share of the outstanding principal it paid) flows back. The same Idempotency-Key and body
    again returns the first recovery; the key with another body is refused with 422."""
    registration = _registration(_loan(loan_id, Role.INSTITUTION))
    claim = queries.claim_of(registration)
    key = idempotency.stored_key("api", current_user.id, f"loan/{loan_id}/recovery", header["key"])
    replayed = db.session.scalar(sa.select(Recovery.id).where(Recovery.idempotency_key == key))
    with _keyed_refusals():
        if claim is None:
            raise Conflict(_l("Recoveries are recorded on claims the pool has paid."))
        recovery = claim_services.record_recovery(
            claim, current_user, values["amount_yuan"], values["recovered_on"], key
        )
    if replayed is not None:
        return recovery, 201, {"Idempotent-Replayed": "true"}
    return recovery


@pool_bp.get("/status")
@pool_bp.arguments(YearArgs, location="query")
@pool_bp.response(200, PoolStatusSchema)
def get_pool_status(args):
    """The year's pool figures as of today."""
    require_role(Role.COMMISSION, Role.ADMIN)
    return pool_status(args["year"])


@pool_bp.get("/claims")
@pool_bp.arguments(YearArgs, location="query")
@pool_bp.response(200, ClaimSchema(many=True))
def list_claims(args):
    """The claims on the year's pools, those awaiting a decision or payout first."""
    require_role(Role.COMMISSION, Role.ADMIN)
    pool_ids = [pool.id for pool in pools_of(args["year"])]
    return [claim for claim, _loan, _firm in queries.claims_of_year(pool_ids)]


def _claim(claim_id: int) -> Claim:
    require_role(Role.ADMIN)
    claim = db.session.get(Claim, claim_id)
    if claim is None:
        abort(404)
    return claim


@pool_bp.post("/claims/<int:claim_id>/decision")
@pool_bp.arguments(DecisionInputSchema)
@pool_bp.response(200, ClaimSchema)
def decide_claim(values, claim_id: int):
    """Approve, approve a smaller amount (with a reason) or reject (with a reason)."""
    claim = _claim(claim_id)
    with refusals():
        return claim_services.decide_claim(
            claim, current_user, values["decision"], values["amount_yuan"], values["reason"]
        )


@pool_bp.post("/claims/<int:claim_id>/payout")
@pool_bp.response(200, ClaimSchema)
def pay_claim(claim_id: int):
    """Pay an approved claim from its pool (never below a zero balance, never twice)."""
    claim = _claim(claim_id)
    with refusals():
        return claim_services.pay_claim(claim, current_user)


__all__ = ["bp", "pool_bp"]
