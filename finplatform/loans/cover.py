"""Cover registration (备案): a disbursed credit loan registered with the pool it qualifies
for, checked against the eligibility rules, the institution's quota and the pool's leverage
limit under the pool's row lock, so two registrations at once cannot both take the last room.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from finplatform import clock
from finplatform.audit import record_audit
from finplatform.exceptions import Conflict, DomainError
from finplatform.extensions import db
from finplatform.history.reading import firm_attributes_at
from finplatform.loans.pool import (
    contributions,
    covered_outstanding,
    lock_pool,
    registered_principal,
)
from finplatform.loans.positions import loan_position
from finplatform.models import (
    Claim,
    CoverRegistration,
    GuaranteePool,
    Loan,
    LoanStatus,
    PoolMember,
    User,
)

CREDIT_LOAN = "credit_loan"
# The tech-SME size bounds of the national evaluation rules (科技型中小企业评价办法).
SME_MAX_EMPLOYEES = 500
SME_MAX_REVENUE_YUAN = Decimal("200000000")


NOT_REGISTERED = _l("This loan is not registered for cover.")


class NotEligible(DomainError):
    """A loan failed one of the pool's rules; `rule` names it."""

    def __init__(self, rule: str, message) -> None:
        super().__init__(message, "loan")
        self.rule = rule


def membership_for(loan: Loan) -> PoolMember | None:
    """The admission of the loan's institution to a pool of the loan's year."""
    return db.session.scalar(
        sa.select(PoolMember)
        .join(GuaranteePool, GuaranteePool.id == PoolMember.pool_id)
        .where(
            PoolMember.institution_id == loan.institution_id,
            GuaranteePool.year == loan.disbursed_on.year,
        )
        .order_by(PoolMember.id)
        .limit(1)
    )


def check_eligibility(loan: Loan, member: PoolMember | None, on: date) -> None:
    """Raise NotEligible naming the first rule the loan fails on day `on`."""
    if member is None:
        raise NotEligible(
            "admitted", _l("The institution is not admitted to a pool of the loan's year.")
        )
    pool = member.pool
    position = loan_position(loan, on)
    # The firm as it was on the disbursement day (attribute history).
    end_of_day = clock.beijing_instant(loan.disbursed_on, time(23, 59, 59))
    firm = firm_attributes_at(db.session, loan.enterprise_id, end_of_day)[loan.enterprise_id]
    current, credit = position.status == LoanStatus.CURRENT, loan.product_kind_code == CREDIT_LOAN
    checks = [
        ("live", current, _l("Only a current loan can be registered.")),
        ("credit_loan", credit, _l("Only credit loans are covered.")),
        (
            "tech_sme",
            (firm.employees or 0) <= SME_MAX_EMPLOYEES
            and (firm.revenue_yuan or 0) <= SME_MAX_REVENUE_YUAN,
            _l("The firm is larger than a tech SME (at most 500 staff and 2亿元 revenue)."),
        ),
        (
            "amount_cap",
            loan.principal_yuan <= member.per_loan_cap_yuan,
            _l(
                "The loan is above the per-loan cap of %(cap)s yuan.",
                cap=f"{member.per_loan_cap_yuan:,.2f}",
            ),
        ),
        (
            "term_cap",
            loan.term_months <= pool.max_term_months,
            _l("The term is longer than the pool's %(n)d months.", n=pool.max_term_months),
        ),
        (
            "deadline",
            on <= loan.disbursed_on + timedelta(days=pool.registration_days),
            _l(
                "Registration closes %(n)d days after the disbursement.",
                n=pool.registration_days,
            ),
        ),
    ]
    for rule, passed, message in checks:
        if not passed:
            raise NotEligible(rule, message)


def _check_capacity(member: PoolMember, pool: GuaranteePool, principal: Decimal) -> None:
    used = registered_principal(member.id)
    if used + principal > member.quota_yuan:
        raise NotEligible(
            "quota",
            _l(
                "The institution's quota is used up: %(left)s yuan of it remain.",
                left=f"{max(member.quota_yuan - used, Decimal(0)):,.2f}",
            ),
        )
    room = pool.leverage_limit * contributions(pool.id) - covered_outstanding(pool.id)
    if principal > room:
        raise NotEligible(
            "leverage",
            _l(
                "The pool's leverage limit (%(n)s× its funds) would be passed.",
                n=f"{pool.leverage_limit.normalize():f}",
            ),
        )


def register_cover(loan: Loan, actor: User, on: date | None = None) -> CoverRegistration:
    """Register a loan for cover; refuses naming the rule, the quota or the leverage limit."""
    on = on or clock.today()
    if on < loan.disbursed_on:
        raise DomainError(_l("The registration date is before the disbursement."), "on")
    member = membership_for(loan)
    check_eligibility(loan, member, on)
    pool = lock_pool(member.pool_id)
    if db.session.scalar(
        sa.select(CoverRegistration.id).where(CoverRegistration.loan_id == loan.id)
    ):
        raise Conflict(_l("This loan is already registered for cover."))
    _check_capacity(member, pool, loan.principal_yuan)
    registration = CoverRegistration(
        loan_id=loan.id,
        pool_id=pool.id,
        member_id=member.id,
        covered_principal_yuan=loan.principal_yuan,
        registered_on=on,
        registered_by_id=actor.id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(registration)
    except IntegrityError as exc:
        raise Conflict(_l("This loan is already registered for cover.")) from exc
    record_audit("cover.registered", registration, actor=actor, detail={"loan": loan.id})
    db.session.flush()
    return registration


def withdraw_cover(registration: CoverRegistration, actor: User, on: date | None = None) -> None:
    """Withdraw a registration; not once a claim was filed on it."""
    lock_pool(registration.pool_id)
    if db.session.scalar(sa.select(Claim.id).where(Claim.registration_id == registration.id)):
        raise Conflict(_l("A claim was filed on this loan; its cover cannot be withdrawn."))
    if registration.withdrawn_on is not None:
        raise Conflict(_l("This registration was already withdrawn."))
    registration.withdrawn_on = on or clock.today()
    record_audit("cover.withdrawn", registration, actor=actor, detail={})
    db.session.flush()
