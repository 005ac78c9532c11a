"""The pool's money under real concurrency (PostgreSQL, two threads, two sessions): the last
quota is taken once, one idempotency key records one repayment, a claim is paid once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
import sqlalchemy as sa

from finplatform.extensions import db as _db
from finplatform.loans import pool as funds
from finplatform.loans.claims import decide_claim, file_claim, pay_claim
from finplatform.loans.cover import NotEligible, register_cover
from finplatform.loans.services import record_repayment
from finplatform.models import (
    Claim,
    CoverRegistration,
    Loan,
    PoolMember,
    Repayment,
    Role,
    User,
)
from tests.journeys.test_concurrency_pg import run_together

pytestmark = pytest.mark.postgres


class Act:
    """Load rows by (model, id) in this thread's session, then call `action` with them."""

    def __init__(self, action, *keys):
        self.action, self.keys = action, keys

    def prepare(self):
        return [_db.session.get(model, key) for model, key in self.keys]

    def run(self, *rows):
        return self.action(*rows)


@pytest.fixture
def pool(db, bank_user):
    """A 2014 pool of 1,000,000 yuan; the bank admitted with a quota of 500,000."""
    pool = funds.create_pool(2014, "2014年风险保证金")
    funds.contribute(pool, "天津市科委", "1000000", date(2014, 1, 2))
    funds.admit(
        pool,
        bank_user.institution,
        cover_ratio="0.5",
        per_loan_cap_yuan="500000",
        quota_yuan="500000",
        on=date(2014, 1, 2),
    )
    db.session.commit()
    return pool


def test_two_registrations_cannot_both_take_the_last_quota(app, db, pool, disburse, bank_user):
    loans = [disburse(amount="300000", on=date(2014, 3, 3)) for _ in range(2)]
    register = lambda loan, user: register_cover(loan, user, date(2014, 3, 3)).id  # noqa: E731
    results = run_together(
        app, *(Act(register, (Loan, loan.id), (User, bank_user.id)) for loan in loans)
    )
    assert sorted(type(result).__name__ for result in results) == ["NotEligible", "int"], results
    assert next(r for r in results if isinstance(r, NotEligible)).rule == "quota"
    assert db.session.scalar(sa.select(sa.func.count(CoverRegistration.id))) == 1


def test_two_registrations_cannot_both_pass_the_leverage_limit(app, db, pool, disburse, bank_user):
    pool.leverage_limit = D("0.5")  # 500,000 of covered outstanding at most
    db.session.execute(sa.update(PoolMember).values(quota_yuan=D("5000000")))
    db.session.commit()
    loans = [disburse(amount="300000", on=date(2014, 3, 3)) for _ in range(2)]
    register = lambda loan, user: register_cover(loan, user, date(2014, 3, 3)).id  # noqa: E731
    results = run_together(
        app, *(Act(register, (Loan, loan.id), (User, bank_user.id)) for loan in loans)
    )
    refused = [r for r in results if isinstance(r, NotEligible)]
    assert len(refused) == 1 and refused[0].rule == "leverage", results
    assert funds.covered_outstanding(pool.id) == D("300000.00")


def test_one_key_sent_twice_at_once_records_one_repayment(app, db, disburse, bank_user, pin_today):
    loan = disburse(amount="30000", on=date(2014, 1, 15), rate="0", term=3)
    pin_today(date(2014, 3, 1))

    def repay(loan, user):
        row, created = record_repayment(
            loan, amount_yuan="10000", paid_on=date(2014, 2, 17), actor=user, idempotency_key="k1"
        )
        return row.id, created

    results = run_together(app, *(Act(repay, (Loan, loan.id), (User, bank_user.id)),) * 2)
    assert sorted(created for _, created in results) == [False, True], results
    assert results[0][0] == results[1][0]
    assert db.session.scalar(sa.select(sa.func.count(Repayment.id))) == 1


def test_two_payouts_at_once_pay_the_claim_once(
    app, db, pool, disburse, bank_user, make, pin_today
):
    loan = disburse(amount="100000", on=date(2014, 1, 15), rate="0", term=10)
    registration = register_cover(loan, bank_user, date(2014, 1, 20))
    pin_today(date(2014, 6, 3))
    admin = make.user(Role.ADMIN)
    claim = decide_claim(file_claim(registration, bank_user, "催收记录"), admin, "approve")
    db.session.commit()
    pay = lambda claim, user: pay_claim(claim, user).status.value  # noqa: E731
    results = run_together(app, *(Act(pay, (Claim, claim.id), (User, admin.id)),) * 2)
    assert sorted(str(type(r).__name__) for r in results) == ["AlreadyDecided", "str"], results
    db.session.expire_all()
    assert funds.balance(pool.id) == D("950000.00")
