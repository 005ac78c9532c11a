"""The firms counted once (first-time borrowers, firms served, firms with credit loans) stay
right when two writers add to one firm at the same time on PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest

from finplatform.models import Disbursement
from finplatform.reports.periods import Month
from finplatform.reports.services import build_report
from tests.reports.concurrency import two_writers_at_once
from tests.reports.conftest import build_world
from tests.reports.test_facts import D, _same_after_rebuild


def test_two_first_disbursements_at_once_make_one_first_time_borrower(app, db, make):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrent transactions are PostgreSQL's here")
    world = build_world(db, make)
    # A6 is E6's application, and E6 has never borrowed.
    a6 = world.applications["A6"]
    product = a6.product
    values = {
        "application_id": a6.id,
        "enterprise_id": a6.enterprise_id,
        "institution_id": product.institution_id,
        "institution_kind_code": product.institution.kind_code,
        "product_kind_code": product.kind_code,
        "pool_covered": product.pool_covered,
        "district_code": a6.enterprise.district_code,
        "industry_code": a6.enterprise.industry_code,
        "rate": D("5.0"),
        "term_months": 12,
        "disbursed_on": date(2014, 8, 8),
    }
    db.session.commit()

    def add(session, amount: str) -> None:
        # The second writer reads the firm's months only once the first has committed.
        session.add(Disbursement(amount_yuan=D(amount), **values))

    two_writers_at_once(app, db, add)
    db.session.expire_all()
    # One firm borrowed for the first time in August, 100,000 + 200,000.
    assert build_report(Month(2014, 8))["first_time_borrowers"] == {
        "count": 1,
        "amount": "300000.00",
    }
    _same_after_rebuild(db)
