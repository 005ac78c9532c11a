"""The database itself refuses what must never be wrong, whatever code writes to it."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from finplatform.models import (
    Application,
    Disbursement,
    FinancingRequest,
    Institution,
    ModelVersion,
    Role,
    User,
)


def _refused(db, statement_or_object) -> None:
    with pytest.raises(IntegrityError):
        if isinstance(statement_or_object, sa.Executable):
            db.session.execute(statement_or_object)
        else:
            db.session.add(statement_or_object)
        db.session.flush()
    db.session.rollback()


def test_credit_codes_are_unique(db, make):
    first = make.enterprise()
    db.session.commit()
    with pytest.raises(IntegrityError):
        make.enterprise(credit_code=first.credit_code)
    db.session.rollback()


def test_credit_code_must_have_18_characters(db, make):
    with pytest.raises(IntegrityError):
        make.enterprise(credit_code="91440300")
    db.session.rollback()


@pytest.mark.parametrize(
    "values",
    [
        {"amount_min_yuan": Decimal("0")},
        {"amount_min_yuan": Decimal("6000000"), "amount_max_yuan": Decimal("5000000")},
        {"term_min_months": 40, "term_max_months": 12},
        {"rate_min": Decimal("7"), "rate_max": Decimal("5")},
        {"rate_min": Decimal("-1")},
    ],
)
def test_product_ranges_must_be_positive_and_ordered(db, make, values):
    institution = make.institution()
    db.session.commit()
    with pytest.raises(IntegrityError):
        make.product(institution, **values)
    db.session.rollback()


def test_financing_request_amount_must_be_positive(db, make):
    enterprise = make.enterprise()
    db.session.commit()
    _refused(
        db, FinancingRequest(enterprise_id=enterprise.id, amount_yuan=Decimal("-1"), term_months=12)
    )


def _application(db, make) -> Application:
    product = make.product()
    enterprise = make.enterprise()
    request = FinancingRequest(
        enterprise_id=enterprise.id, amount_yuan=Decimal("1000000"), term_months=12
    )
    db.session.add(request)
    db.session.flush()
    application = Application(
        request_id=request.id,
        product_id=product.id,
        enterprise_id=enterprise.id,
        institution_id=product.institution_id,
        product_kind_code=product.kind_code,
    )
    db.session.add(application)
    db.session.commit()
    return application


def _disbursement(application: Application, **values) -> Disbursement:
    values.setdefault("amount_yuan", Decimal("1000000"))
    values.setdefault("rate", Decimal("5.2"))
    values.setdefault("term_months", 12)
    return Disbursement(
        application_id=application.id,
        disbursed_on=sa.func.current_date(),
        enterprise_id=application.enterprise_id,
        institution_id=application.institution_id,
        institution_kind_code="tech_branch",
        product_kind_code=application.product_kind_code,
        district_code="120116",
        industry_code="39",
        **values,
    )


def test_disbursement_amount_must_be_positive(db, make):
    application = _application(db, make)
    _refused(db, _disbursement(application, amount_yuan=Decimal("0")))


def test_only_a_reversal_carries_a_negative_amount(db, make):
    application = _application(db, make)
    original = _disbursement(application)
    db.session.add(original)
    db.session.commit()
    _refused(db, _disbursement(application, amount_yuan=Decimal("-1000000")))
    _refused(db, _disbursement(application, amount_yuan=Decimal("5"), reverses_id=original.id))
    db.session.add(
        _disbursement(application, amount_yuan=Decimal("-1000000"), reverses_id=original.id)
    )
    db.session.commit()
    # One reversal per disbursement: a second one would count the correction twice.
    _refused(
        db, _disbursement(application, amount_yuan=Decimal("-1000000"), reverses_id=original.id)
    )


def test_disbursement_idempotency_key_records_once(db, make):
    application = _application(db, make)
    db.session.add(_disbursement(application, idempotency_key="retry-1"))
    db.session.commit()
    _refused(db, _disbursement(application, idempotency_key="retry-1"))
    count = db.session.scalar(sa.select(sa.func.count(Disbursement.id)))
    assert count == 1


def test_money_round_trips_exactly_as_decimal(db, make):
    application = _application(db, make)
    db.session.add(_disbursement(application, amount_yuan=Decimal("12345678901234.56")))
    db.session.commit()
    db.session.expire_all()
    stored = db.session.scalar(sa.select(Disbursement.amount_yuan))
    assert stored == Decimal("12345678901234.56")
    assert isinstance(stored, Decimal)


def test_an_institution_with_products_cannot_be_deleted(db, make):
    product = make.product()
    db.session.commit()
    _refused(db, sa.delete(Institution).where(Institution.id == product.institution_id))


def test_enterprise_users_must_belong_to_an_enterprise(db):
    _refused(
        db,
        User(email="x@example.cn", name="x", password_hash="h", role=Role.ENTERPRISE),
    )


def test_unknown_status_values_are_refused(db, make):
    institution = make.institution()
    db.session.commit()
    # Raw SQL, past the ORM's own check: the database's CHECK constraint must refuse it.
    _refused(
        db,
        sa.text("UPDATE institutions SET status = 'deleted' WHERE id = :id").bindparams(
            id=institution.id
        ),
    )


def test_only_one_model_version_is_current(db):
    db.session.add(ModelVersion(version="v1", status="current", artifact="v1.joblib"))
    db.session.commit()
    _refused(db, ModelVersion(version="v2", status="current", artifact="v2.joblib"))


def test_timestamps_come_back_timezone_aware(db, make):
    enterprise = make.enterprise()
    db.session.commit()
    db.session.expire_all()
    assert enterprise.created_at.tzinfo is not None
