"""Disbursements are counted once, capped at the approved amount, and corrected by reversals."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from finplatform import clock
from finplatform.deals import services
from finplatform.deals.disbursements import (
    disbursed_total,
    record_disbursement,
    reverse_disbursement,
)
from finplatform.exceptions import Conflict, DomainError
from finplatform.models import ApplicationStatus, Disbursement, RequestStatus


@pytest.fixture
def approved(db, world, post_request):
    """An application approved for 180万元 at 4.8% over 12 months."""
    application = services.submit_application(post_request(), world.credit_loan, world.firm_user)
    services.take_into_review(application, world.bank_user)
    services.approve_application(
        application, world.bank_user, amount_yuan="1800000", rate="4.8", term_months=12
    )
    db.session.commit()
    return application


def disburse(application, actor, amount, key, **values):
    """Record a disbursement with the approved terms unless told otherwise."""
    values.setdefault("rate", "4.8")
    values.setdefault("term_months", 12)
    values.setdefault("disbursed_on", clock.today())
    return record_disbursement(
        application, amount_yuan=amount, actor=actor, idempotency_key=key, **values
    )


def test_the_same_key_twice_records_once(db, world, approved):
    first, created = disburse(approved, world.bank_user, "1000000", "key-1")
    db.session.commit()
    again, created_again = disburse(approved, world.bank_user, "1000000", "key-1")
    db.session.commit()
    assert (created, created_again) == (True, False)
    assert again.id == first.id
    assert db.session.scalar(sa.select(sa.func.count(Disbursement.id))) == 1
    assert disbursed_total(approved) == Decimal("1000000")


def test_first_disbursement_fulfils_the_request_and_fills_report_columns(db, world, approved):
    row, _ = disburse(approved, world.bank_user, "600000", "k")
    db.session.commit()
    assert approved.status == ApplicationStatus.DISBURSED
    assert approved.request.status == RequestStatus.FULFILLED
    assert (row.enterprise_id, row.institution_id, row.institution_kind_code) == (
        world.firm.id,
        world.bank.id,
        "tech_branch",
    )
    assert (row.product_kind_code, row.pool_covered, row.district_code, row.industry_code) == (
        "credit_loan",
        True,
        world.firm.district_code,
        world.firm.industry_code,
    )


def test_several_disbursements_never_exceed_the_approved_amount(db, world, approved):
    disburse(approved, world.bank_user, "1000000", "a")
    disburse(approved, world.bank_user, "800000", "b")
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        disburse(approved, world.bank_user, "0.01", "c")
    assert refused.value.field == "amount_yuan"
    assert disbursed_total(approved) == Decimal("1800000")


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"amount": "-5"}, "amount_yuan"),
        ({"amount": "100", "disbursed_on": clock.today() + timedelta(days=1)}, "disbursed_on"),
        ({"amount": "100", "rate": "50"}, "rate"),
        ({"amount": "100", "term_months": 0}, "term_months"),
    ],
)
def test_bad_disbursements_are_refused_on_their_field(db, world, approved, values, field):
    amount = values.pop("amount")
    with pytest.raises(DomainError) as refused:
        disburse(approved, world.bank_user, amount, "bad", **values)
    assert refused.value.field == field


def test_an_application_not_approved_cannot_be_disbursed(db, world, post_request):
    application = services.submit_application(post_request(), world.credit_loan, world.firm_user)
    with pytest.raises(Conflict):
        disburse(application, world.bank_user, "100", "x")


def test_a_reversal_is_a_negative_row_and_frees_the_amount(db, world, approved):
    row, _ = disburse(approved, world.bank_user, "1800000", "full")
    db.session.commit()
    with pytest.raises(DomainError):
        reverse_disbursement(row, world.bank_user, " ")
    reversal = reverse_disbursement(row, world.bank_user, "录入错误")
    db.session.commit()
    assert reversal.amount_yuan == Decimal("-1800000") and reversal.reverses_id == row.id
    assert disbursed_total(approved) == 0
    with pytest.raises(Conflict):
        reverse_disbursement(row, world.bank_user, "again")
    db.session.rollback()
    with pytest.raises(DomainError):
        reverse_disbursement(reversal, world.bank_user, "reverse the reversal")
    db.session.rollback()
    again, created = disburse(approved, world.bank_user, "1800000", "full-again")
    assert created and again.amount_yuan == Decimal("1800000")
