"""The report facts written with each row equal what `flask report rebuild` computes from the
base tables, whatever the sequence of writes; and two writers to one month lose nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from finplatform.models import (
    ApplicationStatus,
    CommunityMembership,
    Disbursement,
    ImportBatch,
    ProductKind,
    ReportFact,
    ReportFirmMonth,
    Role,
)
from finplatform.reports import facts
from finplatform.reports.periods import Month
from finplatform.reports.services import build_report
from tests.reports.concurrency import two_writers_at_once
from tests.reports.conftest import WorldBuilder, bj, build_world

D = Decimal
FIXTURES = "tests/fixtures/imports"


def _fact(measure, dimension, month, key=""):
    """(count, amount, rows) of one fact, or None."""
    row = facts.db.session.execute(
        sa.select(ReportFact.count, ReportFact.amount, ReportFact.rows).where(
            ReportFact.measure == measure,
            ReportFact.dimension == dimension,
            ReportFact.month == month,
            ReportFact.key == key,
        )
    ).one_or_none()
    return None if row is None else tuple(row)


def _same_after_rebuild(db) -> list[tuple]:
    kept = facts.all_facts()
    facts.rebuild()
    rebuilt = facts.all_facts()
    assert kept == rebuilt
    return kept


def test_the_world_facts_hold_its_figures_and_equal_a_rebuild(db, make):
    build_world(db, make)
    # June 2014: d3 4,000,000 + d4 2,500,000 + d5 6,000,000 + d7 800,000, and d6 reversing
    # 1,500,000: count 4 − 1, five rows.
    assert _fact("disbursements", "", date(2014, 6, 1)) == (3, D("11800000.00"), 5)
    # The reversal is d2's, a credit loan of the bank (tech branch): its kind nets to zero.
    assert _fact("disbursements", "product_kind", date(2014, 5, 1), "credit_loan") == (
        1,
        D("1500000.00"),
        1,
    )
    # A request at 00:30 on 1 June Beijing time is June's; at 00:10 on 1 July, July's.
    assert _fact("requests", "", date(2014, 6, 1))[0] == 4
    assert _fact("requests", "", date(2014, 7, 1))[0] == 1
    assert _same_after_rebuild(db)


def test_edits_that_move_figures_keep_the_facts_right(db, make):
    world = build_world(db, make)
    builder = WorldBuilder(db, make)
    builder.world = world
    # A late record in a past month, and a reversal of it.
    builder.disburse("late", "A4", "100000", date(2014, 3, 3))
    builder.disburse("late_back", "A4", "-100000", date(2014, 3, 9), reverses="late")
    assert _fact("disbursements", "", date(2014, 3, 1)) == (0, D("0.00"), 2)
    # A decision on an open application: June gains an approval.
    a6 = world.applications["A6"]
    a6.status, a6.decided_at = ApplicationStatus.APPROVED, bj(2014, 6, 30, 15)
    a6.approved_amount_yuan = D("700000")
    db.session.flush()
    # A3 4,000,000 + A4 2,500,000 + A5 6,000,000 + A7 800,000 + A6 700,000.
    assert _fact("approvals", "", date(2014, 6, 1)) == (5, D("14000000.00"), 5)
    # A firm moves and leaves its community; a product kind stops being a credit loan;
    # an institution changes kind.
    world.enterprises["E1"].district_code = "120104"
    db.session.delete(
        db.session.get(
            CommunityMembership, (world.institutions["community"].id, world.enterprises["E5"].id)
        )
    )
    db.session.get(ProductKind, "credit_loan").is_credit_loan = False
    world.institutions["fund"].kind_code = "service"
    db.session.flush()
    # A request edited while open.
    world.requests["R7"].amount_yuan = D("950000")
    db.session.flush()
    assert _fact("requests", "", date(2014, 7, 1)) == (1, D("950000.00"), 1)
    db.session.commit()
    _same_after_rebuild(db)


def test_imported_history_writes_its_facts(db, make):
    from finplatform.imports import services

    make.institution(name="滨海新区科技支行（测试）")
    for kind in ("enterprises", "products", "applications"):
        batch = ImportBatch(kind=kind, filename=f"{kind}.csv")
        db.session.add(batch)
        db.session.flush()
        with open(f"{FIXTURES}/{kind}.csv", "rb") as file:
            services.run_import(batch, file.read(), actor=None)
        db.session.commit()
    # The file's one disbursement: 300万元 on 28 March 2014; its approval on 20 March.
    assert _fact("disbursements", "", date(2014, 3, 1)) == (1, D("3000000.00"), 1)
    assert _fact("approvals", "", date(2014, 3, 1)) == (1, D("3000000.00"), 1)
    _same_after_rebuild(db)


def test_a_late_record_reaches_the_report_without_a_refresh(db, make):
    world = build_world(db, make)
    builder = WorldBuilder(db, make)
    builder.world = world
    before = build_report(Month(2014, 4))
    assert before["totals"]["disbursements"]["amount"] == "0.00"
    builder.disburse("late", "A4", "250000", date(2014, 4, 8))
    db.session.commit()
    after = build_report(Month(2014, 4))
    assert after["totals"]["disbursements"] == {"count": 1, "amount": "250000.00"}


def test_two_writers_to_one_month_lose_nothing_on_postgresql(app, db, make):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks and ON CONFLICT are PostgreSQL's here")
    world = build_world(db, make)
    a4 = world.applications["A4"]
    values = {
        name: getattr(world.disbursements["d4"], name)
        for name in (
            "enterprise_id",
            "institution_id",
            "institution_kind_code",
            "product_kind_code",
            "pool_covered",
            "district_code",
            "industry_code",
        )
    }
    db.session.commit()

    def add(session, amount: str) -> None:
        session.add(
            Disbursement(
                application_id=a4.id,
                amount_yuan=D(amount),
                rate=D("5.0"),
                term_months=12,
                disbursed_on=date(2014, 8, 8),
                **values,
            )
        )

    # The second writer's flush waits for the first's row lock.
    order = two_writers_at_once(app, db, add)
    # The second writer's flush finished only once the first was committing.
    assert order.index("flushed 200000") > order.index("committing 100000")
    db.session.expire_all()
    assert _fact("disbursements", "", date(2014, 8, 1)) == (2, D("300000.00"), 2)
    # The firm's month of borrowing, one row both writers add to.
    firm_month = db.session.execute(
        sa.select(ReportFirmMonth.count, ReportFirmMonth.amount, ReportFirmMonth.rows).where(
            ReportFirmMonth.kind == "borrowed",
            ReportFirmMonth.month == date(2014, 8, 1),
            ReportFirmMonth.enterprise_id == values["enterprise_id"],
        )
    ).one()
    assert tuple(firm_month) == (2, D("300000.00"), 2)
    _same_after_rebuild(db)


def test_the_services_paths_keep_the_facts(db, make, pin_today):
    from finplatform.deals.disbursements import record_disbursement, reverse_disbursement
    from finplatform.loans import pool as funds

    bank_user = make.user(Role.INSTITUTION, name="李行长")
    product = make.product(bank_user.institution, pool_covered=True)
    application = make.application(
        make.financing_request(make.enterprise()),
        product,
        status=ApplicationStatus.APPROVED,
        decided_at=bj(2014, 1, 10),
        approved_amount_yuan=D("300000"),
        approved_rate=D("6"),
        approved_term_months=12,
    )
    pin_today(date(2014, 1, 15))
    asked = {
        "amount_yuan": "300000",
        "rate": "6",
        "term_months": 12,
        "disbursed_on": date(2014, 1, 15),
    }
    row, _ = record_disbursement(application, actor=bank_user, idempotency_key="k-1", **asked)
    db.session.commit()
    # A replay of the same key records nothing more.
    record_disbursement(application, actor=bank_user, idempotency_key="k-1", **asked)
    db.session.commit()
    assert _fact("disbursements", "", date(2014, 1, 1)) == (1, D("300000.00"), 1)
    pin_today(date(2014, 2, 3))
    reverse_disbursement(row, bank_user, "录入错误")
    pool = funds.create_pool(2014, "2014年科技型中小企业信用贷款风险保证金")
    funds.contribute(pool, "天津市科委", "1000000", date(2014, 2, 2))
    db.session.commit()
    # The reversal is dated the day it is recorded (3 February): February nets −1, −300,000.
    assert _fact("disbursements", "", date(2014, 2, 1)) == (-1, D("-300000.00"), 1)
    assert _fact("disbursements", "", date(2014, 1, 1)) == (1, D("300000.00"), 1)
    assert _fact("money", "risk_guarantee_pool", date(2014, 2, 1)) == (0, D("1000000.00"), 1)
    _same_after_rebuild(db)
