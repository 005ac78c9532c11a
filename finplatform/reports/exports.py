"""The report's tables (`view.report_tables`) as an XLSX workbook with native Excel charts, and
one CSV per table.

Any text cell beginning with `=`, `+`, `-`, `@` (or a tab / carriage return) would be read by a
spreadsheet as a formula: a firm named `=HYPERLINK(...)` must stay a name. In XLSX such cells
are stored as explicit strings with Excel's quote prefix (shown as typed, never evaluated); in
CSV they are prefixed with a single quote. Numbers stay numbers: a negative amount is not text.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from finplatform.reports.view import Table, report_tables

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
MONEY_FORMAT = "#,##0.00"  # yuan to the fen
NUMBER_FORMATS = {"money": MONEY_FORMAT, "count": "#,##0", "percent": "0.0"}
CENT = Decimal("0.01")


def is_formula_like(value) -> bool:
    """Whether a text value would be taken for a formula by a spreadsheet."""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def csv_cell(value) -> str:
    """A value as CSV text, formula-like text neutralised with a leading single quote."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal | int):
        return str(value)
    text = str(value)
    return "'" + text if is_formula_like(text) else text


def _cell(sheet, value, kind: str | None):
    """A value as the workbook stores it: a plain value, or a cell when it needs a number
    format or must stay text although it looks like a formula."""
    if isinstance(value, Decimal):
        # Stored as the decimal's own digits (money to the fen), never a float's expansion.
        if kind == "count":
            value = int(value)
        elif kind == "money":
            value = value.quantize(CENT)
    formula_like = is_formula_like(value)
    if value is None or (kind is None and not formula_like):
        return value
    cell = WriteOnlyCell(sheet, value)
    if formula_like:
        cell.data_type = "s"
        cell.quotePrefix = True
    if kind in NUMBER_FORMATS and not isinstance(value, str):
        cell.number_format = NUMBER_FORMATS[kind]
    return cell


def write_xlsx(report: dict, target) -> None:
    """Write the report as a workbook (to a path or a binary file object), streamed row by
    row (openpyxl's write-only mode keeps the styles, frozen header and charts)."""
    workbook = Workbook(write_only=True)
    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="1F4E79")
    sheets = {}
    for table in report_tables(report):
        table = table.for_files()
        sheet = workbook.create_sheet(table.title[:31])
        sheets[table.name] = (sheet, len(table.headers), len(table.rows) + 1)
        # Widths and the frozen header go before the first row is written.
        for column, header in enumerate(table.headers, start=1):
            values = [header, *(row[column - 1] for row in table.rows)]
            width = max(len(str(value)) if value is not None else 0 for value in values)
            sheet.column_dimensions[get_column_letter(column)].width = min(max(width + 2, 10), 60)
        sheet.freeze_panes = "A2"
        headers = []
        for header in table.headers:
            cell = WriteOnlyCell(sheet, header)
            if is_formula_like(header):
                cell.data_type, cell.quotePrefix = "s", True
            cell.font, cell.fill = header_font, header_fill
            headers.append(cell)
        sheet.append(headers)
        for row in table.rows:
            sheet.append(
                [_cell(sheet, value, table.formats.get(column)) for column, value in enumerate(row)]
            )
    _add_charts(sheets, report)
    workbook.save(target)


def _add_charts(sheets: dict, report: dict) -> None:
    monthly, columns, rows = sheets["monthly_by_kind"]
    if columns > 1 and rows > 1:
        bars = BarChart()
        bars.type, bars.grouping, bars.overlap = "col", "stacked", 100
        bars.title = _("Disbursed by month and product kind")
        bars.y_axis.title = _("yuan")
        data = Reference(monthly, min_col=2, max_col=columns, min_row=1, max_row=rows)
        bars.add_data(data, titles_from_data=True)
        bars.set_categories(Reference(monthly, min_col=1, min_row=2, max_row=rows))
        bars.width, bars.height = 22, 10
        monthly.add_chart(bars, f"{get_column_letter(columns + 2)}2")
    cumulative, _columns, rows = sheets["cumulative"]
    if rows > 1:
        line = LineChart()
        line.title = _("Cumulative against target")
        line.y_axis.title = _("yuan")
        data = Reference(cumulative, min_col=2, max_col=4, min_row=1, max_row=rows)
        line.add_data(data, titles_from_data=True)
        line.set_categories(Reference(cumulative, min_col=1, min_row=2, max_row=rows))
        line.width, line.height = 22, 10
        cumulative.add_chart(line, "F2")


def table_csv(table: Table) -> str:
    """One table as CSV text with a UTF-8 byte-order mark (Excel then reads Chinese right)."""
    table = table.for_files()
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([csv_cell(header) for header in table.headers])
    for row in table.rows:
        writer.writerow([csv_cell(value) for value in row])
    return buffer.getvalue()


def write_csv_dir(report: dict, directory: Path) -> list[Path]:
    """Write one CSV file per table into `directory`; returns the paths."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for table in report_tables(report):
        path = directory / f"{report['month']}-{table.name}.csv"
        path.write_text(table_csv(table), encoding="utf-8", newline="")
        paths.append(path)
    return paths
