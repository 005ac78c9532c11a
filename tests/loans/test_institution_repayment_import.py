"""An approved institution's staff import repayments of their own loans from
/institution/repayment-imports: the admin's import path, limited to their institution's loans
and batches."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal as D

import pytest
import sqlalchemy as sa

from finplatform import jobs
from finplatform.models import (
    ImportBatch,
    InstitutionStatus,
    Repayment,
    RepaymentAllocation,
    Role,
)

PAGE = "/institution/repayment-imports/"
HEADER = "贷款编号,还款日期,还款金额（元）,流水号\n"


@pytest.fixture(autouse=True)
def inline_jobs(monkeypatch):
    # The import runs inline here, as without Redis: no worker runs during the test.
    monkeypatch.setattr(jobs, "redis_connection", lambda: None)


@pytest.fixture
def loans(disburse, pin_today):
    """The bank's 100,000 at 6 % over 12 months from 2014-01-15 (instalment 1 due Monday
    2014-02-17: 500.00 interest + 8,106.64 principal) and 30,000 at 0 % over 3 months from
    2014-01-10; today 2014-03-20."""
    big = disburse(amount="100000", on=date(2014, 1, 15), rate="6", term=12)
    small = disburse(amount="30000", on=date(2014, 1, 10), rate="0", term=3)
    pin_today(date(2014, 3, 20))
    return big, small


def _upload(client, content: str, good_rows_only=False):
    data = {"file": (io.BytesIO(content.encode()), "还款.csv")}
    if good_rows_only:
        data["good_rows_only"] = "y"
    return client.post(PAGE, data=data, content_type="multipart/form-data")


def _parts(db, loan) -> list[tuple]:
    rows = db.session.execute(
        sa.select(
            RepaymentAllocation.penalty_yuan,
            RepaymentAllocation.interest_yuan,
            RepaymentAllocation.principal_yuan,
        )
        .join(Repayment, RepaymentAllocation.repayment_id == Repayment.id)
        .where(Repayment.loan_id == loan.id)
        .order_by(Repayment.id, RepaymentAllocation.instalment_id)
    )
    return [tuple(row) for row in rows]


def _switch_to(client, login, user) -> None:
    client.post("/auth/logout")
    login(user)


def _problems(page: str) -> str:
    return page[page.index('id="problems"') :]


def test_an_institution_imports_a_file_of_its_own_loans(client, login, db, bank_user, loans):
    big, small = loans
    login(bank_user)
    form = client.get(PAGE).get_data(as_text=True)
    assert "导入还款记录" in form and 'name="kind"' not in form
    content = HEADER + f"{big.id},2014-02-17,8606.64,BK1\n贷款 #{small.id},2014-02-10,10000,BK2\n"
    response = _upload(client, content)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已导入 2 行。" in page
    assert _parts(db, big) == [(D("0.00"), D("500.00"), D("8106.64"))]
    assert _parts(db, small) == [(D("0.00"), D("0.00"), D("10000.00"))]
    batch = db.session.scalar(sa.select(ImportBatch))
    assert (batch.kind, batch.created_by_id, batch.imported_rows) == ("repayments", bank_user.id, 2)
    listing = client.get(PAGE).get_data(as_text=True)
    assert f'href="/institution/repayment-imports/{batch.id}"' in listing


def test_a_row_naming_another_banks_loan_is_refused_on_its_row_and_column(
    client, login, make, db, bank_user, loans
):
    big, _small = loans
    other = make.user(Role.INSTITUTION)  # another bank, approved, with no loan of its own
    login(other)
    content = HEADER + f"{big.id},2014-02-17,8606.64,X1\n999999,2014-02-17,1,X2\n"
    response = _upload(client, content, good_rows_only=True)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    batch = db.session.scalar(sa.select(ImportBatch))
    # Another bank's loan reads exactly as a number that does not exist: nothing is revealed.
    assert [(e["row"], e["column"], e["reason"]) for e in batch.errors] == [
        (2, "贷款编号", "本机构没有这个编号的贷款。"),
        (3, "贷款编号", "本机构没有这个编号的贷款。"),
    ]
    assert "本机构没有这个编号的贷款。" in _problems(page)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Repayment)) == 0
    # The loan's own bank imports the same row.
    _switch_to(client, login, bank_user)
    _upload(client, content, good_rows_only=True)
    assert _parts(db, big) == [(D("0.00"), D("500.00"), D("8106.64"))]


def test_another_institution_cannot_see_the_batch(client, login, make, db, bank_user, loans):
    big, _small = loans
    login(bank_user)
    _upload(client, HEADER + f"{big.id},2014-01-01,100,E1\n")
    batch = db.session.scalar(sa.select(ImportBatch))
    colleague = make.user(Role.INSTITUTION, institution=bank_user.institution)
    _switch_to(client, login, colleague)
    assert client.get(f"{PAGE}{batch.id}").status_code == 200
    _switch_to(client, login, make.user(Role.INSTITUTION))
    assert client.get(f"{PAGE}{batch.id}").status_code == 404
    assert client.get(f"{PAGE}{batch.id}/errors.csv").status_code == 404
    assert f"{PAGE}{batch.id}" not in client.get(PAGE).get_data(as_text=True)


@pytest.mark.parametrize("standing", [InstitutionStatus.PENDING, InstitutionStatus.SUSPENDED])
def test_an_institution_not_in_good_standing_is_refused(client, login, make, db, standing):
    user = make.user(Role.INSTITUTION, institution=make.institution(status=standing))
    login(user)
    assert client.get(PAGE).status_code == 403
    assert _upload(client, HEADER + "1,2014-02-17,1,P1\n").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportBatch)) == 0


def test_the_loans_list_and_the_menu_lead_to_the_page(client, login, bank_user):
    login(bank_user)
    page = client.get("/loans/").get_data(as_text=True)
    assert page.count('href="/institution/repayment-imports/"') == 2
