"""Loans: opened from a disbursement with their schedule, voided by its reversal, repaid.

A repayment pays, instalment by instalment from the oldest, first the penalty interest accrued
by its day (罚息, see `schedules.penalty_interest`), then the interest, then the principal; money
beyond what has fallen due prepays the next instalments in the same order.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from finplatform import clock, idempotency
from finplatform.audit import record_audit
from finplatform.deals.services import parse_amount
from finplatform.exceptions import Conflict, DomainError
from finplatform.extensions import db
from finplatform.loans.positions import loan_position
from finplatform.loans.schedules import build_schedule
from finplatform.models import (
    CoverRegistration,
    Disbursement,
    Instalment,
    Loan,
    LoanStatus,
    Repayment,
    RepaymentAllocation,
    RepaymentKind,
    User,
)
from finplatform.workcalendar import current_calendar

ZERO = Decimal("0.00")
DEFAULT_KIND = RepaymentKind.EQUAL_INSTALMENT


def check_repayment_kind(kind) -> RepaymentKind:
    """The repayment kind named, or DomainError on `repayment_kind`."""
    try:
        return RepaymentKind(kind)
    except ValueError as exc:
        raise DomainError(_l("Please choose how the loan is repaid."), "repayment_kind") from exc


def penalty_rate(disbursement: Disbursement) -> Decimal:
    """The loan's annual penalty rate: its rate raised by the product's markup (4 places)."""
    markup = disbursement.application.product.penalty_markup
    return (disbursement.rate * (100 + markup) / 100).quantize(Decimal("0.0001"))


def loan_for(disbursement: Disbursement) -> Loan | None:
    """The loan opened for a disbursement, if any."""
    return db.session.scalar(sa.select(Loan).where(Loan.disbursement_id == disbursement.id))


def open_loan(disbursement: Disbursement, kind: RepaymentKind | str = DEFAULT_KIND) -> Loan:
    """Open the loan of a disbursement with its schedule (due dates rolled to working days)."""
    calendar = current_calendar()
    loan = Loan(
        disbursement_id=disbursement.id,
        enterprise_id=disbursement.enterprise_id,
        institution_id=disbursement.institution_id,
        product_kind_code=disbursement.product_kind_code,
        principal_yuan=disbursement.amount_yuan,
        rate=disbursement.rate,
        penalty_rate=penalty_rate(disbursement),
        term_months=disbursement.term_months,
        repayment_kind=RepaymentKind(kind),
        disbursed_on=disbursement.disbursed_on,
    )
    db.session.add(loan)
    db.session.flush()
    for line in build_schedule(
        loan.repayment_kind,
        loan.principal_yuan,
        loan.rate,
        loan.term_months,
        loan.disbursed_on,
        calendar.next_working_day,
    ):
        db.session.add(
            Instalment(
                loan_id=loan.id,
                number=line.number,
                due_on=line.due_on,
                principal_yuan=line.principal,
                interest_yuan=line.interest,
            )
        )
    db.session.flush()
    return loan


def void_loan(disbursement: Disbursement, on: date) -> Loan | None:
    """A fully reversed disbursement voids its loan (nothing is due on it any more) and
    withdraws its cover registration."""
    loan = loan_for(disbursement)
    if loan is not None and loan.voided_on is None:
        loan.voided_on = on
        for registration in db.session.scalars(
            sa.select(CoverRegistration).where(
                CoverRegistration.loan_id == loan.id, CoverRegistration.withdrawn_on.is_(None)
            )
        ):
            registration.withdrawn_on = on
        db.session.flush()
    return loan


def lock_loan(loan: Loan) -> Loan:
    """Re-read the loan with a row lock (PostgreSQL), serialising its repayments."""
    return db.session.scalars(
        sa.select(Loan)
        .where(Loan.id == loan.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _by_key(key: str) -> Repayment | None:
    return db.session.scalar(sa.select(Repayment).where(Repayment.idempotency_key == key))


def _replay(key: str | None, asked: dict) -> Repayment | None:
    """The repayment first recorded with `key`; refuses a reuse with other values
    (`idempotency.KeyReused`, the security rule for every key)."""
    existing = _by_key(key) if key else None
    if existing is not None:
        first = {"loan_id": existing.loan_id, "amount_yuan": existing.amount_yuan}
        idempotency.require_same_request({**first, "paid_on": existing.paid_on}, asked)
    return existing


def _check_repayment(loan: Loan, amount_yuan, paid_on: date | None) -> tuple[Decimal, date]:
    amount = parse_amount(amount_yuan, "amount_yuan")
    if paid_on is None:
        raise DomainError(_l("Please give the day the repayment was made."), "paid_on")
    if paid_on < loan.disbursed_on:
        raise DomainError(_l("The repayment date is before the disbursement."), "paid_on")
    if paid_on > clock.today():
        raise DomainError(_l("The repayment date cannot be in the future."), "paid_on")
    return amount, paid_on


def _allocate(repayment: Repayment, loan: Loan, amount: Decimal) -> None:
    """Spread `amount` over the instalments: oldest first, penalty then interest then
    principal, the penalty as accrued on the repayment's day."""
    left = amount
    for line in loan_position(loan, date.max, penalty_on=repayment.paid_on).instalments:
        if left <= 0:
            break
        penalty = min(left, max(line.penalty_unpaid, ZERO))
        interest = min(left - penalty, line.interest_unpaid)
        principal = min(left - penalty - interest, line.principal_unpaid)
        if penalty or interest or principal:
            db.session.add(
                RepaymentAllocation(
                    repayment_id=repayment.id,
                    instalment_id=line.instalment.id,
                    penalty_yuan=penalty,
                    interest_yuan=interest,
                    principal_yuan=principal,
                )
            )
            left -= penalty + interest + principal


def record_repayment(
    loan: Loan,
    *,
    amount_yuan,
    paid_on: date | None,
    actor: User | None,
    idempotency_key: str | None = None,
    note: str = "",
) -> tuple[Repayment, bool]:
    """Record money repaid; returns (row, created). The same key with the same body records
    once; the same key with other values raises `idempotency.KeyReused`. The actor is None for
    a file imported from the command line."""
    amount, paid_on = _check_repayment(loan, amount_yuan, paid_on)
    asked = {"loan_id": loan.id, "amount_yuan": amount, "paid_on": paid_on}
    existing = _replay(idempotency_key, asked)
    if existing is not None:
        return existing, False
    loan = lock_loan(loan)
    existing = _replay(idempotency_key, asked)
    if existing is not None:
        return existing, False
    if loan.voided_on is not None:
        raise Conflict(_l("This loan's disbursement was reversed; nothing is due on it."))
    remaining = loan_position(loan, date.max, penalty_on=paid_on).remaining
    if amount > remaining:
        raise DomainError(
            _l(
                "This is more than is owed; at most %(remaining)s yuan remain.",
                remaining=f"{remaining:,.2f}",
            ),
            "amount_yuan",
        )
    repayment = Repayment(
        loan_id=loan.id,
        paid_on=paid_on,
        amount_yuan=amount,
        idempotency_key=idempotency_key or None,
        note=note.strip(),
        recorded_by_id=actor.id if actor else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(repayment)
    except IntegrityError:
        existing = _replay(idempotency_key, asked) if idempotency_key else None
        if existing is None:
            raise
        return existing, False
    _allocate(repayment, loan, amount)
    record_audit("repayment.recorded", repayment, actor=actor, detail={"amount": str(amount)})
    db.session.flush()
    return repayment, True


def reverse_repayment(repayment: Repayment, actor: User, reason: str) -> Repayment:
    """Undo a recorded repayment with a reversal row mirroring its allocations."""
    if not reason.strip():
        raise DomainError(_l("Please give the reason for the reversal."), "reason")
    if repayment.reverses_id is not None:
        raise DomainError(_l("A reversal cannot itself be reversed."))
    lock_loan(repayment.loan)
    reversal = Repayment(
        loan_id=repayment.loan_id,
        paid_on=max(clock.today(), repayment.paid_on),
        amount_yuan=-repayment.amount_yuan,
        reverses_id=repayment.id,
        note=reason.strip(),
        recorded_by_id=actor.id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(reversal)
    except IntegrityError as exc:
        raise Conflict(_l("This repayment has already been reversed.")) from exc
    for part in repayment.allocations:
        db.session.add(
            RepaymentAllocation(
                repayment_id=reversal.id,
                instalment_id=part.instalment_id,
                penalty_yuan=-part.penalty_yuan,
                interest_yuan=-part.interest_yuan,
                principal_yuan=-part.principal_yuan,
            )
        )
    record_audit("repayment.reversed", reversal, actor=actor, detail={"reason": reason})
    db.session.flush()
    return reversal


def loan_status(loan: Loan, as_of: date | None = None) -> LoanStatus:
    """The loan's status as of a day (today in Beijing unless told)."""
    return loan_position(loan, as_of or clock.today()).status
