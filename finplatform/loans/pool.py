"""The pool's money and capacity: funds contributed, the balance, covered outstanding principal
and the leverage it uses; pools, contributions and admitted institutions are recorded here.

Balance = contributions − claims paid + the pool's share of recoveries. Covered outstanding
principal is, for each registration not withdrawn and not yet paid out, the loan's principal
still outstanding, at most the principal covered; repaid loans therefore free capacity.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from finplatform.deals.services import parse_amount
from finplatform.exceptions import DomainError
from finplatform.extensions import db
from finplatform.models import (
    Claim,
    ClaimStatus,
    CoverRegistration,
    GuaranteePool,
    Institution,
    Loan,
    PoolContribution,
    PoolMember,
    Recovery,
    Repayment,
    RepaymentAllocation,
)

ZERO = Decimal("0.00")


def money_sum(query) -> Decimal:
    """The money a SUM query returns, in yuan to the fen (0 when nothing matched)."""
    return Decimal(db.session.scalar(query) or 0).quantize(Decimal("0.01"))


def create_pool(year: int, name: str, **terms) -> GuaranteePool:
    """A pool for `year` with its terms (leverage limit, deadlines, term cap)."""
    if not name.strip():
        raise DomainError(_l("Please give the pool a name."), "name")
    pool = GuaranteePool(year=year, name=name.strip(), **terms)
    db.session.add(pool)
    db.session.flush()
    return pool


def contribute(pool: GuaranteePool, funder: str, amount_yuan, on: date) -> PoolContribution:
    """Record money a funder put into the pool on a day."""
    if not funder.strip():
        raise DomainError(_l("Please name the funder."), "funder")
    row = PoolContribution(
        pool_id=pool.id,
        funder=funder.strip(),
        amount_yuan=parse_amount(amount_yuan, "amount_yuan"),
        contributed_on=on,
    )
    db.session.add(row)
    db.session.flush()
    return row


def admit(
    pool: GuaranteePool,
    institution: Institution,
    *,
    cover_ratio,
    per_loan_cap_yuan,
    quota_yuan,
    on: date,
) -> PoolMember:
    """Admit an institution to the pool with the share of a loss the pool bears (0–1]."""
    ratio = Decimal(str(cover_ratio))
    if not Decimal("0") < ratio <= Decimal("1"):
        raise DomainError(_l("The cover ratio must be more than 0 and at most 100%."), "ratio")
    member = PoolMember(
        pool_id=pool.id,
        institution_id=institution.id,
        cover_ratio=ratio,
        per_loan_cap_yuan=parse_amount(per_loan_cap_yuan, "per_loan_cap_yuan"),
        quota_yuan=parse_amount(quota_yuan, "quota_yuan"),
        admitted_on=on,
    )
    db.session.add(member)
    db.session.flush()
    return member


def lock_pool(pool_id: int) -> GuaranteePool:
    """Re-read the pool with a row lock: registrations and payouts of one pool take turns."""
    return db.session.scalars(
        sa.select(GuaranteePool)
        .where(GuaranteePool.id == pool_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def contributions(pool_id: int, as_of: date | None = None) -> Decimal:
    """Funds contributed to the pool (up to a day)."""
    query = sa.select(sa.func.sum(PoolContribution.amount_yuan)).where(
        PoolContribution.pool_id == pool_id
    )
    if as_of is not None:
        query = query.where(PoolContribution.contributed_on <= as_of)
    return money_sum(query)


def claims_paid(pool_id: int, as_of: date | None = None) -> Decimal:
    """Claims the pool paid out (up to a day)."""
    query = sa.select(sa.func.sum(Claim.approved_yuan)).where(
        Claim.pool_id == pool_id, Claim.status == ClaimStatus.PAID
    )
    if as_of is not None:
        query = query.where(Claim.paid_on <= as_of)
    return money_sum(query)


def recovered(pool_id: int, as_of: date | None = None) -> Decimal:
    """The pool's share of what was recovered after its payouts (up to a day)."""
    query = sa.select(sa.func.sum(Recovery.pool_share_yuan)).where(Recovery.pool_id == pool_id)
    if as_of is not None:
        query = query.where(Recovery.recovered_on <= as_of)
    return money_sum(query)


def balance(pool_id: int, as_of: date | None = None) -> Decimal:
    """Contributions − claims paid + recoveries flowing back."""
    return contributions(pool_id, as_of) - claims_paid(pool_id, as_of) + recovered(pool_id, as_of)


def _exposure(as_of: date | None):
    """A scalar subquery, correlated to the enclosing query's registration and loan: the
    loan's principal still outstanding after the repayments and reversals recorded (or those
    paid up to a day), at most the principal covered. Read per covered loan through the
    repayments' loan index, so the pool's figures never sum the whole book's repayments."""
    outstanding = Loan.principal_yuan - sa.func.coalesce(
        sa.func.sum(RepaymentAllocation.principal_yuan), 0
    )
    query = (
        sa.select(
            sa.case(
                (outstanding < CoverRegistration.covered_principal_yuan, outstanding),
                else_=CoverRegistration.covered_principal_yuan,
            )
        )
        .select_from(RepaymentAllocation)
        .join(Repayment, Repayment.id == RepaymentAllocation.repayment_id)
        .where(Repayment.loan_id == CoverRegistration.loan_id)
    )
    if as_of is not None:
        query = query.where(Repayment.paid_on <= as_of)
    return query.scalar_subquery()


def registered_as_of(as_of: date):
    """The condition of registrations in force at the end of a day: registered by then and not
    withdrawn by then."""
    return sa.and_(
        CoverRegistration.registered_on <= as_of,
        sa.or_(CoverRegistration.withdrawn_on.is_(None), CoverRegistration.withdrawn_on > as_of),
    )


def live_registrations(pool_id: int, as_of: date | None = None):
    """The condition of registrations that still expose the pool: not withdrawn, not paid
    (now, or at the end of a day)."""
    paid = sa.select(Claim.registration_id).where(Claim.status == ClaimStatus.PAID)
    if as_of is None:
        return sa.and_(
            CoverRegistration.pool_id == pool_id,
            CoverRegistration.withdrawn_on.is_(None),
            CoverRegistration.id.not_in(paid),
        )
    return sa.and_(
        CoverRegistration.pool_id == pool_id,
        registered_as_of(as_of),
        CoverRegistration.id.not_in(paid.where(Claim.paid_on <= as_of)),
    )


def covered_outstanding(pool_id: int, condition=None, as_of: date | None = None) -> Decimal:
    """Covered principal still outstanding in the pool (optionally for some registrations;
    now, or at the end of a day)."""
    query = (
        sa.select(sa.func.sum(_exposure(as_of)))
        .select_from(CoverRegistration)
        .join(Loan, Loan.id == CoverRegistration.loan_id)
        .where(live_registrations(pool_id, as_of))
    )
    if condition is not None:
        query = query.where(condition)
    return money_sum(query)


def registered_principal(member_id: int) -> Decimal:
    """Principal a member has registered for cover and not withdrawn (counted against quota)."""
    return money_sum(
        sa.select(sa.func.sum(CoverRegistration.covered_principal_yuan)).where(
            CoverRegistration.member_id == member_id, CoverRegistration.withdrawn_on.is_(None)
        )
    )


def leverage(pool_id: int) -> Decimal:
    """Covered outstanding principal as a multiple of the funds (0 when nothing contributed)."""
    funds = contributions(pool_id)
    if funds <= 0:
        return Decimal("0.00")
    return (covered_outstanding(pool_id) / funds).quantize(Decimal("0.01"))
