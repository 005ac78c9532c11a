"""Claims on the pool (代偿), the commission's decision, the payout and recoveries (追偿).

A claim is filed once per covered loan, only past the pool's threshold of days past due, for
the covered outstanding principal × the cover ratio (rounded down to the fen, so never more).
The payout is taken under the pool's row lock and never makes the balance negative; the pool's
share of what is recovered afterwards (the same cover ratio) flows back to it.
"""

from __future__ import annotations

import enum
from datetime import date
from decimal import ROUND_DOWN, Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from finplatform import clock, idempotency
from finplatform.audit import record_audit
from finplatform.deals.services import parse_amount
from finplatform.exceptions import AlreadyDecided, Conflict, DomainError
from finplatform.extensions import db
from finplatform.loans.pool import balance, lock_pool
from finplatform.loans.positions import loan_position
from finplatform.models import Claim, ClaimStatus, CoverRegistration, Recovery, User
from finplatform.states import CLAIM

FEN = Decimal("0.01")


class Decision(enum.StrEnum):
    """What the commission decides on a claim."""

    APPROVE = "approve"
    APPROVE_LESS = "approve_less"
    REJECT = "reject"


def _down(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_DOWN)


def claim_for(registration: CoverRegistration) -> Claim | None:
    """The claim filed on a registration, if any."""
    return db.session.scalar(sa.select(Claim).where(Claim.registration_id == registration.id))


def file_claim(
    registration: CoverRegistration, actor: User, evidence: str, on: date | None = None
) -> Claim:
    """File the claim on a covered loan past the threshold, for outstanding × cover ratio."""
    on = on or clock.today()
    if on > clock.today():
        raise DomainError(_l("The claim date cannot be in the future."), "on")
    if not evidence.strip():
        raise DomainError(_l("Please describe the evidence of the default."), "evidence")
    pool = lock_pool(registration.pool_id)
    if registration.withdrawn_on is not None:
        raise Conflict(_l("This loan's cover was withdrawn."))
    if claim_for(registration) is not None:
        raise Conflict(_l("A claim was already filed on this loan."))
    position = loan_position(registration.loan, on)
    if position.days_past_due < pool.claim_after_days:
        raise DomainError(
            _l(
                "A claim can be filed after %(n)d days past due; this loan is %(d)d days past due.",
                n=pool.claim_after_days,
                d=position.days_past_due,
            ),
            "on",
        )
    outstanding = min(position.outstanding_principal, registration.covered_principal_yuan)
    claim = Claim(
        registration_id=registration.id,
        pool_id=pool.id,
        filed_on=on,
        days_past_due=position.days_past_due,
        outstanding_principal_yuan=outstanding,
        claimed_yuan=_down(outstanding * registration.member.cover_ratio),
        evidence=evidence.strip(),
        filed_by_id=actor.id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(claim)
    except IntegrityError as exc:
        raise Conflict(_l("A claim was already filed on this loan.")) from exc
    record_audit("claim.filed", claim, actor=actor, detail={"amount": str(claim.claimed_yuan)})
    db.session.flush()
    return claim


def _lock_claim(claim: Claim) -> Claim:
    return db.session.scalars(
        sa.select(Claim)
        .where(Claim.id == claim.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def decide_claim(claim: Claim, actor: User, decision, amount_yuan=None, reason: str = "") -> Claim:
    """Approve, approve a smaller amount (with a reason), or reject (with a reason)."""
    decision = Decision(decision)
    reason = reason.strip()
    if decision is not Decision.APPROVE and not reason:
        raise DomainError(_l("Please give the reason for the decision."), "reason")
    approved = None
    if decision is Decision.APPROVE_LESS:
        approved = parse_amount(amount_yuan, "amount_yuan")
    lock_pool(claim.pool_id)
    claim = _lock_claim(claim)
    if claim.status != ClaimStatus.FILED:
        raise AlreadyDecided(_l("This claim was already decided."))
    if decision is Decision.APPROVE:
        approved = claim.claimed_yuan
    elif decision is Decision.APPROVE_LESS and approved >= claim.claimed_yuan:
        raise DomainError(
            _l("A reduced amount must be less than the %(n)s yuan claimed.", n=claim.claimed_yuan),
            "amount_yuan",
        )
    CLAIM.move(claim, ClaimStatus.REJECTED if decision is Decision.REJECT else ClaimStatus.APPROVED)
    claim.approved_yuan = approved
    claim.decision_reason = reason
    claim.decided_at = clock.now()
    claim.decided_by_id = actor.id
    record_audit(
        "claim.decided",
        claim,
        actor=actor,
        detail={"decision": decision.value, "amount": str(approved or 0)},
    )
    db.session.flush()
    return claim


def pay_claim(claim: Claim, actor: User, on: date | None = None) -> Claim:
    """Pay an approved claim from its pool; refused when the balance cannot bear it."""
    on = on or clock.today()
    lock_pool(claim.pool_id)
    claim = _lock_claim(claim)
    if claim.status == ClaimStatus.PAID:
        raise AlreadyDecided(_l("This claim was already paid."))
    if claim.status != ClaimStatus.APPROVED:
        raise Conflict(_l("Only an approved claim can be paid."))
    if claim.approved_yuan > balance(claim.pool_id):
        raise DomainError(_l("The pool's balance is too small to pay this claim."))
    CLAIM.move(claim, ClaimStatus.PAID)
    claim.paid_on = on
    loan = claim.registration.loan
    loan.written_off_on = loan.written_off_on or on
    record_audit("claim.paid", claim, actor=actor, detail={"amount": str(claim.approved_yuan)})
    db.session.flush()
    return claim


def _recovered_with(key: str | None, asked: dict) -> Recovery | None:
    """The recovery first recorded with `key`; a reuse with other values raises KeyReused."""
    existing = (
        db.session.scalar(sa.select(Recovery).where(Recovery.idempotency_key == key))
        if key
        else None
    )
    if existing is not None:
        first = {"claim_id": existing.claim_id, "amount_yuan": existing.recovered_yuan}
        idempotency.require_same_request({**first, "on": existing.recovered_on}, asked)
    return existing


def record_recovery(
    claim: Claim,
    actor: User,
    amount_yuan,
    on: date | None = None,
    idempotency_key: str | None = None,
) -> Recovery:
    """Record money recovered after the payout; the pool's share flows back to the pool. The
    same key with the same values records once (the first row is returned)."""
    on = on or clock.today()
    amount = parse_amount(amount_yuan, "amount_yuan")
    if on > clock.today():
        raise DomainError(_l("The recovery date cannot be in the future."), "recovered_on")
    asked = {"claim_id": claim.id, "amount_yuan": amount, "on": on}
    lock_pool(claim.pool_id)
    claim = _lock_claim(claim)
    existing = _recovered_with(idempotency_key, asked)
    if existing is not None:
        return existing
    if claim.status != ClaimStatus.PAID:
        raise Conflict(_l("Recoveries are recorded on claims the pool has paid."))
    if on < claim.paid_on:
        raise DomainError(_l("The recovery date is before the payout."), "recovered_on")
    earlier = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Recovery.recovered_yuan), 0)).where(
            Recovery.claim_id == claim.id
        )
    )
    if Decimal(earlier) + amount > claim.outstanding_principal_yuan:
        raise DomainError(
            _l("Recoveries cannot exceed the principal that was outstanding."), "amount_yuan"
        )
    ratio = claim.approved_yuan / claim.outstanding_principal_yuan
    recovery = Recovery(
        claim_id=claim.id,
        pool_id=claim.pool_id,
        recovered_on=on,
        recovered_yuan=amount,
        pool_share_yuan=_down(amount * ratio),
        idempotency_key=idempotency_key or None,
        recorded_by_id=actor.id,
    )
    db.session.add(recovery)
    record_audit("recovery.recorded", recovery, actor=actor, detail={"amount": str(amount)})
    db.session.flush()
    return recovery
