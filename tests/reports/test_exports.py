"""Exports: formatted XLSX with native charts, CSV with BOM, and no cell ever runs a formula."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from openpyxl import load_workbook

from finplatform.models import Role
from finplatform.reports.closing import close_months_through
from finplatform.reports.exports import csv_cell, report_tables, table_csv, write_xlsx
from finplatform.reports.periods import Month
from finplatform.reports.services import build_report
from tests.reports.conftest import WorldBuilder

EVIL = '=HYPERLINK("http://evil.example/x","click")'


def _report_with_evil_firm(db, make, world):
    """A late disbursement for a firm named like a formula, so it is listed by name in July."""
    world.enterprises["E6"].name = EVIL
    world.institutions["community"].name = "@SUM(1+1)"
    closed_at = datetime.now(UTC)
    close_months_through(Month(2014, 6), make.user(Role.ADMIN), now=closed_at)
    builder = WorldBuilder(db, make)
    builder.world = world
    builder.disburse(
        "late", "A6", "700000", date(2014, 6, 29), created_at=closed_at + timedelta(seconds=1)
    )
    db.session.commit()
    return build_report(Month(2014, 7))


def test_formula_like_firm_name_opens_as_text(db, make, world, tmp_path):
    report = _report_with_evil_firm(db, make, world)
    path = tmp_path / "july.xlsx"
    write_xlsx(report, path)
    workbook = load_workbook(path)
    sheet = workbook["调整项"]
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value == EVIL]
    assert cells, "the firm's name is in the adjustments sheet"
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in cells)
    # Negative amounts stay numbers.
    amounts = [row[4].value for row in sheet.iter_rows(min_row=2)]
    assert amounts == [700000]

    table = next(t for t in report_tables(report) if t.name == "adjustments")
    rows = list(csv.reader(io.StringIO(table_csv(table).lstrip("\ufeff"))))
    assert "'" + EVIL in rows[1]
    assert EVIL not in rows[1]


def test_csv_cell_neutralises_every_trigger_but_not_numbers():
    for text in ("=1+1", "+1", "-1", "@A1", "\tx"):
        assert csv_cell(text) == "'" + text
    assert csv_cell(Decimal("-1500000.00")) == "-1500000.00"
    assert csv_cell("滨海科技支行") == "滨海科技支行"


def test_institution_named_like_a_formula_is_text_in_xlsx(world, tmp_path):
    world.institutions["bank"].name = "+cmd|' /C calc'!A0"
    report = build_report(Month(2014, 6))
    path = tmp_path / "june.xlsx"
    write_xlsx(report, path)
    sheet = load_workbook(path)["按机构"]
    cell = next(c for row in sheet.iter_rows() for c in row if c.value == "+cmd|' /C calc'!A0")
    assert cell.data_type == "s"


def test_workbook_is_formatted_and_has_native_charts(world, tmp_path):
    path = tmp_path / "june.xlsx"
    write_xlsx(build_report(Month(2014, 6)), path)
    workbook = load_workbook(path)
    summary = workbook["汇总"]
    assert summary.freeze_panes == "A2"
    assert summary["A1"].font.bold
    row = next(r for r in summary.iter_rows(min_row=2) if r[0].value == "放款")
    assert row[2].value == 11800000 and row[2].number_format == "#,##0.00"
    assert summary.column_dimensions["A"].width >= 10
    assert len(workbook["按月份和产品类型统计的放款"]._charts) == 1
    assert len(workbook["累计完成与工作目标对比"]._charts) == 1
    targets = workbook["工作目标"]
    metrics = [r[1].value for r in targets.iter_rows(min_row=2)]
    assert "帮助企业融资" in metrics and "新增科技金融对接服务平台" in metrics


def test_csv_has_a_byte_order_mark_and_chinese_names(world):
    report = build_report(Month(2014, 6))
    table = next(t for t in report_tables(report) if t.name == "by_institution")
    text = table_csv(table)
    assert text.startswith("\ufeff")
    assert "滨海科技支行" in text
