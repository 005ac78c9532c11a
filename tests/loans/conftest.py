"""Loan fixtures: a bank, its staff, a firm and a helper that disburses a loan on a given day."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from finplatform.deals.disbursements import record_disbursement
from finplatform.loans import pool as funds
from finplatform.loans.services import loan_for
from finplatform.models import ApplicationStatus, Role


@pytest.fixture
def bank_user(make, db):
    """Staff of an approved tech branch, committed."""
    return make.user(Role.INSTITUTION, name="李行长")


@pytest.fixture
def disburse(make, db, bank_user, pin_today):
    """disburse(amount, on, rate, term, kind=None) → the loan opened for a new disbursement.

    The clock is pinned to the disbursement day while it is recorded (a disbursement cannot be
    dated in the future); tests pin it again afterwards to the day they look from.
    """

    def make_loan(amount="100000", on=date(2014, 1, 15), rate="6", term=12, firm=None):
        product = make.product(bank_user.institution, pool_covered=True)
        request = make.financing_request(firm or make.enterprise())
        application = make.application(
            request,
            product,
            status=ApplicationStatus.APPROVED,
            decided_at=datetime(2012, 1, 1, tzinfo=UTC),
            approved_amount_yuan=Decimal(amount),
            approved_rate=Decimal(rate),
            approved_term_months=term,
        )
        pin_today(on)
        row, _ = record_disbursement(
            application,
            amount_yuan=amount,
            rate=rate,
            term_months=term,
            disbursed_on=on,
            actor=bank_user,
            idempotency_key=None,
        )
        db.session.commit()
        return loan_for(row)

    return make_loan


@pytest.fixture
def pool(db, bank_user):
    """The 2014 pool: 1,000,000 yuan from the city, leverage 10×; the bank admitted at 50 %,
    500,000 a loan, quota 2,000,000."""
    pool = funds.create_pool(2014, "2014年科技型中小企业信用贷款风险保证金")
    funds.contribute(pool, "天津市科委", "1000000", date(2014, 1, 2))
    funds.admit(
        pool,
        bank_user.institution,
        cover_ratio="0.5",
        per_loan_cap_yuan="500000",
        quota_yuan="2000000",
        on=date(2014, 1, 2),
    )
    db.session.commit()
    return pool
