"""The demo world's credit loans and pool follow the platform's own rules, and its pool
figures hold the balance identity."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal as D

import numpy as np
import pytest
import sqlalchemy as sa

from finplatform.loans.positions import loan_position
from finplatform.models import Claim, CoverRegistration, Disbursement, Instalment, Loan
from seeds.loader import load_world
from seeds.world import generate_world, world_password_hash
from seeds.world.credit import credit_quality

HASH = world_password_hash("scrypt:1024:8:1", 0)


@pytest.fixture
def small_world(db, pin_today):
    """The small world (seed 2014), loaded and seen as of its last day."""
    load_world(db.session.connection(), generate_world("small", 2014, HASH))
    db.session.commit()
    pin_today(date(2014, 12, 31))
    return db


def test_every_credit_loan_disbursement_has_a_loan_whose_schedule_sums_to_it(small_world):
    session = small_world.session
    credit_disbursements = session.scalar(
        sa.select(sa.func.count(Disbursement.id)).where(
            Disbursement.product_kind_code == "credit_loan"
        )
    )
    assert session.scalar(sa.select(sa.func.count(Loan.id))) == credit_disbursements > 0
    for loan in session.scalars(sa.select(Loan)):
        assert sum(line.principal_yuan for line in loan.instalments) == loan.principal_yuan
        assert loan.principal_yuan == loan.disbursement.amount_yuan
        position = loan_position(loan, date(2014, 12, 31))
        assert all(line.unpaid >= 0 for line in position.instalments)


def test_pool_status_of_the_small_world_holds_the_balance_identity(app, small_world):
    result = app.test_cli_runner().invoke(args=["pool", "status", "--year", "2014", "--json"])
    figures = json.loads(result.output)
    assert result.exit_code == 0, result.output
    assert figures["covered_loans"] > 0
    assert figures["contributions_yuan"] == "1000000000.00"
    # The one-year history still carries the pool's whole cycle: a claim decided and paid,
    # a recovery flowing back, and a covered loan overdue at the year's end.
    assert figures["claims_paid"] >= 1
    assert D(figures["claims_paid_yuan"]) > 0
    assert D(figures["recovered_yuan"]) > 0
    assert D(figures["recovered_yuan"]) < D(figures["claims_paid_yuan"])
    assert any(D(amount) > 0 for amount in figures["overdue_covered_yuan"].values())
    assert D(figures["balance_yuan"]) < D(figures["contributions_yuan"])
    balance = (
        D(figures["contributions_yuan"])
        - D(figures["claims_paid_yuan"])
        + D(figures["recovered_yuan"])
    )
    assert D(figures["balance_yuan"]) == balance
    assert D(figures["leverage"]) < 10


def test_registrations_and_claims_in_the_world_keep_the_pools_rules(db, pin_today):
    # The demo world reaches back to 2013, so its history has claims; load it once here.
    load_world(db.session.connection(), generate_world("demo", 2014, HASH))
    db.session.commit()
    session = db.session
    for registration in session.scalars(sa.select(CoverRegistration)):
        loan = registration.loan
        assert loan.disbursed_on <= registration.registered_on
        assert registration.registered_on <= loan.disbursed_on + timedelta(days=30)
        assert loan.product_kind_code == "credit_loan"
    claims = list(session.scalars(sa.select(Claim)))
    assert any(claim.status.value == "paid" for claim in claims)
    for claim in claims:
        loan = claim.registration.loan
        # The platform's own count of days past due on the filing day agrees with the world.
        assert loan_position(loan, claim.filed_on).days_past_due == claim.days_past_due >= 90
        ratio = claim.registration.member.cover_ratio
        assert claim.claimed_yuan <= claim.outstanding_principal_yuan * ratio
    assert session.scalar(sa.select(sa.func.count(Instalment.id))) > 0


def test_credit_quality_is_the_firms_hidden_quality_plus_its_own_part():
    quality = np.random.default_rng(0).standard_normal(20000)
    credit = credit_quality(quality, 2014)
    assert np.array_equal(credit, credit_quality(quality, 2014))
    assert 0.65 < np.corrcoef(quality, credit)[0, 1] < 0.75
    assert abs(credit.std() - 1) < 0.03
