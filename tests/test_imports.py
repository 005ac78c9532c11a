"""Bulk import: validate every row first, report each bad cell, import idempotently."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from finplatform import jobs
from finplatform.imports import columns, services
from finplatform.models import (
    Application,
    ApplicationEvent,
    Disbursement,
    Enterprise,
    FinancingRequest,
    ImportBatch,
    Product,
    Role,
)

FIXTURES = Path(__file__).parent / "fixtures" / "imports"


def _run(db, kind: str, content: bytes, filename: str = "file.csv", good_rows_only=False):
    batch = ImportBatch(kind=kind, filename=filename, good_rows_only=good_rows_only)
    db.session.add(batch)
    db.session.flush()
    result = services.run_import(batch, content, actor=None)
    db.session.commit()
    return batch, result


def _count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_one_bad_row_imports_nothing_and_names_the_row_and_column(db):
    batch, result = _run(db, "enterprises", (FIXTURES / "enterprises_bad_row.csv").read_bytes())
    assert result["status"] == "rejected"
    assert _count(db, Enterprise) == 0
    assert [(e["row"], e["column"]) for e in batch.errors] == [(3, "统一社会信用代码")]
    assert "4" in batch.errors[0]["reason"]  # the check character it should have been
    assert "统一社会信用代码" in services.errors_csv(batch)


def test_the_fixed_file_imports_everything_and_again_changes_nothing(db):
    content = (FIXTURES / "enterprises.csv").read_bytes()
    batch, result = _run(db, "enterprises", content)
    assert result == {
        "status": "finished",
        "problems": 0,
        "created": 3,
        "updated": 0,
        "unchanged": 0,
    }
    firm = db.session.scalar(
        sa.select(Enterprise).where(Enterprise.credit_code == "91120116MA0511111N")
    )
    assert firm.revenue_yuan == Decimal("35000000.00")  # 3,500 万元
    assert firm.rd_spend_yuan == Decimal("4200000.00")  # 元
    assert firm.district_code == "120116" and firm.is_little_giant
    beichen = db.session.scalar(sa.select(Enterprise).where(Enterprise.industry_code == "27"))
    assert beichen.district_code == "120113"  # 北辰 by its short name
    assert str(beichen.founded_on) == "2011-03-01"
    before = _enterprise_rows(db)
    _batch, again = _run(db, "enterprises", content)
    assert again["created"] == again["updated"] == 0 and again["unchanged"] == 3
    assert _enterprise_rows(db) == before


def test_a_district_is_found_by_any_of_its_names_then_and_now(db):
    districts = services.build_lookups().districts
    # 宁河 became a district in 2015; records from 2014 call it 宁河县, code 120221.
    for name in ("宁河区", "宁河", "宁河县", "120221", "120117", "Ninghe District"):
        assert districts[columns.fold(name)] == "120117", name


def _enterprise_rows(db) -> list[tuple]:
    return [
        tuple(getattr(firm, column.key) for column in Enterprise.__table__.columns)
        for firm in db.session.scalars(sa.select(Enterprise).order_by(Enterprise.id))
    ]


def test_good_rows_only_imports_the_good_rows_and_lists_the_bad(db):
    batch, result = _run(
        db, "enterprises", (FIXTURES / "enterprises_bad_row.csv").read_bytes(), good_rows_only=True
    )
    assert result["status"] == "finished" and result["created"] == 2
    assert _count(db, Enterprise) == 2
    assert [e["row"] for e in batch.errors] == [3]


def test_gbk_encoded_csv_is_read(db):
    text = (FIXTURES / "enterprises.csv").read_bytes().decode("utf-8-sig")
    _batch, result = _run(db, "enterprises", text.encode("gb18030"))
    assert result["created"] == 3


@pytest.mark.parametrize(
    ("content", "filename", "expected"),
    [
        (b"\x81\x30\xff\xfe\x00abc", "data.csv", "text (CSV)"),
        ("名称,金额\n甲,1\n".encode("utf-16"), "data.csv", "text (CSV)"),
        (b"\xff\xfe\xfa\x80\x81", "data.csv", "UTF-8"),
        (b"%PDF-1.4 not a sheet", "report.xlsx", "XLSX"),
        (b"whatever", "old.xls", ".xlsx"),
        (b"", "empty.csv", "empty"),
        ("统一社会信用代码,企业名称\n".encode(), "header.csv", "no data rows"),
    ],
)
def test_malformed_files_get_a_clear_message(app, db, content, filename, expected):
    app.config["BABEL_DEFAULT_LOCALE"] = "en"
    try:
        batch, result = _run(db, "enterprises", content, filename)
    finally:
        app.config["BABEL_DEFAULT_LOCALE"] = "zh_Hans_CN"
    assert result["status"] == "rejected"
    assert expected in batch.errors[0]["reason"]


def test_missing_columns_and_money_without_unit_are_named(app, db):
    content = "统一社会信用代码,企业名称,营业收入\n91120116MA0511111N,甲,100\n".encode()
    batch, _result = _run(db, "enterprises", content)
    columns = {e["column"] for e in batch.errors}
    assert {"营业收入", "所在区", "行业代码"} <= columns
    assert all(e["row"] == 1 for e in batch.errors)


def _institution(make):
    return make.institution(name="滨海新区科技支行（测试）")


def test_products_import_from_csv_with_eligibility_lists(db, make):
    _institution(make)
    batch, result = _run(db, "products", (FIXTURES / "products.csv").read_bytes())
    assert result["created"] == 2, batch.errors
    product = db.session.scalar(sa.select(Product).where(Product.external_id == "KJD-001"))
    assert product.amount_max_yuan == Decimal("5000000.00")
    assert sorted(i.code for i in product.industries) == ["27", "39"]
    assert sorted(d.code for d in product.districts) == ["120113", "120116"]
    assert product.pool_covered and product.rate_min == Decimal("6.0000")
    _batch, again = _run(db, "products", (FIXTURES / "products.csv").read_bytes())
    assert again["unchanged"] == 2


def _xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_products_from_xlsx_with_english_headers_check_min_below_max(db, make):
    _institution(make)
    header = [
        "institution",
        "product_code",
        "name",
        "kind",
        "amount_min_wan",
        "amount_max_yi",
        "term_min",
        "term_max",
        "rate_min",
        "rate_max",
    ]
    content = _xlsx(
        [
            header,
            ["滨海新区科技支行（测试）", "A-1", "Loan A", "credit_loan", 50, 0.2, 6, 24, 6.0, 7.5],
            ["滨海新区科技支行（测试）", "A-2", "Loan B", "credit_loan", 50, 0.2, 36, 24, 6.0, 7.5],
            ["无此机构", "A-3", "Loan C", "credit_loan", 50, 0.2, 6, 24, 6.0, 7.5],
        ]
    )
    batch, result = _run(db, "products", content, "products.xlsx")
    assert result["status"] == "rejected"
    assert {(e["row"], e["column"]) for e in batch.errors} == {(3, "term_max"), (4, "institution")}
    assert _count(db, Product) == 0
    content = _xlsx(
        [
            header,
            ["滨海新区科技支行（测试）", "A-1", "Loan A", "credit_loan", 50, 0.2, 6, 24, 6.0, 7.5],
        ]
    )
    _batch, result = _run(db, "products", content, "products.xlsx")
    product = db.session.scalar(sa.select(Product))
    assert product.amount_max_yuan == Decimal("20000000.00")  # 0.2 亿元


def test_historical_applications_import_with_events_and_disbursements(db, make):
    _run(db, "enterprises", (FIXTURES / "enterprises.csv").read_bytes())
    _institution(make)
    _run(db, "products", (FIXTURES / "products.csv").read_bytes())
    batch, result = _run(db, "applications", (FIXTURES / "applications.csv").read_bytes())
    assert result["created"] == 3, batch.errors
    paid = db.session.scalar(sa.select(Disbursement))
    assert paid.amount_yuan == Decimal("3000000.00")
    assert paid.district_code == "120116" and paid.product_kind_code == "credit_loan"
    disbursed = db.session.get(Application, paid.application_id)
    assert disbursed.status.value == "disbursed"
    chain = db.session.scalars(
        sa.select(ApplicationEvent.to_status)
        .where(ApplicationEvent.application_id == disbursed.id)
        .order_by(ApplicationEvent.id)
    ).all()
    assert chain == ["submitted", "approved", "disbursed"]
    assert disbursed.request.status.value == "fulfilled"
    _batch, again = _run(db, "applications", (FIXTURES / "applications.csv").read_bytes())
    assert again["unchanged"] == 3
    assert _count(db, FinancingRequest) == 3 and _count(db, Disbursement) == 1


def test_a_disbursement_above_the_approved_amount_is_refused(db, make):
    _run(db, "enterprises", (FIXTURES / "enterprises.csv").read_bytes())
    _institution(make)
    _run(db, "products", (FIXTURES / "products.csv").read_bytes())
    text = (FIXTURES / "applications.csv").read_text().replace("6.60,300,", "6.60,350,")
    batch, result = _run(db, "applications", text.encode())
    assert result["status"] == "rejected"
    assert [(e["row"], e["column"]) for e in batch.errors] == [(2, "放款金额（万元）")]


def test_admin_uploads_a_file_and_sees_the_bad_row(client, login, make, db, monkeypatch):
    # The import runs inline here, as without Redis: no worker runs during the test.
    monkeypatch.setattr(jobs, "redis_connection", lambda: None)
    login(make.user(Role.ADMIN))
    client.get("/lang/en")
    content = (FIXTURES / "enterprises_bad_row.csv").read_bytes()
    response = client.post(
        "/admin/imports/",
        data={"kind": "enterprises", "file": (io.BytesIO(content), "firms.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    text = page.get_data(as_text=True)
    assert "Nothing imported" in text and "统一社会信用代码" in text
    assert _count(db, Enterprise) == 0
    batch = db.session.scalar(sa.select(ImportBatch))
    download = client.get(f"/admin/imports/{batch.id}/errors.csv")
    assert download.mimetype == "text/csv"
    assert "3,统一社会信用代码" in download.get_data(as_text=True)
    fixed = client.post(
        "/admin/imports/",
        data={
            "kind": "enterprises",
            "file": (io.BytesIO((FIXTURES / "enterprises.csv").read_bytes()), "firms.csv"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "3 rows imported" in fixed.get_data(as_text=True)
    assert _count(db, Enterprise) == 3


def test_admin_page_refuses_a_wrong_file_type_without_an_error_page(client, login, make):
    login(make.user(Role.ADMIN))
    client.get("/lang/en")
    response = client.post(
        "/admin/imports/",
        data={"kind": "enterprises", "file": (io.BytesIO(b"%PDF"), "scan.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "Only .csv and .xlsx files can be imported." in response.get_data(as_text=True)


def test_import_command_reports_the_bad_row_and_imports_the_fixed_file(app, db):
    runner = app.test_cli_runner()
    bad = runner.invoke(args=["import", "enterprises", str(FIXTURES / "enterprises_bad_row.csv")])
    assert bad.exit_code != 0
    assert "row 3, 统一社会信用代码" in bad.output
    good = runner.invoke(args=["import", "enterprises", str(FIXTURES / "enterprises.csv")])
    assert good.exit_code == 0, good.output
    assert "3 created" in good.output
