"""Repayments imported from a file: recorded by the loan page's own service, all or nothing,
and idempotent on the transaction number (流水号) so the same file loaded twice records once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
import sqlalchemy as sa

from finplatform.imports import repayment_writing, services
from finplatform.loans.positions import loan_position
from finplatform.models import (
    AuditEvent,
    ImportBatch,
    ImportStatus,
    Repayment,
    RepaymentAllocation,
    Role,
)

HEADER = "贷款编号,还款日期,还款金额（元）,流水号\n"


def _run(db, content: str, good_rows_only=False):
    batch = ImportBatch(kind="repayments", filename="还款.csv", good_rows_only=good_rows_only)
    db.session.add(batch)
    db.session.flush()
    result = services.run_import(batch, content.encode(), actor=None)
    db.session.commit()
    return batch, result


def _count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _parts(db, loan) -> list[tuple]:
    rows = db.session.execute(
        sa.select(
            Repayment.paid_on,
            RepaymentAllocation.penalty_yuan,
            RepaymentAllocation.interest_yuan,
            RepaymentAllocation.principal_yuan,
        )
        .join(RepaymentAllocation, RepaymentAllocation.repayment_id == Repayment.id)
        .where(Repayment.loan_id == loan.id)
        .order_by(Repayment.id, RepaymentAllocation.instalment_id)
    )
    return [tuple(row) for row in rows]


@pytest.fixture
def two_loans(disburse, pin_today):
    """100,000 at 6 % over 12 months from 2014-01-15 (instalment 1 due Monday 2014-02-17: 500.00
    interest + 8,106.64 principal; 2 due 2014-03-17: 459.47 + 8,147.17; 3: 418.73 interest on
    the 83,746.19 left), and 30,000 at 0 % over 3 months from 2014-01-10; today 2014-03-20."""
    big = disburse(amount="100000", on=date(2014, 1, 15), rate="6", term=12)
    small = disburse(amount="30000", on=date(2014, 1, 10), rate="0", term=3)
    pin_today(date(2014, 3, 20))
    return big, small


def _three_rows(big, small) -> str:
    return (
        HEADER
        + f"{big.id},2014-02-17,8606.64,BK20140217001\n"
        + f'#{big.id},2014/3/20,"9,000",BK20140320007\n'
        + f"贷款 #{small.id},2014年2月10日,10000,BK20140210003\n"
    )


def test_a_file_of_three_repayments_is_allocated_as_the_form_allocates(db, two_loans):
    big, small = two_loans
    batch, result = _run(db, _three_rows(big, small))
    assert result == {
        "status": "finished",
        "problems": 0,
        "created": 3,
        "updated": 0,
        "unchanged": 0,
    }
    assert batch.imported_rows == 3
    # Instalment 1 paid on its due day: no penalty, interest then principal.
    # 9,000 three days late on instalment 2: penalty 8,147.17 × 9 % × 3 / 360 = 6.11, then
    # 459.47 + 8,147.17; the 387.25 left prepay instalment 3's interest (418.73) in part.
    assert _parts(db, big) == [
        (date(2014, 2, 17), D("0.00"), D("500.00"), D("8106.64")),
        (date(2014, 3, 20), D("6.11"), D("459.47"), D("8147.17")),
        (date(2014, 3, 20), D("0.00"), D("387.25"), D("0.00")),
    ]
    assert _parts(db, small) == [(date(2014, 2, 10), D("0.00"), D("0.00"), D("10000.00"))]
    assert loan_position(big, date(2014, 3, 20)).outstanding_principal == D("83746.19")
    notes = db.session.scalars(sa.select(Repayment.note).order_by(Repayment.id)).all()
    assert notes == ["BK20140217001", "BK20140320007", "BK20140210003"]


def test_loading_the_same_file_again_records_nothing_new(db, two_loans):
    big, small = two_loans
    # The third row has no transaction number: its day and amount key it.
    content = _three_rows(big, small).replace(",BK20140210003", ",")
    _run(db, content)
    before = _parts(db, big) + _parts(db, small)
    _batch, again = _run(db, content)
    assert again == {
        "status": "finished",
        "problems": 0,
        "created": 0,
        "updated": 0,
        "unchanged": 3,
    }
    assert _count(db, Repayment) == 3
    assert _parts(db, big) + _parts(db, small) == before
    # The same transaction number with another amount is refused, naming its row and column.
    changed = content.replace("8606.64,BK20140217001", "8600.00,BK20140217001")
    batch, result = _run(db, changed)
    assert result["status"] == "rejected"
    assert [(e["row"], e["column"]) for e in batch.errors] == [(2, "流水号")]
    assert "金额不同" in batch.errors[0]["reason"]
    assert _count(db, Repayment) == 3


def test_a_row_above_what_is_owed_names_its_row_and_the_file_imports_nothing(db, two_loans):
    _big, small = two_loans
    # Row 2 leaves 5,000.00 of the 30,000 interest-free loan owing; row 3 pays 5,000.01.
    content = (
        HEADER
        + f"{small.id},2014-02-10,25000,T1\n"
        + f"{small.id},2014-03-10,5000.01,T2\n"
        + f"{small.id},2014-03-21,1,T3\n"
    )
    batch, result = _run(db, content)
    assert result["status"] == "rejected"
    assert [(e["row"], e["column"]) for e in batch.errors] == [
        (3, "还款金额（元）"),
        (4, "还款日期"),
    ]
    assert "最多还剩 5,000.00 元" in batch.errors[0]["reason"]
    assert batch.errors[1]["reason"] == "还款日期不能晚于今天。"  # 2014-03-21, today is the 20th
    assert _count(db, Repayment) == _count(db, RepaymentAllocation) == 0
    batch, result = _run(db, content, good_rows_only=True)
    assert (result["status"], result["created"], result["problems"]) == ("finished", 1, 2)
    # 25,000 pays instalment 1 (10,000) and prepays instalment 2 and half of instalment 3.
    assert [part[3] for part in _parts(db, small)] == [D("10000.00"), D("10000.00"), D("5000.00")]


def test_rows_naming_no_loan_or_another_institution_are_refused(db, make, two_loans):
    big, _small = two_loans
    other = make.institution(name="另一家银行")
    content = (
        "loan_id,paid_on,amount_wan,institution,reference\n"
        f"{big.id},2014-02-17,0.860664,{big.institution.name},R1\n"
        f"{big.id},2014-02-18,0.1,另一家银行,R2\n"
        "99999,2014-02-18,0.1,,R3\n"
        f"{big.id},2014-01-14,0.1,,R4\n"
        f"{big.id},2014-02-18,0.1,,R1\n"
    )
    batch, _result = _run(db, content)
    assert [(e["row"], e["column"], e["reason"]) for e in batch.errors] == [
        (3, "loan_id", f"此笔贷款不属于{other.name}。"),
        (4, "loan_id", "平台上没有此编号的贷款。"),
        (5, "paid_on", "还款日期早于放款日期。"),
        (6, "reference", "相同记录已在第 2 行出现。"),
    ]
    assert _count(db, Repayment) == 0


def test_a_failure_while_writing_leaves_nothing_half_written(app, db, make, two_loans, monkeypatch):
    big, small = two_loans
    admin = make.user(Role.ADMIN)
    batch = ImportBatch(kind="repayments", filename="还款.csv", created_by_id=admin.id)
    db.session.add(batch)
    db.session.flush()
    services.upload_path(batch).write_bytes(_three_rows(big, small).encode())
    db.session.commit()
    calls = []
    recorded = repayment_writing.record_repayment

    def drop_on_the_fifth(loan, **values):
        # Rows are checked (three calls), then written: the second write fails midway.
        calls.append(loan.id)
        if len(calls) == 5:
            raise ConnectionError("database connection lost")
        return recorded(loan, **values)

    monkeypatch.setattr(repayment_writing, "record_repayment", drop_on_the_fifth)
    with pytest.raises(ConnectionError):
        services.run_import_job(batch.id)
    assert len(calls) == 5
    batch = db.session.get(ImportBatch, batch.id)
    assert batch.status == ImportStatus.FAILED
    assert batch.errors[0]["reason"] == "导入意外失败，未保存任何数据。"
    # No repayment, allocation or audit entry of either the check or the first write remains,
    # and nothing was undone by a reversal: there is simply nothing.
    assert _count(db, Repayment) == _count(db, RepaymentAllocation) == 0
    assert not db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "repayment.recorded")
    ).all()
    assert loan_position(big, date(2014, 3, 20)).outstanding_principal == D("100000.00")


def test_the_import_command_records_the_file_once(app, db, two_loans, tmp_path):
    big, small = two_loans
    path = tmp_path / "还款.csv"
    path.write_text(_three_rows(big, small), encoding="utf-8-sig")
    runner = app.test_cli_runner()
    first = runner.invoke(args=["import", "repayments", str(path)])
    assert first.exit_code == 0, first.output
    assert "3 created" in first.output
    again = runner.invoke(args=["import", "repayments", str(path)])
    assert "0 created, 0 updated, 3 unchanged" in again.output
    assert _count(db, Repayment) == 3


def test_the_admin_import_page_offers_repayments(client, login, make):
    login(make.user(Role.ADMIN))
    page = client.get("/admin/imports/").get_data(as_text=True)
    assert '<option value="repayments">贷款还款记录</option>' in page
