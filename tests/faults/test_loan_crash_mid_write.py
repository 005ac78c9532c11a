"""PostgreSQL dies while a repayment or a claim payout is being written: nothing of it is
stored (no repayment without its allocations, no paid claim without the pool's balance), and
the same call made again records it once."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from finplatform.api.tokens import create_token
from finplatform.deals.disbursements import record_disbursement
from finplatform.extensions import db as _db
from finplatform.loans import claims as claim_services
from finplatform.loans import pool as funds
from finplatform.loans.cover import register_cover
from finplatform.loans.queries import registration_of
from finplatform.loans.services import loan_for
from finplatform.models import (
    ApplicationStatus,
    Claim,
    ClaimStatus,
    Loan,
    Repayment,
    RepaymentAllocation,
    Role,
    User,
)
from tests.factories import Factory
from tests.faults.test_postgres_crash_mid_write import _count, crash_before_commit

pytestmark = pytest.mark.slow


def _loan(app) -> tuple[int, int, int, int]:
    """A 100,000 credit loan disbursed 2014-01-15 (10 × 10,000 at 0 %, first due Monday
    2014-02-17), covered at 50 % by a 1,000,000 pool: (loan, pool, bank user, admin) ids."""
    with app.app_context():
        make = Factory(_db)
        bank = make.user(Role.INSTITUTION, name="李行长")
        admin = make.user(Role.ADMIN)
        pool = funds.create_pool(2014, "2014年科技型中小企业信用贷款风险保证金")
        funds.contribute(pool, "天津市科委", "1000000", date(2014, 1, 2))
        funds.admit(
            pool, bank.institution, cover_ratio="0.5", per_loan_cap_yuan="500000",
            quota_yuan="2000000", on=date(2014, 1, 2),
        )  # fmt: skip
        product = make.product(bank.institution, pool_covered=True)
        application = make.application(
            make.financing_request(make.enterprise()),
            product,
            status=ApplicationStatus.APPROVED,
            decided_at=datetime(2014, 1, 10, tzinfo=UTC),
            approved_amount_yuan=Decimal("100000"),
            approved_rate=Decimal("0"),
            approved_term_months=10,
        )
        app.config["TODAY"] = date(2014, 1, 15)
        row, _ = record_disbursement(
            application, amount_yuan="100000", rate="0", term_months=10,
            disbursed_on=date(2014, 1, 15), actor=bank, idempotency_key=None,
        )  # fmt: skip
        loan = loan_for(row)
        register_cover(loan, bank, date(2014, 1, 20))
        _db.session.commit()
        ids = (loan.id, pool.id, bank.id, admin.id)
        _db.session.remove()
        return ids


def test_a_repayment_cut_off_mid_write_leaves_nothing_and_its_retry_records_once(
    server, server_app
):
    app = server_app
    loan_id, _pool_id, bank_id, _admin_id = _loan(app)
    app.config["TODAY"] = date(2014, 3, 1)
    with app.app_context():
        token = create_token(_db.session.get(User, bank_id), "crash")[1]
        _db.session.commit()
        _db.session.remove()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "repay-2014-02-17"}
    url = f"/api/v1/loans/{loan_id}/repayments"
    body = {"amount_yuan": "10000.00", "paid_on": "2014-02-17"}

    with crash_before_commit(server):
        answer = client.post(url, json=body, headers=headers)
    assert answer.status_code == 503
    server.start()
    assert _count(app, Repayment) == 0
    assert _count(app, RepaymentAllocation) == 0

    first = client.post(url, json=body, headers=headers)
    replay = client.post(url, json=body, headers=headers)
    assert first.status_code == replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert _count(app, Repayment) == 1
    with app.app_context():
        (part,) = _db.session.scalars(sa.select(RepaymentAllocation)).all()
        assert (part.interest_yuan, part.principal_yuan) == (Decimal("0.00"), Decimal("10000.00"))
        _db.session.remove()


def test_a_claim_payout_cut_off_mid_write_leaves_the_pool_untouched_and_pays_once_after(
    server, server_app
):
    app = server_app
    loan_id, pool_id, bank_id, admin_id = _loan(app)
    # Nothing repaid: on 2014-06-20 the loan is 123 days past due (from 2014-02-17).
    app.config["TODAY"] = date(2014, 6, 20)
    with app.app_context():
        bank = _db.session.get(User, bank_id)
        registration = registration_of(_db.session.get(Loan, loan_id))
        claim = claim_services.file_claim(registration, bank, "催收记录")
        claim_services.decide_claim(claim, _db.session.get(User, admin_id), "approve")
        _db.session.commit()
        claim_id, admin_email = claim.id, _db.session.get(User, admin_id).email
        _db.session.remove()
    client = app.test_client()
    signed_in = client.post(
        "/auth/login", data={"email": admin_email, "password": Factory.PASSWORD}
    )
    assert signed_in.status_code == 302

    with crash_before_commit(server):
        answer = client.post(f"/pool/claims/{claim_id}/payout")
    assert answer.status_code == 503
    server.start()
    with app.app_context():
        assert _db.session.get(Claim, claim_id).status == ClaimStatus.APPROVED
        assert funds.balance(pool_id) == Decimal("1000000.00")
        _db.session.remove()

    client.post(f"/pool/claims/{claim_id}/payout")
    client.post(f"/pool/claims/{claim_id}/payout")  # a second click pays nothing more
    with app.app_context():
        assert _db.session.get(Claim, claim_id).status == ClaimStatus.PAID
        # 100,000 outstanding × 50 % = 50,000 paid once.
        assert funds.balance(pool_id) == Decimal("950000.00")
        _db.session.remove()
