"""Reads of the loan and pool pages: which loans a user sees, which are overdue, a loan's
repayments, cover and claim, and the claims awaiting the commission."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import abort

from finplatform.extensions import db
from finplatform.models import (
    Claim,
    ClaimStatus,
    CoverRegistration,
    Enterprise,
    Instalment,
    Loan,
    Recovery,
    Repayment,
    RepaymentAllocation,
    Role,
    User,
)


def visible_loans(user: User) -> sa.ColumnElement[bool]:
    """The loans a user may see: an institution its own, a specialist its firms', the
    commission and admins all; nobody else any."""
    if user.role == Role.INSTITUTION:
        return Loan.institution_id == user.institution_id
    if user.role == Role.SPECIALIST:
        return Loan.enterprise_id.in_(
            sa.select(Enterprise.id).where(Enterprise.specialist_id == user.id)
        )
    if user.role in (Role.COMMISSION, Role.ADMIN):
        return sa.true()
    return sa.false()


def loan_or_404(loan_id: int, user: User) -> Loan:
    """The loan if the user may see it, else 404 (no hint that it exists)."""
    loan = db.session.scalar(sa.select(Loan).where(Loan.id == loan_id, visible_loans(user)))
    if loan is None:
        abort(404)
    return loan


def overdue_condition(as_of: date) -> sa.ColumnElement[bool]:
    """Loans with an instalment due before `as_of` that repayments by then have not paid."""
    paid = (
        sa.select(
            sa.func.coalesce(
                sa.func.sum(RepaymentAllocation.interest_yuan + RepaymentAllocation.principal_yuan),
                0,
            )
        )
        .join(Repayment, Repayment.id == RepaymentAllocation.repayment_id)
        .where(RepaymentAllocation.instalment_id == Instalment.id, Repayment.paid_on <= as_of)
        .scalar_subquery()
    )
    unpaid = (
        sa.select(Instalment.id)
        .where(
            Instalment.loan_id == Loan.id,
            Instalment.due_on < as_of,
            Instalment.principal_yuan + Instalment.interest_yuan > paid,
        )
        .exists()
    )
    return sa.and_(unpaid, Loan.voided_on.is_(None), Loan.written_off_on.is_(None))


def loans_statement(user: User, overdue_as_of: date | None = None) -> sa.Select:
    """The user's loans, newest first; only the overdue ones when a day is given."""
    statement = sa.select(Loan).where(visible_loans(user))
    if overdue_as_of is not None:
        statement = statement.where(overdue_condition(overdue_as_of))
    return statement.order_by(Loan.disbursed_on.desc(), Loan.id.desc())


def registration_of(loan: Loan) -> CoverRegistration | None:
    """The loan's cover registration, if any (withdrawn ones too)."""
    return db.session.scalar(
        sa.select(CoverRegistration).where(CoverRegistration.loan_id == loan.id)
    )


def claim_of(registration: CoverRegistration | None) -> Claim | None:
    """The claim filed on a registration, if any."""
    if registration is None:
        return None
    return db.session.scalar(sa.select(Claim).where(Claim.registration_id == registration.id))


def recoveries_of(claim: Claim | None) -> list[Recovery]:
    """The recoveries recorded on a claim, oldest first."""
    if claim is None:
        return []
    return list(
        db.session.scalars(
            sa.select(Recovery).where(Recovery.claim_id == claim.id).order_by(Recovery.id)
        )
    )


def repayments_of(loan: Loan) -> list[Repayment]:
    """The loan's repayments and reversals, oldest first."""
    return list(
        db.session.scalars(
            sa.select(Repayment).where(Repayment.loan_id == loan.id).order_by(Repayment.id)
        )
    )


def claims_of_year(pool_ids: list[int]) -> list[tuple[Claim, Loan, Enterprise]]:
    """The claims on the year's pools, those awaiting a decision or payout first."""
    waiting = sa.case((Claim.status.in_([ClaimStatus.FILED, ClaimStatus.APPROVED]), 0), else_=1)
    return list(
        db.session.execute(
            sa.select(Claim, Loan, Enterprise)
            .join(CoverRegistration, CoverRegistration.id == Claim.registration_id)
            .join(Loan, Loan.id == CoverRegistration.loan_id)
            .join(Enterprise, Enterprise.id == Loan.enterprise_id)
            .where(Claim.pool_id.in_(pool_ids))
            .order_by(waiting, Claim.filed_on.desc(), Claim.id.desc())
            .limit(200)
        ).all()
    )
