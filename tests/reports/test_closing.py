"""Closing a month freezes its report; later corrections show up as adjustments next month."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D

import pytest
import sqlalchemy as sa

from finplatform.exceptions import Conflict, DomainError
from finplatform.models import AuditEvent, MonthlySnapshot, Role
from finplatform.reports import closing
from finplatform.reports.closing import close_month, close_months_through
from finplatform.reports.periods import Month
from finplatform.reports.services import build_report, report_for
from tests.reports.conftest import WorldBuilder

JUNE, JULY = Month(2014, 6), Month(2014, 7)


@pytest.fixture
def admin(make):
    return make.user(Role.ADMIN)


def _ytd_financing(report):
    return next(t for t in report["targets"] if t["metric"] == "financing_facilitated")["ytd"]


def test_closed_month_is_frozen_and_corrections_become_adjustments(db, world, admin):
    before = build_report(JUNE)
    closed_at = datetime.now(UTC)
    close_months_through(JUNE, admin, now=closed_at)
    db.session.commit()
    frozen = db.session.scalar(
        sa.select(MonthlySnapshot).where(MonthlySnapshot.month == JUNE.first_day)
    ).figures

    later = closed_at + timedelta(seconds=1)
    # A June loan recorded late, and the reversal of d4 (2.5M, June 18).
    builder = WorldBuilder(db, None)
    builder.world = world
    builder.disburse("late", "A6", "700000", date(2014, 6, 29), created_at=later)
    builder.disburse(
        "undo_d4", "A4", "-2500000", date(2014, 6, 30), reverses="d4", created_at=later
    )
    builder.disburse("july", "A1", "1000000", date(2014, 7, 5))
    db.session.commit()

    june = report_for(JUNE)
    assert june["closed"] is True
    assert {k: v for k, v in june.items() if k not in {"closed", "closed_at"}} == frozen
    assert june["totals"] == before["totals"]
    assert june["totals"]["disbursements"] == {"count": 3, "amount": "11800000.00"}

    july = report_for(JULY)
    adjustments = july["adjustments"]
    assert adjustments["totals"]["disbursements"] == {"count": 0, "amount": "-1800000.00"}
    assert [row["amount"] for row in adjustments["rows"]] == ["700000.00", "-2500000.00"]
    assert {row["month"] for row in adjustments["rows"]} == {"2014-06"}
    assert july["totals"]["disbursements"] == {"count": 1, "amount": "1000000.00"}
    # Year to date = June's frozen year to date + adjustments + July's own figures.
    assert D(july["ytd"]["disbursements"]["amount"]) == D("15300000") - D("1800000") + D("1000000")
    assert july["ytd"]["disbursements"]["count"] == 5 + 0 + 1
    assert D(_ytd_financing(july)) == D("14500000")
    # new credit loans: 4.5M + 0.7M (A6 is a credit loan) − 2.5M + 1M (A1) = 3.7M
    credit = next(t for t in july["targets"] if t["metric"] == "new_credit_loans")
    assert D(credit["ytd"]) == D("3700000")
    # The frozen June still says what it said.
    assert _ytd_financing(report_for(JUNE)) == "15300000.00"


def test_adjustments_close_with_the_month_that_reported_them(db, world, admin):
    close_months_through(JUNE, admin, now=datetime.now(UTC))
    db.session.commit()
    june_closed = db.session.scalar(
        sa.select(MonthlySnapshot.closed_at).where(MonthlySnapshot.month == JUNE.first_day)
    )
    builder = WorldBuilder(db, None)
    builder.world = world
    builder.disburse(
        "late", "A6", "700000", date(2014, 6, 29), created_at=june_closed + timedelta(seconds=1)
    )
    db.session.commit()
    july_closed = june_closed + timedelta(seconds=2)
    close_month(JULY, admin, now=july_closed)
    db.session.commit()
    builder.disburse(
        "later", "A6", "300000", date(2014, 6, 30), created_at=july_closed + timedelta(seconds=1)
    )
    db.session.commit()

    assert report_for(JULY)["adjustments"]["totals"]["disbursements"]["amount"] == "700000.00"
    august = report_for(Month(2014, 8))
    assert august["adjustments"]["totals"]["disbursements"]["amount"] == "300000.00"
    assert D(august["ytd"]["disbursements"]["amount"]) == D("15300000") + D("700000") + D("300000")


def test_months_close_in_order_once_and_only_after_they_end(db, world, admin):
    # The world's first request was posted in March 2013: that month closes first.
    with pytest.raises(DomainError, match="2013-03"):
        closing.close_month(JUNE, admin)
    close_months_through(JUNE, admin)
    db.session.commit()
    with pytest.raises(Conflict):
        close_month(JUNE, admin)
    with pytest.raises(DomainError, match="2014-07"):
        close_month(Month(2014, 8), admin)
    with pytest.raises(DomainError):
        close_month(Month.current(), admin)
    audits = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "report.close_month")
        .order_by(AuditEvent.id)
    ).all()
    assert [audit.detail["month"] for audit in audits][-3:] == ["2014-04", "2014-05", "2014-06"]
    assert audits[0].detail == {"month": "2013-03"} and len(audits) == 16


def test_snapshot_records_code_and_model_version(db, world, admin):
    snapshot = close_months_through(JUNE, admin)[-1]
    db.session.commit()
    assert snapshot.code_version
    assert snapshot.figures["code_version"] == snapshot.code_version
    assert snapshot.month == date(2014, 6, 1)
    assert snapshot.closed_by_id == admin.id
